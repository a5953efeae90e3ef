package io.standings.http.security;

import io.standings.http.ProblemException;
import jakarta.ws.rs.container.ContainerRequestContext;
import jakarta.ws.rs.container.ResourceInfo;
import jakarta.ws.rs.core.HttpHeaders;
import org.jboss.resteasy.reactive.server.ServerRequestFilter;

/**
 * Guards {@link AdminOnly} endpoints with the admin API key, and every other REST endpoint too when
 * {@code standings.read.require-api-key=true}. Failures are problem+json: 401 (with
 * {@code WWW-Authenticate: Bearer}) without a key, 403 with a wrong one, 503 when no key is configured.
 */
public class ApiKeyFilter {

    private final ApiKeys keys;

    public ApiKeyFilter(ApiKeys keys) {
        this.keys = keys;
    }

    @ServerRequestFilter
    public void requireKey(ContainerRequestContext request, ResourceInfo resource) {
        boolean admin = isAdminOnly(resource);
        if (!admin && !keys.readsRequireKey()) {
            return;
        }
        switch (keys.check(request.getHeaderString(ApiKeys.HEADER), request.getHeaderString(HttpHeaders.AUTHORIZATION))) {
            case ACCEPTED -> {
            }
            case MISSING -> throw ProblemException.unauthorized(
                    "This endpoint needs the API key: send X-API-Key or Authorization: Bearer");
            case WRONG -> throw ProblemException.forbidden("The API key is not valid");
            case DISABLED -> throw ProblemException.unavailable("admin API disabled: set STANDINGS_ADMIN_API_KEY", 0);
        }
    }

    private static boolean isAdminOnly(ResourceInfo resource) {
        return resource.getResourceMethod() != null
                && (resource.getResourceMethod().isAnnotationPresent(AdminOnly.class)
                        || resource.getResourceClass().isAnnotationPresent(AdminOnly.class));
    }
}
