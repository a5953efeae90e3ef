package io.standings.core.index;

import java.util.List;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Rank, upsert (random new score), increment (read + small increase) and top-100 on a board of {@code size} entries (16-char ids, integer scores with
 * ties), for {@link BoardIndex} and the {@link TreeMapBoardIndex} baseline in the same run.
 * Each operation picks a pseudo-random existing entity, so lookups miss the CPU caches as they
 * would in production.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 2, time = 1)
@Measurement(iterations = 3, time = 1)
@Fork(value = 1, jvmArgsAppend = {"-Xms2g", "-Xmx12g", "-XX:+UseParallelGC", "-XX:+UseTransparentHugePages"})
public class IndexBenchmark {

    @Param({"1000000", "10000000"})
    public int size;

    @Param({"BoardIndex", "TreeMapBoardIndex"})
    public String impl;

    private RankIndex index;
    private String[] probes;
    private int next;
    private long clock;

    @Setup(Level.Trial)
    public void load() {
        index = impl.equals("BoardIndex")
                ? BoardIndex.bulkLoad(Order.DESC, BenchData.entries(size))
                : TreeMapBoardIndex.bulkLoad(Order.DESC, BenchData.entries(size));
        probes = new String[1 << 16];
        for (int i = 0; i < probes.length; i++) {
            probes[i] = BenchData.id(Math.floorMod(BenchData.mix(i + 12345L), size));
        }
        clock = size;
    }

    private String probe() {
        return probes[next++ & (probes.length - 1)];
    }

    @Benchmark
    public long rank() {
        return index.ordinalRank(probe()).getAsLong();
    }

    @Benchmark
    public boolean upsert() {
        long t = ++clock;
        return index.upsert(probe(), Math.floorMod(BenchData.mix(t), BenchData.SCORE_RANGE), t);
    }

    /** An "incr" event: read the current score, add 1-4, write it back (the entry moves a little). */
    @Benchmark
    public boolean increment() {
        String entity = probe();
        long t = ++clock;
        return index.upsert(entity, index.scoreOf(entity).getAsDouble() + 1 + (t & 3), t);
    }

    @Benchmark
    public List<Ranked> top100() {
        return index.top(100);
    }
}
