package io.standings.lifecycle;

import io.quarkus.test.junit.QuarkusTestProfile;
import java.util.Map;

/** Reconciliation every second and a short back-off, so that an outage and its end are seen within seconds. */
public class PostgresOutageProfile implements QuarkusTestProfile {
    @Override
    public Map<String, String> getConfigOverrides() {
        return Map.of("standings.reconcile.interval", "1s", "standings.reconcile.max-backoff", "2s");
    }
}
