package io.standings.state;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.runtime.StartupEvent;
import io.standings.core.index.BoardIndex;
import io.standings.core.index.RankIndex;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;

/** Gauges of the in-memory indexes: live board periods, entries, and their estimated heap bytes. */
@ApplicationScoped
public class IndexMetrics {

    private final LiveBoards live;

    public IndexMetrics(LiveBoards live) {
        this.live = live;
    }

    void register(@Observes StartupEvent event, MeterRegistry registry) {
        Gauge.builder("standings.index.periods", live, l -> l.indexes().size())
                .description("Live board periods in memory").register(registry);
        Gauge.builder("standings.index.entries", live, l -> l.indexes().values().stream().mapToLong(RankIndex::size).sum())
                .description("Entries in the in-memory indexes").register(registry);
        Gauge.builder("standings.index.bytes", live, IndexMetrics::bytes)
                .description("Estimated heap bytes of the in-memory indexes, entity ids included").baseUnit("bytes")
                .register(registry);
    }

    private static double bytes(LiveBoards live) {
        long total = 0;
        for (RankIndex index : live.indexes().values()) {
            if (index instanceof BoardIndex b) {
                total += b.estimatedBytes();
            }
        }
        return total;
    }
}
