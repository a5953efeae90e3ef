package io.standings.security;

import io.quarkus.logging.Log;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Locale;
import java.util.Optional;
import org.eclipse.microprofile.config.inject.ConfigProperty;

/**
 * The admin API key ({@code standings.admin.api-key}, env {@code STANDINGS_ADMIN_API_KEY}) and how a
 * request presents it. There is no default key: without one the admin API is disabled.
 */
@ApplicationScoped
public class ApiKeys {

    /** What a request's credentials amount to. */
    public enum Verdict {
        /** The right key. */
        ACCEPTED,
        /** No key in the request. */
        MISSING,
        /** A key, but not the right one. */
        WRONG,
        /** No key is configured, so nothing can be accepted. */
        DISABLED
    }

    public static final String HEADER = "X-API-Key";
    private static final String BEARER = "bearer ";

    private final byte[] expectedDigest;
    private final boolean readsRequireKey;

    public ApiKeys(@ConfigProperty(name = "standings.admin.api-key") Optional<String> key,
            @ConfigProperty(name = "standings.read.require-api-key", defaultValue = "false") boolean readsRequireKey) {
        this.expectedDigest = key.filter(k -> !k.isBlank()).map(ApiKeys::digest).orElse(null);
        this.readsRequireKey = readsRequireKey;
    }

    void warnIfDisabled(@Observes StartupEvent started) {
        if (!enabled()) {
            Log.warn("No admin API key configured: admin endpoints answer 503. Set STANDINGS_ADMIN_API_KEY to enable them."
                    + (readsRequireKey ? " standings.read.require-api-key is true, so reads answer 503 too." : ""));
        }
    }

    public boolean enabled() {
        return expectedDigest != null;
    }

    public boolean readsRequireKey() {
        return readsRequireKey;
    }

    /** Judges the credentials of a request from its two headers (either may be null). */
    public Verdict check(String apiKeyHeader, String authorizationHeader) {
        if (!enabled()) {
            return Verdict.DISABLED;
        }
        String presented = presented(apiKeyHeader, authorizationHeader);
        if (presented == null) {
            return Verdict.MISSING;
        }
        // Both sides are hashed first, so the comparison takes the same time whatever the length or content.
        return MessageDigest.isEqual(expectedDigest, digest(presented)) ? Verdict.ACCEPTED : Verdict.WRONG;
    }

    private static String presented(String apiKeyHeader, String authorizationHeader) {
        if (apiKeyHeader != null && !apiKeyHeader.isEmpty()) {
            return apiKeyHeader;
        }
        if (authorizationHeader != null && authorizationHeader.length() > BEARER.length()
                && authorizationHeader.substring(0, BEARER.length()).toLowerCase(Locale.ROOT).equals(BEARER)) {
            String token = authorizationHeader.substring(BEARER.length()).trim();
            return token.isEmpty() ? null : token;
        }
        return null;
    }

    private static byte[] digest(String text) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is missing from the JVM", e);
        }
    }
}
