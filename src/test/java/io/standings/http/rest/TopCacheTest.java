package io.standings.http.rest;

import static org.assertj.core.api.Assertions.assertThat;

import io.standings.core.index.BoardIndex;
import io.standings.core.index.Order;
import io.standings.core.index.RankIndex;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;

/**
 * The top-N answers of the hot read path are reused exactly while the board's index (identity and version) and
 * the read token stay put, kept apart per (board, N), bounded in number, and never handed to another key's reader.
 */
class TopCacheTest {

    private static final int MAX = TopCache.MAX_ENTRIES;

    private final TopCache cache = new TopCache();
    private final RankIndex index = new BoardIndex(Order.DESC);
    private final RankIndex other = new BoardIndex(Order.DESC);
    private final AtomicInteger computed = new AtomicInteger();

    /** The answer a computation makes, naming what it was computed for; each computation's bytes are new. */
    private Supplier<byte[]> compute(String what) {
        return () -> {
            computed.incrementAndGet();
            return what.getBytes(StandardCharsets.UTF_8);
        };
    }

    private static Supplier<byte[]> mustNotCompute() {
        return () -> {
            throw new AssertionError("computed although the cache holds this state");
        };
    }

    private static String text(byte[] json) {
        return new String(json, StandardCharsets.UTF_8);
    }

    @Test
    void theSameStateIsAnsweredFromTheCacheWithoutComputing() {
        byte[] first = cache.get("b", 10, index, 3, 7, compute("b/10 v3 t7"));

        byte[] again = cache.get("b", 10, index, 3, 7, mustNotCompute());
        byte[] third = cache.get("b", 10, index, 3, 7, mustNotCompute());

        assertThat(computed).hasValue(1);
        assertThat(text(first)).isEqualTo("b/10 v3 t7");
        assertThat(again).isSameAs(first);
        assertThat(third).isSameAs(first);
    }

    @Test
    void anotherIndexForTheBoardRecomputes() {
        cache.get("b", 10, index, 3, 7, compute("old index"));

        byte[] answer = cache.get("b", 10, other, 3, 7, compute("new index"));

        assertThat(text(answer)).isEqualTo("new index");
        assertThat(computed).hasValue(2);
        assertThat(cache.get("b", 10, other, 3, 7, mustNotCompute())).isSameAs(answer);
    }

    @Test
    void anotherVersionOfTheIndexRecomputes() {
        cache.get("b", 10, index, 3, 7, compute("v3"));

        byte[] answer = cache.get("b", 10, index, 4, 7, compute("v4"));

        assertThat(text(answer)).isEqualTo("v4");
        assertThat(computed).hasValue(2);
        assertThat(cache.get("b", 10, index, 4, 7, mustNotCompute())).isSameAs(answer);
    }

    @Test
    void anotherReadTokenRecomputes() {
        cache.get("b", 10, index, 3, 7, compute("t7"));

        byte[] answer = cache.get("b", 10, index, 3, 8, compute("t8"));

        assertThat(text(answer)).isEqualTo("t8");
        assertThat(computed).hasValue(2);
        assertThat(cache.get("b", 10, index, 3, 8, mustNotCompute())).isSameAs(answer);
    }

    @Test
    void aStateThatMovedOnIsNotAnsweredFromTheCacheWhenItComesBack() {
        cache.get("b", 10, index, 3, 7, compute("first"));
        cache.get("b", 10, index, 4, 8, compute("second"));

        byte[] back = cache.get("b", 10, index, 3, 7, compute("first again"));

        assertThat(text(back)).isEqualTo("first again");
        assertThat(computed).hasValue(3);
    }

    @Test
    void eachPartOfTheStateAloneMakesAMiss() {
        // every combination differing from the cached one in one or more of (index, version, asOf)
        RankIndex[] indexes = {index, other};
        long[] versions = {3, 4};
        long[] tokens = {7, 8};
        for (RankIndex i : indexes) {
            for (long v : versions) {
                for (long t : tokens) {
                    TopCache fresh = new TopCache();
                    fresh.get("b", 10, index, 3, 7, compute("cached"));
                    boolean same = i == index && v == 3 && t == 7;
                    byte[] answer = fresh.get("b", 10, i, v, t, same ? mustNotCompute() : compute("recomputed"));
                    assertThat(text(answer)).as("index same=%s version %d asOf %d", i == index, v, t)
                            .isEqualTo(same ? "cached" : "recomputed");
                }
            }
        }
    }

