package io.standings.store.redis;

import static org.assertj.core.api.Assertions.assertThat;

import io.standings.core.index.Order;
import io.standings.state.EntityScore;
import io.standings.state.OffsetAdvance;
import io.standings.state.Quarantine;
import io.standings.state.ScoreChange;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.function.Function;
import org.junit.jupiter.api.Test;

/**
 * The keys and arguments {@link RedisBatches#prepare} builds for apply-batch.lua, written out by hand from the
 * script's contract (its header) and docs/redis-layout.md: members are 16 hex digits of reachedAt XOR 2^63 then
 * the id, rank scores are negated on desc boards. The decoded order of the members is checked against a naive
 * sort by (score in the board's order, reachedAt, id by code point), with Redis's own order of a sorted set
 * (rank score, then the member's bytes) applied to what prepare built.
 */
class RedisBatchesTest {

    private static final String PREFIX = "t:";
    private static final RedisKeys KEYS = new RedisKeys(PREFIX);

    private static RedisBatches batches(Quarantine quarantine) {
        return new RedisBatches(null, KEYS, quarantine); // prepare never talks to Redis
    }

    private static RedisBatches batches() {
        return batches(new Quarantine());
    }

    private static Function<String, Order> orders(Map<String, Order> byBoard) {
        return board -> {
            Order o = byBoard.get(board);
            if (o == null) {
                throw new AssertionError("order asked for an unexpected board " + board);
            }
            return o;
        };
    }

    /** The member of docs/redis-layout.md, written independently of MemberCodec. */
    static String member(long reachedAt, String entity) {
        return String.format("%016x", reachedAt ^ 0x8000000000000000L) + entity;
    }

    // ---------------------------------------------------------------------------------------------

    @Test
    void emptyBatchHasNoWritesAndAppliesWithoutTouchingRedis() {
        RedisBatches b = batches();
        RedisBatches.BatchWrite write = b.prepare(List.of(), List.of(), orders(Map.of()));
        assertThat(write.slots()).isEmpty();
        assertThat(write.floor()).isEmpty();
        RedisBatches.ApplyResult result = b.apply(write).await().indefinitely(); // a null Redis client: no call made
        assertThat(result.applied()).isTrue();
        assertThat(result.alreadyApplied()).isFalse();
        assertThat(result.fencedField()).isNull();
    }

    @Test
    void offsetsOnlyBatchWritesNoBoardPeriodOnlyTheFloor() {
        List<OffsetAdvance> offsets = List.of(new OffsetAdvance("events", 0, null, 4), new OffsetAdvance("events", 2, 17L, 30),
                new OffsetAdvance("other.topic", 11, 0L, 0));
        RedisBatches.BatchWrite write = batches().prepare(List.of(), offsets, orders(Map.of()));
        assertThat(write.slots()).isEmpty();
        assertThat(write.floor()).isEqualTo(offsets);
    }

    @Test
    void eachBoardPeriodIsOneScriptOverItsOwnSlotsKeysFencedOnWhatThatBoardPeriodHolds() {
        List<ScoreChange> changes = List.of(ScoreChange.upsert("a", "all", "e1", 1, 1),
                ScoreChange.upsert("b", "2026-W47", "e2", 2, 2));
        List<OffsetAdvance> offsets = List.of(new OffsetAdvance("events", 0, 9L, 12), new OffsetAdvance("events", 3, null, 5));
        // a@all holds events/0 at 7 (an older batch wrote it) and nothing of events/3; b@2026-W47 holds both.
        Map<String, Map<String, Long>> held = Map.of("a@all", Map.of("events/0", 7L),
                "b@2026-W47", Map.of("events/0", 9L, "events/3", 4L));
        RedisBatches.BatchWrite write = batches().prepare(changes, offsets, orders(Map.of("a", Order.ASC, "b", Order.ASC)),
                Map.of(), (bp, field) -> held.getOrDefault(bp, Map.of()).get(field));
        assertThat(write.slots()).hasSize(2);
        RedisBatches.SlotWrite a = write.slots().get(0);
        assertThat(a.boardPeriod()).isEqualTo("a@all");
        assertThat(a.keys()).containsExactly("t:{a@all}:offsets", "t:{a@all}:ranks", "t:{a@all}:members", "t:{a@all}:held",
                "t:{a@all}:last-batch");
        assertThat(a.args()).startsWith("2", "events/0", "7", "12", "events/3", "", "5", "0");
        assertThat(a.offsets()).containsExactly(Map.entry("events/0", 12L), Map.entry("events/3", 5L));
        RedisBatches.SlotWrite b = write.slots().get(1);
        assertThat(b.keys()).allMatch(k -> k.startsWith("t:{b@2026-W47}:"));
        assertThat(b.args()).startsWith("2", "events/0", "9", "12", "events/3", "4", "5", "0");
        assertThat(write.floor()).isEqualTo(offsets);
    }

