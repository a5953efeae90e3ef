package io.standings.state;

import jakarta.enterprise.context.ApplicationScoped;

/**
 * The gate between the ingest and everything that must see the live state at one batch boundary: the ingest
 * holds it for each batch (Redis write, memory apply, offsets), the reconciler while it copies the live state,
 * a Redis-loss recovery while it resets everything, and admin changes while they change it. Whoever holds it
 * sees memory, Redis and the partition offsets between two batches, never in the middle of one.
 */
@ApplicationScoped
public class SnapshotGate extends AsyncMutex {
}