    @Test
    void differentLimitsAndBoardsAreCachedApart() {
        byte[] a10 = cache.get("a", 10, index, 1, 1, compute("a/10"));
        byte[] a20 = cache.get("a", 20, index, 1, 1, compute("a/20"));
        byte[] b10 = cache.get("b", 10, index, 1, 1, compute("b/10"));
        assertThat(computed).as("each (board, limit) computes its own").hasValue(3);

        assertThat(cache.get("a", 10, index, 1, 1, mustNotCompute())).isSameAs(a10);
        assertThat(cache.get("a", 20, index, 1, 1, mustNotCompute())).isSameAs(a20);
        assertThat(cache.get("b", 10, index, 1, 1, mustNotCompute())).isSameAs(b10);
        assertThat(text(a10)).isEqualTo("a/10");
        assertThat(text(a20)).isEqualTo("a/20");
        assertThat(text(b10)).isEqualTo("b/10");
    }

    @Test
    void aChangeOnOneKeyLeavesTheOthersCached() {
        byte[] a10 = cache.get("a", 10, index, 1, 1, compute("a/10"));
        cache.get("a", 20, index, 1, 1, compute("a/20"));

        cache.get("a", 20, index, 2, 1, compute("a/20 v2"));

        assertThat(cache.get("a", 10, index, 1, 1, mustNotCompute())).isSameAs(a10);
    }

    @Test
    void boardIdsThatConcatenateAlikeAreDifferentKeys() {
        byte[] first = cache.get("a1", 0, index, 1, 1, compute("a1/0"));
        byte[] second = cache.get("a", 10, index, 1, 1, compute("a/10"));

        assertThat(text(first)).isEqualTo("a1/0");
        assertThat(text(second)).isEqualTo("a/10");
        assertThat(computed).hasValue(2);
    }

    @Test
    void theCacheHoldsUpToItsBoundWithoutLosingAnAnswer() {
        List<byte[]> answers = new ArrayList<>();
        for (int n = 0; n < MAX; n++) {
            answers.add(cache.get("b", n, index, 1, 1, compute("b/" + n)));
        }

        for (int n = 0; n < MAX; n++) {
            assertThat(cache.get("b", n, index, 1, 1, mustNotCompute())).as("limit %d", n).isSameAs(answers.get(n));
        }
        assertThat(computed).hasValue(MAX);
    }

    @Test
    void passingTheBoundClearsTheCacheAndKeepsOnlyWhatCameAfter() {
        int total = MAX + 500;
        for (int n = 0; n < total; n++) {
            cache.get("b", n, index, 1, 1, compute("b/" + n));
        }
        // The answer for limit MAX found the cache full: it was cleared, and MAX..total-1 are what it holds.
        for (int n = total - 1; n >= MAX; n--) {
            assertThat(text(cache.get("b", n, index, 1, 1, mustNotCompute()))).isEqualTo("b/" + n);
        }
        int before = computed.get();
        byte[] dropped = cache.get("b", MAX - 1, index, 1, 1, compute("b/" + (MAX - 1) + " again"));
        assertThat(text(dropped)).isEqualTo("b/" + (MAX - 1) + " again");
        assertThat(computed.get() - before).isEqualTo(1);
    }

    @Test
    void theCacheNeverHoldsMoreThanItsBound() {
        // Filled again and again: after each clear it holds exactly the answers since, at most MAX of them.
        int total = 3 * MAX + 17;
        for (int n = 0; n < total; n++) {
            cache.get("b", n, index, 1, 1, compute("b/" + n));
        }
        int held = total % MAX == 0 ? MAX : total % MAX; // the last clear came with limit (total / MAX) * MAX
        int firstHeld = total - held;
        for (int n = total - 1; n >= firstHeld; n--) {
            assertThat(text(cache.get("b", n, index, 1, 1, mustNotCompute()))).isEqualTo("b/" + n);
        }
        int before = computed.get();
        cache.get("b", firstHeld - 1, index, 1, 1, compute("older"));
        assertThat(computed.get() - before).as("the answer before the last clear is gone").isEqualTo(1);
    }