    @Test
    void lastBatchRecordsAreSplitPerBoardPeriodAndFollowTheOffsets() {
        RedisBatches.BatchWrite write = batches().prepare(
                List.of(ScoreChange.upsert("arena", "all", "p/1", 1, 2), ScoreChange.upsert("arena", "2026-11", "p/1", 1, 2)),
                List.of(new OffsetAdvance("events", 1, 9L, 10)), orders(Map.of("arena", Order.DESC)),
                Map.of("events/1", new LastBatch(10, List.of(new LastBatch.Changed("arena@all", "p/1"),
                        new LastBatch.Changed("arena@2026-11", "p/1")))), (bp, field) -> 9L);
        List<String> all = write.slots().get(0).args();
        assertThat(all).startsWith("1", "events/1", "9", "10", "1", "events/1", "10\narena@all\tp/1", "0", "1");
        assertThat(LastBatch.decode(all.get(6))).isEqualTo(new LastBatch(10, List.of(new LastBatch.Changed("arena@all", "p/1"))));
        assertThat(write.slots().get(1).args()).startsWith("1", "events/1", "9", "10", "1", "events/1",
                "10\narena@2026-11\tp/1");
        assertThat(LastBatch.decode("7")).isEqualTo(new LastBatch(7, List.of()));
    }

    @Test
    void oneChangeOnADescBoardIsOneNegatedRankScoreMemberAndEntity() {
        RedisBatches.BatchWrite write = batches().prepare(
                List.of(ScoreChange.upsert("arena", "all", "player-1", 42, 1_780_000_000_000L)),
                List.of(new OffsetAdvance("events", 1, 9L, 10)), orders(Map.of("arena", Order.DESC)));
        assertThat(write.slots()).hasSize(1);
        assertThat(write.slots().get(0).args()).containsExactly("1", "events/1", "9", "10", "0",
                "0", "1", "0", "0", "0",
                "-42", "8000019e70448800player-1", "player-1");
        assertThat(member(1_780_000_000_000L, "player-1")).isEqualTo("8000019e70448800player-1");
    }

    @Test
    void ascBoardKeepsTheScoreAndFractionsAreWrittenExactly() {
        RedisBatches.BatchWrite write = batches().prepare(List.of(
                ScoreChange.upsert("laps", "2026-11-21", "x", 61.25, -1),
                ScoreChange.upsert("laps", "2026-11-21", "y", -0.0, 0),
                ScoreChange.upsert("laps", "2026-11-21", "z", 0.1 + 0.2, Long.MIN_VALUE)),
                List.of(), orders(Map.of("laps", Order.ASC)));
        assertThat(write.slots().get(0).args()).containsExactly("0", "0",
                "0", "3", "0", "0", "0",
                "61.25", "7fffffffffffffffx", "x",
                "0", "8000000000000000y", "y",
                "0.30000000000000004", "0000000000000000z", "z");
    }

    @Test
    void changesAreGroupedPerBoardPeriodInFirstSeenOrderWithTheirBoardsOrder() {
        List<ScoreChange> changes = List.of(
                ScoreChange.upsert("b", "2026-W47", "e1", 5, 1),
                ScoreChange.upsert("a", "all", "e2", 7, 2),
                ScoreChange.upsert("b", "2026-W47", "e3", -5, 3),
                ScoreChange.upsert("b", "2026-W48", "e4", 1.5, 4),
                ScoreChange.upsert("a", "all", "e5", 2, 5));
        RedisBatches.BatchWrite write = batches().prepare(changes, List.of(new OffsetAdvance("events", 0, null, 0)),
                orders(Map.of("a", Order.ASC, "b", Order.DESC)));
        assertThat(write.slots().stream().map(RedisBatches.SlotWrite::boardPeriod))
                .containsExactly("b@2026-W47", "a@all", "b@2026-W48");
        assertThat(write.slots().get(0).args()).containsExactly("1", "events/0", "", "0", "0",
                "0", "2", "0", "0", "0",
                "-5", member(1, "e1"), "e1", "5", member(3, "e3"), "e3");
        assertThat(write.slots().get(1).args()).containsExactly("1", "events/0", "", "0", "0",
                "0", "2", "0", "0", "0",
                "7", member(2, "e2"), "e2", "2", member(5, "e5"), "e5");
        assertThat(write.slots().get(2).args()).containsExactly("1", "events/0", "", "0", "0",
                "0", "1", "0", "0", "0",
                "-1.5", member(4, "e4"), "e4");
    }

    @Test
    void aChangedEntitysPreviousMemberIsRemovedAndARemovedEntityIsGoneFromTheMembersHash() {
        List<ScoreChange> changes = List.of(
                ScoreChange.upsert("a", "all", "moved", 9, 20).withPrevious(new EntityScore(3, 10)),
                ScoreChange.removal("a", "all", "left").withPrevious(new EntityScore(4, 11)),
                ScoreChange.removal("a", "all", "never-there"),
                ScoreChange.upsert("a", "all", "new", 1, 30));
        RedisBatches.BatchWrite write = batches().prepare(changes, List.of(), orders(Map.of("a", Order.DESC)));
        assertThat(write.slots().get(0).args()).containsExactly("0", "0",
                "2", "2", "2", "0", "0",
                member(10, "moved"), member(11, "left"),
                "-9", member(20, "moved"), "moved", "-1", member(30, "new"), "new",
                "left", "never-there");
    }

