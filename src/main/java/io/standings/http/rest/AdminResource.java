package io.standings.http.rest;

import io.standings.http.Problem;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.smallrye.common.annotation.NonBlocking;
import io.standings.state.BoardRegistry;
import io.standings.state.LiveBoards;
import io.standings.http.security.AdminOnly;
import io.standings.http.sse.SubscriptionRegistry;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.media.Content;
import org.eclipse.microprofile.openapi.annotations.media.Schema;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;
import org.eclipse.microprofile.openapi.annotations.enums.SecuritySchemeIn;
import org.eclipse.microprofile.openapi.annotations.enums.SecuritySchemeType;
import org.eclipse.microprofile.openapi.annotations.security.SecurityRequirement;
import org.eclipse.microprofile.openapi.annotations.security.SecurityScheme;
import org.eclipse.microprofile.openapi.annotations.security.SecuritySchemes;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

/** Admin endpoints of the read side; every one needs the admin API key ({@link AdminOnly}). */
@Path("/api/v1/admin")
@Produces(MediaType.APPLICATION_JSON)
@AdminOnly
@SecuritySchemes({
        @SecurityScheme(securitySchemeName = "apiKey", type = SecuritySchemeType.APIKEY, in = SecuritySchemeIn.HEADER,
                apiKeyName = "X-API-Key", description = "The admin API key (STANDINGS_ADMIN_API_KEY)"),
        @SecurityScheme(securitySchemeName = "bearer", type = SecuritySchemeType.HTTP, scheme = "bearer",
                description = "The admin API key as a bearer token") })
@Tag(name = "Admin", description = "Operator endpoints; need the admin API key")
public class AdminResource {

    /** What this instance holds and has done since it started. */
    @Schema(description = "Counters of this instance since it started")
    public record Stats(
            @Schema(description = "Boards known") long boards,
            @Schema(description = "Entries over all boards") long entries,
            @Schema(description = "Valid score events applied") double eventsApplied,
            @Schema(description = "Records dead-lettered, all reasons") double eventsDeadLettered,
            @Schema(description = "Open SSE subscriptions") int sseSubscriptions,
            @Schema(description = "Read token: records applied") long asOf) {
    }

    private final BoardRegistry boards;
    private final LiveBoards live;
    private final SubscriptionRegistry subscriptions;
    private final MeterRegistry meters;

    public AdminResource(BoardRegistry boards, LiveBoards live, SubscriptionRegistry subscriptions, MeterRegistry meters) {
        this.boards = boards;
        this.live = live;
        this.subscriptions = subscriptions;
        this.meters = meters;
    }

    @GET
    @Path("stats")
    @NonBlocking
    @Operation(summary = "Ingest counters, boards, entries and SSE subscriptions of this instance")
    @SecurityRequirement(name = "apiKey")
    @SecurityRequirement(name = "bearer")
    @APIResponse(responseCode = "200", description = "The counters",
            content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = Stats.class)))
    @APIResponse(responseCode = "401", description = "No API key (problem+json, WWW-Authenticate: Bearer)",
            content = @Content(mediaType = Problem.MEDIA_TYPE, schema = @Schema(implementation = Problem.class)))
    @APIResponse(responseCode = "403", description = "A wrong API key (problem+json)",
            content = @Content(mediaType = Problem.MEDIA_TYPE, schema = @Schema(implementation = Problem.class)))
    @APIResponse(responseCode = "503", description = "No admin API key configured: the admin API is disabled (problem+json)",
            content = @Content(mediaType = Problem.MEDIA_TYPE, schema = @Schema(implementation = Problem.class)))
    public Stats stats() {
        long asOf = live.asOf();
        long entries = boards.all().stream().mapToLong(b -> live.size(b)).sum();
        double applied = meters.find("standings.events.applied").counters().stream().mapToDouble(Counter::count).sum();
        double deadLettered = meters.find("standings.events.dead.lettered").counters().stream().mapToDouble(Counter::count)
                .sum();
        return new Stats(boards.all().size(), entries, applied, deadLettered, subscriptions.count(), asOf);
    }
}
