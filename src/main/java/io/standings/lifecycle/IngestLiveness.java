package io.standings.lifecycle;

import io.standings.ingest.BatchPipeline;

import jakarta.enterprise.context.ApplicationScoped;
import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.Liveness;

/**
 * Liveness: DOWN only when the ingest stopped on a defect (every server fault is waited out, not fatal), which
 * a restart mends: it resumes from the offsets in Redis. A server being away never makes the process look dead.
 */
@ApplicationScoped
@Liveness
public class IngestLiveness implements HealthCheck {

    private final BatchPipeline consumer;

    public IngestLiveness(BatchPipeline consumer) {
        this.consumer = consumer;
    }

    @Override
    public HealthCheckResponse call() {
        Throwable failure = consumer.failure();
        return HealthCheckResponse.named("Standings ingest running").status(failure == null)
                .withData("ingest", failure == null ? "running" : "stopped: " + failure.getMessage()).build();
    }
}