    @Test
    void quarantinedEntitiesAreHeldOrReleasedAndNeverWrittenToTheRanks() {
        Quarantine quarantine = new Quarantine();
        quarantine.replaceAll(Set.of("a/cheater", "a/gone-cheater"), Map.of());
        List<ScoreChange> changes = List.of(
                ScoreChange.upsert("a", "all", "cheater", 99.5, 7).withPrevious(new EntityScore(1, 1)),
                ScoreChange.upsert("a", "all", "honest", 3, 8),
                ScoreChange.removal("a", "all", "gone-cheater").withPrevious(new EntityScore(2, 2)),
                ScoreChange.upsert("other", "all", "cheater", 1, 9)); // quarantined on board a only
        RedisBatches.BatchWrite write = batches(quarantine).prepare(changes, List.of(),
                orders(Map.of("a", Order.DESC, "other", Order.ASC)));
        assertThat(write.slots().get(0).args()).containsExactly("0", "0",
                "0", "1", "0", "1", "1",
                "-3", member(8, "honest"), "honest",
                "cheater", "-99.5 " + member(7, "cheater"),
                "gone-cheater");
        assertThat(write.slots().get(1).args()).containsExactly("0", "0",
                "0", "1", "0", "0", "0",
                "1", member(9, "cheater"), "cheater");
    }

    @Test
    void membersDecodeToTheirReachTimeAndEntityAndRedisOrderEqualsTheNaiveRankOrder() {
        String[] ids = {"a", "ab", "b", "A", "\uFFFD", "\uD83D\uDE00", "\uFFFDz", "\uD83D\uDE00z", "é", "日本", "O'Brien",
            "x y", "0", "~"};
        for (Order order : Order.values()) {
            for (long seed = 1; seed <= 30; seed++) {
                Random rnd = new Random(seed);
                Map<String, ScoreChange> byEntity = new LinkedHashMap<>();
                int n = 1 + rnd.nextInt(200);
                double[] scores = {-2.5, -1, 0, 0.1, 1, 1e15, 1e15 + 2, 123456789.125};
                long[] times = {Long.MIN_VALUE, -1_000, -1, 0, 1, 255, 256, 1_780_000_000_000L, Long.MAX_VALUE};
                for (int i = 0; i < n; i++) {
                    String id = rnd.nextInt(3) == 0 ? ids[rnd.nextInt(ids.length)] : ids[rnd.nextInt(ids.length)] + i;
                    byEntity.put(id, ScoreChange.upsert("g", "all", id, scores[rnd.nextInt(scores.length)],
                            times[rnd.nextInt(times.length)]));
                }
                List<ScoreChange> changes = new ArrayList<>(byEntity.values());
                List<String> args = batches().prepare(changes, List.of(), orders(Map.of("g", order)))
                        .slots().get(0).args();
                int added = Integer.parseInt(args.get(3));
                assertThat(added).isEqualTo(changes.size());
                record Member(double rankScore, String member, String entity) {
                }
                List<Member> members = new ArrayList<>();
                for (int k = 0; k < added; k++) {
                    members.add(new Member(Double.parseDouble(args.get(7 + 3 * k)), args.get(8 + 3 * k), args.get(9 + 3 * k)));
                }
                for (Member m : members) {
                    ScoreChange c = byEntity.get(m.entity);
                    assertThat(m.member.substring(16)).isEqualTo(c.entity());
                    assertThat(Long.parseUnsignedLong(m.member.substring(0, 16), 16) ^ Long.MIN_VALUE).isEqualTo(c.reachedAt());
                    assertThat(m.rankScore).isEqualTo(order == Order.DESC ? -c.score() + 0.0 : c.score());
                }
                // Redis: by rank score, then by the member's bytes.
                members.sort(Comparator.comparingDouble(Member::rankScore).thenComparing((x, y) -> Arrays.compareUnsigned(
                        x.member.getBytes(StandardCharsets.UTF_8), y.member.getBytes(StandardCharsets.UTF_8))));
                List<ScoreChange> naive = new ArrayList<>(changes);
                naive.sort(naiveOrder(order));
                assertThat(members.stream().map(Member::entity).toList()).as("%s seed %d", order, seed)
                        .containsExactlyElementsOf(naive.stream().map(ScoreChange::entity).toList());
            }
        }
    }

    /** Better score first in the board's order, then earlier reach time, then smaller id by code point. */
    static Comparator<ScoreChange> naiveOrder(Order order) {
        Comparator<ScoreChange> byScore = (x, y) -> order == Order.DESC ? Double.compare(y.score(), x.score())
                : Double.compare(x.score(), y.score());
        return byScore.thenComparingLong(ScoreChange::reachedAt)
                .thenComparing(ScoreChange::entity, (a, b) -> Arrays.compare(a.codePoints().toArray(), b.codePoints().toArray()));
    }
}
