package io.standings.lifecycle;

import jakarta.enterprise.context.ApplicationScoped;
import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.HealthCheckResponseBuilder;
import io.smallrye.health.api.HealthGroup;

/**
 * The durable side, in the ingest health group: DOWN while reconciliation fails (PostgreSQL away), with the
 * time of the last successful run. Ingest and reads go on meanwhile; the check only says the checkpoint is
 * not moving.
 */
@ApplicationScoped
@HealthGroup("ingest")
public class ReconcileHealth implements HealthCheck {

    private final Reconciler reconciler;

    public ReconcileHealth(Reconciler reconciler) {
        this.reconciler = reconciler;
    }

    @Override
    public HealthCheckResponse call() {
        boolean up = reconciler.consecutiveFailures() == 0;
        HealthCheckResponseBuilder b = HealthCheckResponse.named("Standings PostgreSQL checkpoint").status(up)
                .withData("lastSuccess", String.valueOf(reconciler.lastSuccess()))
                .withData("consecutiveFailures", reconciler.consecutiveFailures());
        if (!up) {
            b.withData("lastFailure", String.valueOf(reconciler.lastFailure()));
        }
        return b.build();
    }
}
