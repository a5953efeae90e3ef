package io.standings.lifecycle;

import io.quarkus.test.junit.QuarkusTestProfile;
import java.util.Map;

/** Reconciliation runs only when a test asks for it (Reconciler#reconcileNow), so tests are deterministic. */
public class ManualReconcileProfile implements QuarkusTestProfile {
    @Override
    public Map<String, String> getConfigOverrides() {
        return Map.of("standings.reconcile.enabled", "false");
    }
}
