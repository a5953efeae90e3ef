package io.standings.http;

import java.util.Map;

/** Thrown by resources and filters to answer with a problem+json error; never carries a stack trace to the client. */
public class ProblemException extends RuntimeException {

    private final int status;
    private final String title;
    private final Map<String, String> headers;

    public ProblemException(int status, String title, String detail) {
        this(status, title, detail, Map.of());
    }

    public ProblemException(int status, String title, String detail, Map<String, String> headers) {
        super(detail, null, false, false);
        this.status = status;
        this.title = title;
        this.headers = Map.copyOf(headers);
    }

    public static ProblemException badRequest(String detail) {
        return new ProblemException(400, "Bad Request", detail);
    }

    public static ProblemException notFound(String detail) {
        return new ProblemException(404, "Not Found", detail);
    }

    /** 401 with the challenge header RFC 9110 requires. */
    public static ProblemException unauthorized(String detail) {
        return new ProblemException(401, "Unauthorized", detail, Map.of("WWW-Authenticate", "Bearer realm=\"standings\""));
    }

    public static ProblemException forbidden(String detail) {
        return new ProblemException(403, "Forbidden", detail);
    }

    /** 503; with {@code Retry-After} when {@code retryAfterSeconds} is positive. */
    public static ProblemException unavailable(String detail, long retryAfterSeconds) {
        return new ProblemException(503, "Service Unavailable", detail,
                retryAfterSeconds > 0 ? Map.of("Retry-After", Long.toString(retryAfterSeconds)) : Map.of());
    }

    /** 429 with {@code Retry-After}: this client has used up its share of something. */
    public static ProblemException tooManyRequests(String detail, long retryAfterSeconds) {
        return new ProblemException(429, "Too Many Requests", detail,
                Map.of("Retry-After", Long.toString(Math.max(1, retryAfterSeconds))));
    }

    public int status() {
        return status;
    }

    public String title() {
        return title;
    }

    public Map<String, String> headers() {
        return headers;
    }
}
