package io.standings.store.redis;

import static org.assertj.core.api.Assertions.assertThat;

import io.standings.core.index.Order;
import io.standings.state.EntityScore;
import io.standings.state.OffsetAdvance;
import io.standings.state.Quarantine;
import io.standings.state.ScoreChange;
import io.standings.testing.RedisProbe;
import io.standings.testing.ServerLocator;
import io.vertx.mutiny.core.Vertx;
import io.vertx.mutiny.redis.client.Redis;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Request;
import io.vertx.redis.client.Response;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.UUID;
import java.util.function.Function;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * apply-batch.lua on a real Redis, through {@link RedisBatches#prepare} and {@link RedisBatches#apply}, read back
 * with plain commands as another reader would (docs/redis-layout.md): the sorted sets hold exactly the expected
 * members and rank scores, ZRANK is the naive rank order for tied scores, the members hash maps each entity to its
 * member, the offsets hash holds each partition's new offset, a retried batch is recognised as applied and changes
 * nothing, and a batch that does not continue from the stored offsets is fenced and changes nothing. Each test
 * works under its own key prefix, deleted afterwards.
 */
class BatchScriptIT {

    private static final Duration WAIT = Duration.ofSeconds(30);
    private static final String TOPIC = "events";

    private static Vertx vertx;
    private static Redis redis;
    private static RedisProbe probe;

    private String prefix;
    private RedisKeys keys;
    private Quarantine quarantine;
    private RedisBatches batches;

    @BeforeAll
    static void connect() {
        vertx = Vertx.vertx();
        redis = Redis.createClient(vertx, ServerLocator.servers().redisOptions());
        probe = new RedisProbe(ServerLocator.servers().redisUri());
    }

    @AfterAll
    static void close() {
        if (probe != null) {
            probe.close();
        }
        if (redis != null) {
            redis.close();
        }
        if (vertx != null) {
            vertx.closeAndAwait();
        }
    }

    private void fresh() {
        if (prefix != null) {
            deleteKeys(prefix);
        }
        prefix = "it:batch:" + UUID.randomUUID().toString().replace("-", "").substring(0, 10) + ":";
        keys = new RedisKeys(prefix);
        quarantine = new Quarantine();
        batches = new RedisBatches(redis, keys, quarantine);
    }

    @AfterEach
    void deleteThisTestsKeys() {
        if (prefix != null) {
            deleteKeys(prefix);
        }
    }

    private static void deleteKeys(String prefix) {
        probe.deleteAll(prefix);
    }

    // ---------------------------------------------------------------------------------------------
    // the naive model: entries per board period, and what Redis must hold for them

    private record Entry(String entity, double score, long reachedAt) {
    }

    private static String member(long reachedAt, String entity) {
        return String.format("%016x", reachedAt ^ 0x8000000000000000L) + entity;
    }

    private static List<Entry> naiveRanking(Order order, Map<String, Entry> entries) {
        List<Entry> sorted = new ArrayList<>(entries.values());
        sorted.sort((x, y) -> {
            int c = order == Order.DESC ? Double.compare(y.score, x.score) : Double.compare(x.score, y.score);
            if (c == 0) {
                c = Long.compare(x.reachedAt, y.reachedAt);
            }
            return c != 0 ? c : java.util.Arrays.compare(x.entity.codePoints().toArray(), y.entity.codePoints().toArray());
        });
        return sorted;
    }

    /** ZRANGE 0 -1 WITHSCORES must be exactly the naive ranking, members hash exactly entity → member. */
    private void assertBoardPeriod(String boardPeriod, Order order, Map<String, Entry> entries) {
        List<RedisProbe.Member> expected = naiveRanking(order, entries).stream()
                .map(e -> new RedisProbe.Member(member(e.reachedAt, e.entity), order == Order.DESC ? -e.score + 0.0 : e.score))
                .toList();
        List<RedisProbe.Member> actual = probe.zrange(keys.ranks(boardPeriod)).stream()
                .map(m -> new RedisProbe.Member(m.member(), m.score() + 0.0)).toList();
        assertThat(actual).as("ZRANGE %s", boardPeriod).containsExactlyElementsOf(expected);
        Map<String, String> members = new HashMap<>();
        entries.values().forEach(e -> members.put(e.entity, member(e.reachedAt, e.entity)));
        assertThat(probe.hgetall(keys.members(boardPeriod))).as("HGETALL members %s", boardPeriod).isEqualTo(members);
    }

    /** Everything under this test's prefix, each key's content as text: to prove that nothing changed. */
    private Map<String, Object> dump() {
        return probe.dump(prefix);
    }

    private RedisBatches.ApplyResult apply(List<ScoreChange> changes, List<OffsetAdvance> offsets, Function<String, Order> orderOf) {
        return batches.apply(batches.prepare(changes, offsets, orderOf)).await().atMost(WAIT);
    }

    private static Function<String, Order> orders(Map<String, Order> byBoard) {
        return byBoard::get;
    }

    // ---------------------------------------------------------------------------------------------

    @Test
    void appliedBatchLeavesExactlyTheExpectedMembersRankScoresPeriodsAndOffsets() {
        fresh();
        Map<String, Entry> arena = new LinkedHashMap<>();
        Map<String, Entry> laps = new LinkedHashMap<>();
        List<ScoreChange> changes = new ArrayList<>();
        Object[][] rows = {
            {"arena", "p1", 10.0, 5L}, {"laps", "p1", 61.25, 5L}, {"arena", "p2", 10.0, 4L}, {"arena", "O'Brien", -3.5, 0L},
            {"laps", "\uD83D\uDE00", 59.0, -7L}, {"arena", "\uFFFD", 10.0, 4L}, {"laps", "a b", 0.1 + 0.2, 1_780_000_000_000L},
            {"arena", "zero", 0.0, 9L}, {"arena", "huge", 1e300, 1L}, {"laps", "tiny", 4.9e-324, Long.MIN_VALUE}};
        for (Object[] r : rows) {
            String board = (String) r[0];
            Entry e = new Entry((String) r[1], (Double) r[2], (Long) r[3]);
            changes.add(ScoreChange.upsert(board, board.equals("arena") ? "all" : "2026-11-21", e.entity, e.score, e.reachedAt));
            (board.equals("arena") ? arena : laps).put(e.entity, e);
        }
        RedisBatches.ApplyResult result = apply(changes,
                List.of(new OffsetAdvance(TOPIC, 0, null, 41), new OffsetAdvance(TOPIC, 2, null, 7)),
                orders(Map.of("arena", Order.DESC, "laps", Order.ASC)));

        assertThat(result.applied()).isTrue();
        assertThat(result.alreadyApplied()).isFalse();
        assertBoardPeriod("arena@all", Order.DESC, arena);
        assertBoardPeriod("laps@2026-11-21", Order.ASC, laps);
        assertThat(probe.smembers(keys.periods())).containsExactlyInAnyOrder("arena@all", "laps@2026-11-21");
        assertThat(probe.hgetall(keys.offsets())).isEqualTo(Map.of("events/0", "41", "events/2", "7"));
        assertThat(probe.hgetall(keys.periodOffsets("arena@all"))).isEqualTo(Map.of("events/0", "41", "events/2", "7"));
        assertThat(probe.hgetall(keys.periodOffsets("laps@2026-11-21"))).isEqualTo(Map.of("events/0", "41", "events/2", "7"));
        assertThat(probe.hgetall(keys.held("arena@all"))).isEmpty();
    }

    @Test
    void aFollowingBatchMovesChangedEntitiesRemovesGoneOnesAndAdvancesTheOffsets() {
        fresh();
        Function<String, Order> desc = orders(Map.of("arena", Order.DESC));
        Map<String, Entry> model = new LinkedHashMap<>();
        List<ScoreChange> first = new ArrayList<>();
        for (int i = 0; i < 50; i++) {
            Entry e = new Entry("e" + i, i % 5, i % 3);
            model.put(e.entity, e);
            first.add(ScoreChange.upsert("arena", "all", e.entity, e.score, e.reachedAt));
        }
        assertThat(apply(first, List.of(new OffsetAdvance(TOPIC, 1, null, 49)), desc).applied()).isTrue();
        assertBoardPeriod("arena@all", Order.DESC, model);

        List<ScoreChange> second = new ArrayList<>();
        for (int i = 0; i < 50; i += 3) {
            Entry before = model.get("e" + i);
            if (i % 2 == 0) {
                Entry after = new Entry(before.entity, before.score + 2.5, 100 + i);
                second.add(ScoreChange.upsert("arena", "all", after.entity, after.score, after.reachedAt)
                        .withPrevious(new EntityScore(before.score, before.reachedAt)));
                model.put(after.entity, after);
            } else {
                second.add(ScoreChange.removal("arena", "all", before.entity)
                        .withPrevious(new EntityScore(before.score, before.reachedAt)));
                model.remove(before.entity);
            }
        }
        second.add(ScoreChange.upsert("arena", "all", "newcomer", 2, 0));
        model.put("newcomer", new Entry("newcomer", 2, 0));
        RedisBatches.ApplyResult result = apply(second, List.of(new OffsetAdvance(TOPIC, 1, 49L, 80)), desc);

        assertThat(result.applied()).isTrue();
        assertThat(result.alreadyApplied()).isFalse();
        assertBoardPeriod("arena@all", Order.DESC, model);
        assertThat(probe.hgetall(keys.offsets())).isEqualTo(Map.of("events/1", "80"));
    }

    @Test
    void theSameBatchAppliedTwiceIsAlreadyAppliedAndChangesNothing() {
        fresh();
        Function<String, Order> desc = orders(Map.of("arena", Order.DESC));
        apply(List.of(ScoreChange.upsert("arena", "all", "a", 1, 1)), List.of(new OffsetAdvance(TOPIC, 0, null, 3),
                new OffsetAdvance(TOPIC, 1, null, 5)), desc);
        RedisBatches.BatchWrite write = batches.prepare(
                List.of(ScoreChange.upsert("arena", "all", "a", 7, 2).withPrevious(new EntityScore(1, 1)),
                        ScoreChange.upsert("arena", "all", "b", 4, 2)),
                List.of(new OffsetAdvance(TOPIC, 0, 3L, 9), new OffsetAdvance(TOPIC, 1, 5L, 6)), desc);
        RedisBatches.ApplyResult first = batches.apply(write).await().atMost(WAIT);
        assertThat(first.applied()).isTrue();
        assertThat(first.alreadyApplied()).isFalse();
        Map<String, Object> after = dump();

        RedisBatches.ApplyResult again = batches.apply(write).await().atMost(WAIT);
        assertThat(again.applied()).isTrue();
        assertThat(again.alreadyApplied()).isTrue();
        assertThat(again.fencedField()).isNull();
        assertThat(dump()).isEqualTo(after);
        assertBoardPeriod("arena@all", Order.DESC, Map.of("a", new Entry("a", 7, 2), "b", new Entry("b", 4, 2)));
        assertThat(probe.hgetall(keys.offsets())).isEqualTo(Map.of("events/0", "9", "events/1", "6"));
    }

    @Test
    void aBatchBehindTheStoredOffsetIsFencedOnThatFieldAndChangesNothing() {
        fresh();
        Function<String, Order> asc = orders(Map.of("laps", Order.ASC));
        apply(List.of(ScoreChange.upsert("laps", "all", "a", 1, 1)),
                List.of(new OffsetAdvance(TOPIC, 0, null, 10), new OffsetAdvance(TOPIC, 1, null, 20)), asc);
        Map<String, Object> before = dump();

        // Partition 1 stands at 20; this batch continues from 15 (another consumer wrote since).
        RedisBatches.ApplyResult behind = apply(List.of(ScoreChange.upsert("laps", "all", "b", 2, 2)),
                List.of(new OffsetAdvance(TOPIC, 0, 10L, 11), new OffsetAdvance(TOPIC, 1, 15L, 16)), asc);
        assertThat(behind.applied()).isFalse();
        assertThat(behind.alreadyApplied()).isFalse();
        assertThat(behind.boardPeriod()).isEqualTo("laps@all");
        assertThat(behind.fencedField()).isEqualTo("events/1");
        assertThat(behind.storedOffset()).isEqualTo("20");
        assertThat(behind.expected()).isEqualTo(15L);
        assertThat(dump()).isEqualTo(before);

        // A partition with no stored offset (Redis lost it) fences a batch that expects one: stored is "".
        RedisBatches.ApplyResult lost = apply(List.of(ScoreChange.upsert("laps", "all", "d", 4, 4)),
                List.of(new OffsetAdvance(TOPIC, 2, 33L, 34)), asc);
        assertThat(lost.applied()).isFalse();
        assertThat(lost.fencedField()).isEqualTo("events/2");
        assertThat(lost.storedOffset()).isEmpty();
        assertThat(dump()).isEqualTo(before);

        // A batch that expects no offset where one is stored is fenced too.
        RedisBatches.ApplyResult fresh = apply(List.of(ScoreChange.upsert("laps", "all", "e", 5, 5)),
                List.of(new OffsetAdvance(TOPIC, 0, null, 1)), asc);
        assertThat(fresh.applied()).isFalse();
        assertThat(fresh.fencedField()).isEqualTo("events/0");
        assertThat(fresh.storedOffset()).isEqualTo("10");
        assertThat(dump()).isEqualTo(before);
    }

    @Test
    void zrankOrderEqualsTheNaiveRankOrderForTiedScores() {
        String[] ids = {"a", "ab", "b", "A", "\uFFFD", "\uD83D\uDE00", "\uFFFDz", "\uD83D\uDE00z", "é", "e\u0301", "日本",
            "O'Brien", "x y", "0", "~", "say \"hi\""};
        for (Order order : Order.values()) {
            fresh();
            Random rnd = new Random(order.ordinal() + 41);
            double[] scores = {-1, 0, 0.5, 2, 1e15, 1e15 + 2};
            long[] times = {Long.MIN_VALUE, -256, -1, 0, 1, 255, 256, 1_780_000_000_000L, Long.MAX_VALUE};
            Map<String, Entry> model = new LinkedHashMap<>();
            List<ScoreChange> changes = new ArrayList<>();
            for (int i = 0; i < 600; i++) {
                String id = i < ids.length ? ids[i] : ids[rnd.nextInt(ids.length)] + rnd.nextInt(40);
                if (model.containsKey(id)) {
                    continue;
                }
                Entry e = new Entry(id, scores[rnd.nextInt(scores.length)], times[rnd.nextInt(times.length)]);
                model.put(id, e);
                changes.add(ScoreChange.upsert("tie", "all", id, e.score, e.reachedAt));
            }
            assertThat(apply(changes, List.of(new OffsetAdvance(TOPIC, 0, null, 0)), orders(Map.of("tie", order))).applied())
                    .isTrue();
            assertBoardPeriod("tie@all", order, model);
            List<Entry> naive = naiveRanking(order, model);
            for (int rank = 0; rank < naive.size(); rank++) {
                Entry e = naive.get(rank);
                Response zrank = probe.send(Request.cmd(Command.ZRANK).arg(keys.ranks("tie@all"))
                        .arg(member(e.reachedAt, e.entity)));
                assertThat(zrank.toLong()).as("%s ZRANK of %s", order, e.entity).isEqualTo(rank);
            }
        }
    }

    @Test
    void quarantinedEntitiesAreHeldOutsideTheRanksAndReleasedWhenRemoved() {
        fresh();
        quarantine.replaceAll(Set.of("arena/cheater"), Map.of());
        Function<String, Order> desc = orders(Map.of("arena", Order.DESC));
        apply(List.of(ScoreChange.upsert("arena", "all", "cheater", 99.5, 7), ScoreChange.upsert("arena", "all", "honest", 3, 8)),
                List.of(new OffsetAdvance(TOPIC, 0, null, 1)), desc);
        assertBoardPeriod("arena@all", Order.DESC, Map.of("honest", new Entry("honest", 3, 8)));
        assertThat(probe.hgetall(keys.held("arena@all"))).isEqualTo(Map.of("cheater", "-99.5 " + member(7, "cheater")));

        apply(List.of(ScoreChange.removal("arena", "all", "cheater").withPrevious(new EntityScore(99.5, 7))),
                List.of(new OffsetAdvance(TOPIC, 0, 1L, 2)), desc);
        assertThat(probe.hgetall(keys.held("arena@all"))).isEmpty();
        assertBoardPeriod("arena@all", Order.DESC, Map.of("honest", new Entry("honest", 3, 8)));
    }

    @Test
    void aBatchLargerThanTheScriptsChunkIsAppliedWhole() {
        fresh();
        Map<String, Entry> model = new LinkedHashMap<>();
        List<ScoreChange> changes = new ArrayList<>();
        for (int i = 0; i < 9_001; i++) { // 3 × 9,001 ZADD/HSET arguments: three chunks of 4,000 and more
            Entry e = new Entry("n" + i, i % 97, i % 13);
            model.put(e.entity, e);
            changes.add(ScoreChange.upsert("big", "all", e.entity, e.score, e.reachedAt));
        }
        assertThat(apply(changes, List.of(new OffsetAdvance(TOPIC, 0, null, 9_000)), orders(Map.of("big", Order.ASC))).applied())
                .isTrue();
        assertBoardPeriod("big@all", Order.ASC, model);
    }

    @Test
    void theStatesOfAWholeLargeLastBatchReadBackFromRedis() {
        fresh();
        List<ScoreChange> changes = new ArrayList<>();
        List<LastBatch.Changed> changed = new ArrayList<>();
        for (int i = 0; i < 5_000; i++) { // a full batch of new entities: 10,000 look-ups, beyond one connection's queue
            changes.add(ScoreChange.upsert("wide", "all", "w" + i, i, 1_000 + i));
            changed.add(new LastBatch.Changed("wide@all", "w" + i));
        }
        changed.add(new LastBatch.Changed("wide@all", "never-written"));
        Function<String, Order> orderOf = orders(Map.of("wide", Order.DESC));
        assertThat(batches.apply(batches.prepare(changes, List.of(new OffsetAdvance(TOPIC, 0, null, 4_999)), orderOf,
                Map.of(TOPIC + "/0", new LastBatch(4_999, changed)), (bp, field) -> null)).await().atMost(WAIT).applied())
                .isTrue();

        RedisReads reads = new RedisReads(redis, keys);
        List<LastBatch> lasts = reads.lastBatches(List.of("wide@all", "other@all"), List.of(TOPIC + "/0"))
                .await().atMost(WAIT).get(TOPIC + "/0");
        assertThat(lasts).hasSize(1);
        LastBatch last = lasts.get(0);
        assertThat(last.changed()).hasSize(5_001);
        List<ScoreChange> states = reads.currentStates(last.changed(), orderOf).await().atMost(WAIT);
        List<ScoreChange> expected = new ArrayList<>(changes);
        expected.add(ScoreChange.removal("wide", "all", "never-written"));
        assertThat(states).containsExactlyElementsOf(expected);
    }

    @Test
    void eachBoardPeriodIsFencedOnItsOwnOffsetsAndABatchCutBetweenTwoIsCompletedByItsRetryExactlyOnce() {
        fresh();
        Function<String, Order> orderOf = orders(Map.of("a", Order.DESC, "b", Order.ASC));
        // a@all was written by an earlier batch of partition 0 (up to 4); b@all never.
        apply(List.of(ScoreChange.upsert("a", "all", "x", 1, 1)), List.of(new OffsetAdvance(TOPIC, 0, null, 4)), orderOf);
        Map<String, Map<String, Long>> held = new HashMap<>(Map.of("a@all", Map.of(TOPIC + "/0", 4L)));
        RedisBatches.BatchWrite both = batches.prepare(
                List.of(ScoreChange.upsert("a", "all", "x", 6, 9).withPrevious(new EntityScore(1, 1)),
                        ScoreChange.upsert("b", "all", "y", 2, 9)),
                List.of(new OffsetAdvance(TOPIC, 0, 4L, 9)), orderOf, Map.of(),
                (bp, field) -> held.getOrDefault(bp, Map.of()).get(field));
        assertThat(both.slots()).hasSize(2);
        // The batch is cut off after its first board period's write (a crash, a failover).
        RedisBatches.BatchWrite firstOnly = new RedisBatches.BatchWrite(List.of(both.slots().get(0)), List.of());
        assertThat(batches.apply(firstOnly).await().atMost(WAIT).applied()).isTrue();
        assertThat(probe.hgetall(keys.offsets())).as("the floor stays where every board period is")
                .isEqualTo(Map.of("events/0", "4"));
        assertThat(probe.hgetall(keys.periodOffsets("a@all"))).isEqualTo(Map.of("events/0", "9"));
        assertThat(probe.hgetall(keys.periodOffsets("b@all"))).isEmpty();

        // The whole batch again: the written board period finds itself applied, the other is written now.
        RedisBatches.ApplyResult retry = batches.apply(both).await().atMost(WAIT);
        assertThat(retry.applied()).isTrue();
        assertThat(retry.alreadyApplied()).isFalse();
        assertBoardPeriod("a@all", Order.DESC, Map.of("x", new Entry("x", 6, 9)));
        assertBoardPeriod("b@all", Order.ASC, Map.of("y", new Entry("y", 2, 9)));
        assertThat(probe.hgetall(keys.periodOffsets("b@all"))).isEqualTo(Map.of("events/0", "9"));
        assertThat(probe.hgetall(keys.offsets())).isEqualTo(Map.of("events/0", "9"));

        // A write that continues from an older offset of one board period is fenced there alone.
        RedisBatches.ApplyResult stale = batches.apply(batches.prepare(
                List.of(ScoreChange.upsert("b", "all", "z", 1, 10)), List.of(new OffsetAdvance(TOPIC, 0, 4L, 12)), orderOf,
                Map.of(), (bp, field) -> 4L)).await().atMost(WAIT);
        assertThat(stale.applied()).isFalse();
        assertThat(stale.boardPeriod()).isEqualTo("b@all");
        assertThat(stale.storedOffset()).isEqualTo("9");
        assertThat(probe.hgetall(keys.offsets())).as("a fenced batch leaves the floor").isEqualTo(Map.of("events/0", "9"));
    }
}
