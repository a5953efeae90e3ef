package io.standings.http.security;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Marks a resource method (or a whole resource class) as admin-only: {@link ApiKeyFilter} lets a
 * request through only with the admin API key ({@code X-API-Key: <key>} or
 * {@code Authorization: Bearer <key>}). Without a key the answer is 401, with a wrong one 403, and
 * when no key is configured 503 (the admin API is disabled).
 */
@Retention(RetentionPolicy.RUNTIME)
@Target({ ElementType.METHOD, ElementType.TYPE })
public @interface AdminOnly {
}
