package io.standings.http;

import io.quarkus.logging.Log;
import jakarta.ws.rs.WebApplicationException;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.core.UriInfo;
import org.jboss.resteasy.reactive.server.ServerExceptionMapper;

/** Maps every failure of a request to problem+json: known ones with their status, the rest to a bare 500. */
public class ProblemMappers {

    @ServerExceptionMapper
    public Response problem(ProblemException e, UriInfo uri) {
        Response.ResponseBuilder answer = builder(e.status(), e.title(), e.getMessage(), uri);
        e.headers().forEach(answer::header);
        return answer.build();
    }

    @ServerExceptionMapper
    public Response webApplication(WebApplicationException e, UriInfo uri) {
        Response.StatusType status = e.getResponse().getStatusInfo();
        String detail = switch (status.getStatusCode()) {
            case 404 -> "No resource at this path";
            case 405 -> "Method not allowed on this path";
            case 406 -> "Cannot produce the requested media type";
            case 415 -> "Unsupported media type";
            default -> status.getReasonPhrase();
        };
        return respond(status.getStatusCode(), status.getReasonPhrase(), detail, uri);
    }

    @ServerExceptionMapper
    public Response unexpected(Throwable e, UriInfo uri) {
        Log.errorf(e, "Unexpected failure serving %s", uri.getPath());
        return respond(500, "Internal Server Error", "The server failed to answer; the failure is logged", uri);
    }

    private static Response respond(int status, String title, String detail, UriInfo uri) {
        return builder(status, title, detail, uri).build();
    }

    private static Response.ResponseBuilder builder(int status, String title, String detail, UriInfo uri) {
        return Response.status(status)
                .type(Problem.MEDIA_TYPE)
                .entity(new Problem("about:blank", title, status, detail, uri.getPath()));
    }
}
