package io.standings.core.index;

import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;

/**
 * Bytes per entry of a loaded index: heap used after full GCs, before and after loading
 * {@code n} entries (16-char ids, integer scores), next to the computed
 * {@link BoardIndex#estimatedBytes()}. Entries are generated on the fly, so only the index is
 * live at the second measurement.
 *
 * <p>Usage: {@code java -Xmx12g -cp target/benchmarks.jar io.standings.core.index.IndexMemory 10000000 [bulk|upsert|treemap]...}
 */
public final class IndexMemory {
    private IndexMemory() {
    }

    public static void main(String[] args) {
        int n = Integer.parseInt(args[0]);
        String[] modes = args.length > 1 ? java.util.Arrays.copyOfRange(args, 1, args.length) : new String[] {"bulk", "upsert"};
        for (String mode : modes) {
            measure(n, mode);
        }
    }

    private static void measure(int n, String mode) {
        long before = usedAfterGc();
        long t0 = System.nanoTime();
        RankIndex index;
        switch (mode) {
            case "bulk" -> index = BoardIndex.bulkLoad(Order.DESC, BenchData.entries(n));
            case "upsert" -> {
                BoardIndex b = new BoardIndex(Order.DESC);
                for (int i = 0; i < n; i++) {
                    b.upsert(BenchData.id(i), BenchData.score(i), i);
                }
                index = b;
            }
            case "treemap" -> index = TreeMapBoardIndex.bulkLoad(Order.DESC, BenchData.entries(n));
            default -> throw new IllegalArgumentException("mode: bulk | upsert | treemap");
        }
        double seconds = (System.nanoTime() - t0) / 1e9;
        long after = usedAfterGc();
        double perEntry = (after - before) / (double) n;
        String estimate = index instanceof BoardIndex b
                ? String.format("%.1f", b.estimatedBytes() / (double) n) : "-";
        System.out.printf("mode=%s entries=%d load_s=%.2f heap_bytes_per_entry=%.1f estimated_bytes_per_entry=%s size=%d%n",
                mode, n, seconds, perEntry, estimate, index.size());
        index = null;
    }

    private static long usedAfterGc() {
        MemoryMXBean mem = ManagementFactory.getMemoryMXBean();
        long used = Long.MAX_VALUE;
        for (int i = 0; i < 4; i++) {
            System.gc();
            used = Math.min(used, mem.getHeapMemoryUsage().getUsed());
        }
        return used;
    }
}