    // ---- concurrent readers

    private static final String[] BOARDS = {"a", "b", "c"};
    private static final int[] LIMITS = {1, 10, 100};

    private static String answerFor(String board, int limit, int indexNo, long version, long asOf) {
        return board + "|" + limit + "|" + indexNo + "|" + version + "|" + asOf;
    }

    @Test
    void concurrentReadersOfAStableStateAllGetTheCachedAnswer() throws Exception {
        RankIndex[] indexes = {index, other};
        byte[][][] cached = new byte[BOARDS.length][LIMITS.length][];
        for (int b = 0; b < BOARDS.length; b++) {
            for (int l = 0; l < LIMITS.length; l++) {
                String a = answerFor(BOARDS[b], LIMITS[l], b % 2, 5, 9);
                cached[b][l] = cache.get(BOARDS[b], LIMITS[l], indexes[b % 2], 5, 9, compute(a));
            }
        }
        int threads = 8;
        int reads = 20_000;

        List<Integer> wrong = runConcurrently(threads, t -> {
            int mismatches = 0;
            for (int i = 0; i < reads; i++) {
                int b = (i + t) % BOARDS.length;
                int l = (i / 3 + t) % LIMITS.length;
                byte[] got = cache.get(BOARDS[b], LIMITS[l], indexes[b % 2], 5, 9, mustNotCompute());
                if (got != cached[b][l]) {
                    mismatches++;
                }
            }
            return mismatches;
        });

        assertThat(wrong).containsOnly(0);
        assertThat(computed).hasValue(BOARDS.length * LIMITS.length);
    }

    @Test
    void concurrentReadersNeverGetAnAnswerForAnotherKeyOrState() throws Exception {
        RankIndex[] indexes = {index, other};
        int threads = 8;
        int reads = 20_000;

        List<Integer> wrong = runConcurrently(threads, t -> {
            int mismatches = 0;
            Random random = new Random(t);
            for (int i = 0; i < reads; i++) {
                String board = BOARDS[random.nextInt(BOARDS.length)];
                int limit = LIMITS[random.nextInt(LIMITS.length)];
                int indexNo = random.nextInt(2);
                long version = random.nextInt(3);
                long asOf = random.nextInt(3);
                String expected = answerFor(board, limit, indexNo, version, asOf);
                byte[] got = cache.get(board, limit, indexes[indexNo], version, asOf,
                        () -> expected.getBytes(StandardCharsets.UTF_8));
                if (!Arrays.equals(got, expected.getBytes(StandardCharsets.UTF_8))) {
                    mismatches++;
                }
            }
            return mismatches;
        });

        assertThat(wrong).containsOnly(0);
    }

    @Test
    void concurrentReadersAcrossTheBoundNeverGetAnAnswerForAnotherKey() throws Exception {
        int threads = 8;
        int reads = 5_000;

        List<Integer> wrong = runConcurrently(threads, t -> {
            int mismatches = 0;
            for (int i = 0; i < reads; i++) {
                int limit = (i * 7 + t * 131) % (2 * MAX); // more keys than the bound: clears while others read
                long version = i % 2;
                String expected = answerFor("b", limit, 0, version, 1);
                byte[] got = cache.get("b", limit, index, version, 1, () -> expected.getBytes(StandardCharsets.UTF_8));
                if (!Arrays.equals(got, expected.getBytes(StandardCharsets.UTF_8))) {
                    mismatches++;
                }
            }
            return mismatches;
        });

        assertThat(wrong).containsOnly(0);
    }

    @FunctionalInterface
    private interface Reader {
        int read(int thread) throws Exception;
    }

    /** Runs one reader per thread, all released at once; the number of wrong answers each got. */
    private static List<Integer> runConcurrently(int threads, Reader reader) throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        try {
            CountDownLatch start = new CountDownLatch(1);
            List<Future<Integer>> results = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                int thread = t;
                Callable<Integer> task = () -> {
                    start.await();
                    return reader.read(thread);
                };
                results.add(pool.submit(task));
            }
            start.countDown();
            List<Integer> wrong = new ArrayList<>();
            for (Future<Integer> f : results) {
                wrong.add(f.get(60, TimeUnit.SECONDS));
            }
            return wrong;
        } finally {
            pool.shutdownNow();
        }
    }
}
