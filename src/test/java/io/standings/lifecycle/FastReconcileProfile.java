package io.standings.lifecycle;

import io.quarkus.test.junit.QuarkusTestProfile;
import java.util.Map;

/** Reconciliation every second, as a busy deployment would run it. */
public class FastReconcileProfile implements QuarkusTestProfile {
    @Override
    public Map<String, String> getConfigOverrides() {
        return Map.of("standings.reconcile.interval", "1s", "standings.recovery.check-interval", "500ms");
    }
}
