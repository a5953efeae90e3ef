package io.standings.core.index;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.RandomDistribution;
import net.jqwik.api.statistics.Statistics;
import net.jqwik.api.Tuple;
import net.jqwik.api.constraints.IntRange;

/**
 * Random operation sequences with many ties (few scores, few reachedAt values) against
 * {@link ReferenceBoard}, for {@link BoardIndex} with tiny node capacities (so splits, merges and
 * borrows happen at small n) and for {@link TreeMapBoardIndex}.
 */
class RankIndexPropertiesTest {

    /** Ids chosen so that UTF-16 order and code-point order disagree (U+FFFD vs U+1F600). */
    static final List<String> IDS;

    static {
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < 70; i++) {
            ids.add("e" + i);
        }
        ids.addAll(List.of("a", "b", "é", "\uFFFD", "\uD83D\uDE00", "a\uFFFD", "a\uD83D\uDE00", "Z", "z z", "~"));
        IDS = List.copyOf(ids);
    }

    sealed interface Op permits Upsert, Remove {
    }

    record Upsert(String entity, double score, long reachedAt) implements Op {
    }

    record Remove(String entity) implements Op {
    }

    @Provide
    Arbitrary<List<Op>> ops() {
        Arbitrary<String> ids = Arbitraries.of(IDS);
        Arbitrary<Double> scores = Arbitraries.of(-1.0, 0.0, -0.0, 1.0, 2.5, 3.0, 9007199254740992.0, -9007199254740991.0);
        Arbitrary<Long> times = Arbitraries.longs().between(-1, 2);
        Arbitrary<Op> up = Combinators.combine(ids, scores, times).as(Upsert::new);
        Arbitrary<Op> rm = ids.map(Remove::new);
        Arbitrary<List<Op>> growing = Arbitraries.frequencyOf(Tuple.of(5, up), Tuple.of(1, rm)).list().ofMaxSize(300)
                .withSizeDistribution(RandomDistribution.uniform());
        Arbitrary<List<Op>> shrinking = Arbitraries.frequencyOf(Tuple.of(1, up), Tuple.of(3, rm)).list().ofMaxSize(300)
                .withSizeDistribution(RandomDistribution.uniform());
        return Combinators.combine(growing, shrinking).as((g, s) -> {
            List<Op> all = new ArrayList<>(g);
            all.addAll(s);
            return all;
        });
    }

    @Provide
    Arbitrary<Integer> leafCapacities() {
        return Arbitraries.of(2, 3, 4, 5, 8, 64);
    }

    @Provide
    Arbitrary<Integer> innerCapacities() {
        return Arbitraries.of(3, 4, 5, 64);
    }

    @Property(tries = 400)
    void boardIndexMatchesReference(@ForAll("ops") List<Op> ops, @ForAll Order order,
                                    @ForAll("leafCapacities") int leafCap, @ForAll("innerCapacities") int innerCap) {
        BoardIndex index = new BoardIndex(order, leafCap, innerCap);
        ReferenceBoard ref = new ReferenceBoard(order);
        int step = 0;
        int maxSize = 0;
        for (Op op : ops) {
            apply(op, index, ref);
            maxSize = Math.max(maxSize, ref.size());
            index.checkInvariants();
            String touched = op instanceof Upsert u ? u.entity() : ((Remove) op).entity();
            assertRanked(index, ref, touched);
            if (++step % 25 == 0) {
                assertSameState(index, ref);
            }
        }
        assertSameState(index, ref);
        Statistics.label("peak entries").collect(maxSize < 10 ? "<10" : maxSize < 40 ? "10-39" : ">=40");
        Statistics.label("final entries").collect(ref.size() == 0 ? "0" : ref.size() < 10 ? "1-9" : ">=10");
        assertBulkLoadEquivalent(index, ref, order, leafCap, innerCap, ops.size());
    }

    @Property(tries = 150)
    void treeMapBaselineMatchesReference(@ForAll("ops") List<Op> ops, @ForAll Order order) {
        TreeMapBoardIndex index = new TreeMapBoardIndex(order);
        ReferenceBoard ref = new ReferenceBoard(order);
        for (Op op : ops) {
            apply(op, index, ref);
        }
        assertSameState(index, ref);
        TreeMapBoardIndex loaded = TreeMapBoardIndex.bulkLoad(order, entries(ref));
        assertThat(inOrder(loaded)).isEqualTo(ref.all());
    }

    @Property(tries = 200)
    void boardIndexMatchesReferenceViaBatches(@ForAll("ops") List<Op> ops, @ForAll Order order,
                                              @ForAll @IntRange(min = 1, max = 40) int batchSize) {
        BoardIndex index = new BoardIndex(order, 3, 3);
        ReferenceBoard ref = new ReferenceBoard(order);
        for (int from = 0; from < ops.size(); from += batchSize) {
            List<Op> batch = ops.subList(from, Math.min(ops.size(), from + batchSize));
            index.applyBatch(w -> batch.forEach(op -> {
                if (op instanceof Upsert u) {
                    w.upsert(u.entity(), u.score(), u.reachedAt());
                } else {
                    w.remove(((Remove) op).entity());
                }
            }));
            batch.forEach(op -> apply(op, null, ref));
            index.checkInvariants();
        }
        assertSameState(index, ref);
    }

    /** Paging while entries move: unchanged entries are seen exactly once, keys strictly increase. */
    @Property(tries = 200)
    void cursorPagingIsStableWhileScoresChange(@ForAll("ops") List<Op> setup, @ForAll("ops") List<Op> changes,
                                               @ForAll Order order, @ForAll @IntRange(min = 1, max = 7) int limit,
                                               @ForAll("leafCapacities") int leafCap) {
        for (RankIndex index : List.of(new BoardIndex(order, leafCap, 3), new TreeMapBoardIndex(order))) {
            ReferenceBoard ref = new ReferenceBoard(order);
            setup.forEach(op -> apply(op, index, ref));
            Set<String> present = new HashSet<>();
            ref.rows().forEach(r -> present.add(r.entity()));
            Set<String> touched = new HashSet<>();
            List<Ranked> seen = new ArrayList<>();
            String cursor = null;
            int changeAt = 0;
            for (int pages = 0; pages < 1000; pages++) {
                Page page = index.page(cursor, limit);
                assertThat(page.entries().size()).isLessThanOrEqualTo(limit);
                seen.addAll(page.entries());
                cursor = page.nextCursor();
                if (cursor == null) {
                    break;
                }
                for (int k = 0; k < 3 && changeAt < changes.size(); k++, changeAt++) {
                    Op op = changes.get(changeAt);
                    apply(op, index, ref);
                    touched.add(op instanceof Upsert u ? u.entity() : ((Remove) op).entity());
                }
            }
            for (int i = 1; i < seen.size(); i++) {
                ReferenceBoard.Row a = row(seen.get(i - 1));
                ReferenceBoard.Row b = row(seen.get(i));
                assertThat(ref.keyOrder.compare(a, b)).as("keys strictly increase across pages").isNegative();
            }
            for (String entity : present) {
                if (!touched.contains(entity)) {
                    assertThat(seen.stream().filter(r -> r.entity().equals(entity)).count())
                            .as("unchanged entity %s seen exactly once", entity).isEqualTo(1);
                }
            }
        }
    }

    /** Default capacities, thousands of entries: several levels of 64-wide nodes. */
    @Property(tries = 8)
    void defaultCapacityAtLargerSize(@ForAll Order order, @ForAll long seed) {
        Random rnd = new Random(seed);
        BoardIndex index = new BoardIndex(order);
        ReferenceBoard ref = new ReferenceBoard(order);
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < 6000; i++) {
            ids.add(Long.toString(rnd.nextLong() & 0xFFFFFFFFFFL, 36));
        }
        for (int i = 0; i < 12000; i++) {
            String id = ids.get(rnd.nextInt(ids.size()));
            Op op = rnd.nextInt(5) == 0 ? new Remove(id) : new Upsert(id, rnd.nextInt(50), rnd.nextInt(3));
            apply(op, index, ref);
        }
        index.checkInvariants();
        assertSameState(index, ref);
        for (int i = 0; i < 9000; i++) {
            apply(new Remove(ids.get(rnd.nextInt(ids.size()))), index, ref);
        }
        index.checkInvariants();
        assertSameState(index, ref);
        assertBulkLoadEquivalent(index, ref, order, CountedBTree.DEFAULT_LEAF_CAPACITY,
                CountedBTree.DEFAULT_INNER_CAPACITY, seed);
    }

    // ------------------------------------------------------------------ helpers

    static void apply(Op op, RankIndex index, ReferenceBoard ref) {
        if (op instanceof Upsert u) {
            boolean existedSame = ref.indexOf(u.entity()) >= 0
                    && ref.rows().get(ref.indexOf(u.entity())).score() == u.score() + 0.0
                    && ref.rows().get(ref.indexOf(u.entity())).reachedAt() == u.reachedAt();
            if (index != null) {
                long version = index.version();
                assertThat(index.upsert(u.entity(), u.score(), u.reachedAt())).isEqualTo(!existedSame);
                // version() moves with every change, and only then (the top-N cache relies on both).
                assertThat(index.version() != version).isEqualTo(!existedSame);
            }
            ref.upsert(u.entity(), u.score(), u.reachedAt());
        } else {
            String e = ((Remove) op).entity();
            boolean existed = ref.indexOf(e) >= 0;
            if (index != null) {
                long version = index.version();
                assertThat(index.remove(e)).isEqualTo(existed);
                assertThat(index.version() != version).isEqualTo(existed);
            }
            ref.remove(e);
        }
    }

    static ReferenceBoard.Row row(Ranked r) {
        return new ReferenceBoard.Row(r.entity(), r.score(), r.reachedAt());
    }

    static List<Entry> entries(ReferenceBoard ref) {
        List<Entry> out = new ArrayList<>();
        ref.rows().forEach(r -> out.add(new Entry(r.entity(), r.score(), r.reachedAt())));
        return out;
    }

    static List<Ranked> inOrder(RankIndex index) {
        List<Ranked> out = new ArrayList<>();
        index.forEachInOrder((e, s, r, o, c, d) -> out.add(new Ranked(e, s, r, o, c, d)));
        // The UTF-8 variant (what the reconciler's snapshot uses) streams exactly the same entries.
        List<Ranked> utf8 = new ArrayList<>();
        index.forEachInOrderUtf8((id, off, len, s, r, o, c, d) ->
                utf8.add(new Ranked(new String(id, off, len, java.nio.charset.StandardCharsets.UTF_8), s, r, o, c, d)));
        assertThat(utf8).isEqualTo(out);
        return out;
    }

    static void assertRanked(RankIndex index, ReferenceBoard ref, String entity) {
        int i = ref.indexOf(entity);
        if (i < 0) {
            assertThat(index.ranked(entity)).isEmpty();
            assertThat(index.get(entity)).isEmpty();
            assertThat(index.ordinalRank(entity)).isEmpty();
            assertThat(index.percentile(entity)).isEmpty();
            assertThat(index.around(entity, 2)).isEmpty();
            return;
        }
        Ranked expected = ref.rankedAt(i);
        assertThat(index.ranked(entity)).contains(expected);
        assertThat(index.ordinalRank(entity).getAsLong()).isEqualTo(expected.ordinalRank());
        assertThat(index.competitionRank(entity).getAsLong()).isEqualTo(expected.competitionRank());
        assertThat(index.denseRank(entity).getAsLong()).isEqualTo(expected.denseRank());
        assertThat(index.scoreOf(entity).getAsDouble()).isEqualTo(expected.score());
        assertThat(index.get(entity)).contains(new Entry(entity, expected.score(), expected.reachedAt()));
        double pct = (ref.size() - (i + 1)) * 100.0 / ref.size();
        assertThat(index.percentile(entity).getAsDouble()).isEqualTo(pct);
    }

    static void assertSameState(RankIndex index, ReferenceBoard ref) {
        List<Ranked> all = ref.all();
        assertThat(index.size()).isEqualTo(ref.size());
        assertThat(inOrder(index)).isEqualTo(all);
        for (String id : IDS) {
            assertRanked(index, ref, id);
        }
        for (ReferenceBoard.Row r : ref.rows()) {
            assertRanked(index, ref, r.entity());
        }
        int n = ref.size();
        for (int k : new int[] {0, 1, 3, 10, n, n + 5}) {
            assertThat(index.top(k)).isEqualTo(ref.window(0, k));
        }
        for (int from = 1; from <= n + 2; from += Math.max(1, n / 7)) {
            for (int limit : new int[] {0, 1, 4, 13}) {
                assertThat(index.window(from, limit)).as("window(%d,%d)", from, limit).isEqualTo(ref.window(from - 1, limit));
            }
        }
        for (int i = 0; i < n; i += Math.max(1, n / 9)) {
            for (int radius : new int[] {0, 1, 3}) {
                int lo = Math.max(0, i - radius);
                List<Ranked> expected = ref.window(lo, i + radius + 1 - lo);
                assertThat(index.around(all.get(i).entity(), radius)).isEqualTo(expected);
            }
        }
        for (int limit : new int[] {1, 3, 50}) {
            List<Ranked> paged = new ArrayList<>();
            String cursor = null;
            do {
                Page page = index.page(cursor, limit);
                paged.addAll(page.entries());
                cursor = page.nextCursor();
            } while (cursor != null);
            assertThat(paged).isEqualTo(all);
        }
    }

    static void assertBulkLoadEquivalent(BoardIndex index, ReferenceBoard ref, Order order, int leafCap, int innerCap, long seed) {
        List<Entry> entries = entries(ref);
        List<Entry> input = new ArrayList<>();
        // stale values first: a later entry for the same entity wins
        for (Entry e : entries) {
            input.add(new Entry(e.entity(), e.score() + 1, e.reachedAt() - 1));
        }
        Collections.shuffle(input, new Random(seed));
        List<Entry> shuffled = new ArrayList<>(entries);
        Collections.shuffle(shuffled, new Random(seed + 1));
        input.addAll(shuffled);
        BoardIndex loaded = BoardIndex.bulkLoad(order, input, leafCap, innerCap);
        loaded.checkInvariants();
        assertThat(inOrder(loaded)).isEqualTo(inOrder(index));
        BoardIndex sortedLoad = BoardIndex.bulkLoad(order, entries, leafCap, innerCap);
        sortedLoad.checkInvariants();
        assertSameState(sortedLoad, ref);
        // the loaded index keeps working under writes
        for (Entry e : shuffled.subList(0, shuffled.size() / 2)) {
            loaded.remove(e.entity());
            ref.remove(e.entity());
        }
        loaded.upsert("fresh", 1.0, 0);
        ref.upsert("fresh", 1.0, 0);
        loaded.checkInvariants();
        assertThat(inOrder(loaded)).isEqualTo(ref.all());
    }
}
