package io.standings.http.security;

import io.quarkus.logging.Log;
import io.quarkus.runtime.StartupEvent;
import io.quarkus.runtime.configuration.ConfigurationException;
import jakarta.annotation.Priority;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.interceptor.Interceptor;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import org.eclipse.microprofile.config.inject.ConfigProperty;

/**
 * The admin API key ({@code standings.admin.api-key}, env {@code STANDINGS_ADMIN_API_KEY}) and how a
 * request presents it. There is no default key: without one the admin API is disabled. A configured key
 * is stripped of leading and trailing whitespace and must pass {@link AdminKeyRule}, or the service
 * refuses to start. Only the key's SHA-256 digest is kept.
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

    static final String PROPERTY = "standings.admin.api-key";

    private final byte[] expectedDigest;
    /** The rules the configured key breaks (never the key itself); empty when it is acceptable or absent. */
    private final List<String> weaknesses;
    private final boolean readsRequireKey;

    public ApiKeys(@ConfigProperty(name = PROPERTY) Optional<String> key,
            @ConfigProperty(name = "standings.read.require-api-key", defaultValue = "false") boolean readsRequireKey) {
        String configured = key.map(String::strip).filter(k -> !k.isEmpty()).orElse(null);
        this.expectedDigest = configured == null ? null : digest(configured);
        this.weaknesses = configured == null ? List.of() : AdminKeyRule.violations(configured);
        this.readsRequireKey = readsRequireKey;
    }

    /**
     * Runs before every other start-up observer (the Kafka consumer, the index rebuild, the SSE clock), so a
     * weak key stops the service before it consumes or serves anything.
     */
    void refuseWeakKey(@Observes @Priority(Interceptor.Priority.PLATFORM_BEFORE) StartupEvent started) {
        requireAcceptableKey();
    }

    /**
     * Logs one error line naming the rules the configured key breaks and how to make a good one, and
     * throws; does nothing when the key is acceptable or absent.
     *
     * @throws ConfigurationException when a configured key breaks {@link AdminKeyRule}: start-up fails
     */
    void requireAcceptableKey() {
        if (!weaknesses.isEmpty()) {
            String refusal = AdminKeyRule.refusal(weaknesses);
            Log.error(refusal);
            throw new ConfigurationException(refusal, Set.of(PROPERTY));
        }
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
