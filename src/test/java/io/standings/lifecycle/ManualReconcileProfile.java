package io.standings.lifecycle;

import io.quarkus.test.junit.QuarkusTestProfile;
import java.util.Map;

/**
 * Reconciliation runs only when a test asks for it (Reconciler#reconcileNow), so tests are deterministic; and every
 * run checksums the board periods it writes incrementally (checksum interval 0), so a test that changes PostgreSQL
 * behind the reconciler's back sees the next run find it, whatever the time between the runs.
 */
public class ManualReconcileProfile implements QuarkusTestProfile {
    @Override
    public Map<String, String> getConfigOverrides() {
        return Map.of("standings.reconcile.enabled", "false", "standings.reconcile.checksum-interval", "0");
    }
}
