package io.standings.state;

import static org.assertj.core.api.Assertions.assertThat;

import io.standings.core.index.BoardIndex;
import io.standings.core.index.Order;
import io.standings.core.index.RankIndex;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.stream.Collectors;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import org.junit.jupiter.api.Test;

/**
 * {@link PeriodSnapshot} against a naive model: the rows of a board period sorted by (score in the board's order,
 * reachedAt, entity id by code point), competition and dense ranks counted over that list, and the checksum
 * computed from hex strings of MD5 digests with BigInteger arithmetic.
 */
class PeriodSnapshotTest {

    /** Ids whose code-point order differs from their UTF-16 order, quotes, spaces, multi-byte characters. */
    private static final String[] ODD_IDS = {"a", "b", "A", "a b", "\uFFFD", "\uD83D\uDE00", "\uFFFDx", "\uD83D\uDE00x",
        "é", "e\u0301", "O'Brien", "say \"hi\"", "back\\slash", "\\n", "NULL", "{tag}", "日本語", "\u00A0nbsp", "ß", "Ω"};

    private static final BigInteger TWO_TO_64 = BigInteger.ONE.shiftLeft(64);

    /** One row of the naive model. */
    record Row(String entity, double score, long reachedAt) {
    }

    // ---------------------------------------------------------------------------------------------
    // the naive model

    private static int compareByCodePoint(String a, String b) {
        return Arrays.compare(a.codePoints().toArray(), b.codePoints().toArray());
    }

    private static Comparator<Row> naiveOrder(Order order) {
        Comparator<Row> byScore = (x, y) -> order == Order.DESC ? Double.compare(y.score, x.score)
                : Double.compare(x.score, y.score);
        return byScore.thenComparingLong(Row::reachedAt).thenComparing(Row::entity, PeriodSnapshotTest::compareByCodePoint);
    }

    private static boolean better(Order order, double a, double b) {
        return order == Order.DESC ? a > b : a < b;
    }

    private static long naiveCompetitionRank(Order order, List<Row> rows, double score) {
        return 1 + rows.stream().filter(r -> better(order, r.score, score)).count();
    }

    private static long naiveDenseRank(Order order, List<Row> rows, double score) {
        return 1 + rows.stream().filter(r -> better(order, r.score, score)).map(Row::score).distinct().count();
    }

    /** The sum of the first 15 hex digits of md5(id ‖ score bits ‖ reachedAt bits) over the rows, mod 2^64. */
    static BigInteger naiveChecksum(List<Row> rows) throws Exception {
        BigInteger sum = BigInteger.ZERO;
        for (Row r : rows) {
            byte[] id = r.entity.getBytes(StandardCharsets.UTF_8);
            byte[] message = new byte[id.length + 16];
            System.arraycopy(id, 0, message, 0, id.length);
            long bits = Double.doubleToLongBits(r.score);
            for (int b = 0; b < 8; b++) {
                message[id.length + b] = (byte) (bits >>> (56 - 8 * b));
                message[id.length + 8 + b] = (byte) (r.reachedAt >>> (56 - 8 * b));
            }
            StringBuilder hex = new StringBuilder();
            for (byte b : MessageDigest.getInstance("MD5").digest(message)) {
                hex.append(String.format("%02x", b));
            }
            sum = sum.add(new BigInteger(hex.substring(0, 15), 16));
        }
        return sum.mod(TWO_TO_64);
    }

    /** Puts the rows into a real index (last write of an entity wins, as in the model) and copies it. */
    private static PeriodSnapshot snapshotOf(String boardPeriod, Order order, List<Row> rows) {
        BoardIndex index = new BoardIndex(order);
        rows.forEach(r -> index.upsert(r.entity, r.score, r.reachedAt));
        return PeriodSnapshot.copy(boardPeriod, index);
    }

    /** The model's rows: one per entity (the last given), in the naive rank order. */
    private static List<Row> naiveRanking(Order order, List<Row> rows) {
        Map<String, Row> last = new LinkedHashMap<>();
        rows.forEach(r -> last.put(r.entity, new Row(r.entity, r.score == 0.0 ? 0.0 : r.score, r.reachedAt)));
        List<Row> sorted = new ArrayList<>(last.values());
        sorted.sort(naiveOrder(order));
        return sorted;
    }

    private static List<Row> randomRows(Random rnd, int n, double[] scores, int times) {
        List<Row> rows = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            String id = rnd.nextInt(4) == 0 ? ODD_IDS[rnd.nextInt(ODD_IDS.length)]
                    : (rnd.nextBoolean() ? "p" : "\uD83D\uDE00") + Integer.toString(rnd.nextInt(5 * n + 1), 36);
            rows.add(new Row(id, scores[rnd.nextInt(scores.length)], rnd.nextInt(times) - times / 2));
        }
        return rows;
    }

    private static void assertMatchesModel(PeriodSnapshot s, Order order, List<Row> expected) {
        assertThat(s.size()).isEqualTo(expected.size());
        assertThat(s.order()).isEqualTo(order);
        for (int i = 0; i < expected.size(); i++) {
            Row e = expected.get(i);
            assertThat(s.entity(i)).as("entity at %d", i).isEqualTo(e.entity);
            assertThat(s.score(i)).as("score at %d", i).isEqualTo(e.score);
            assertThat(s.reachedAt(i)).as("reachedAt at %d", i).isEqualTo(e.reachedAt);
        }
        assertThat(s.entityArray()).containsExactlyElementsOf(expected.stream().map(Row::entity).toList());
    }

    private static void assertSamplesMatchModel(PeriodSnapshot s, Order order, List<Row> expected) {
        for (PeriodSnapshot.Sample sample : s.samples()) {
            Row at = expected.get(sample.position());
            assertThat(sample.ordinalRank()).isEqualTo(sample.position() + 1L);
            assertThat(sample.competitionRank()).as("competition rank at %d", sample.position())
                    .isEqualTo(naiveCompetitionRank(order, expected, at.score));
            assertThat(sample.denseRank()).as("dense rank at %d", sample.position())
                    .isEqualTo(naiveDenseRank(order, expected, at.score));
        }
    }

    // ---------------------------------------------------------------------------------------------
    // order and contents

    @Test
    void everyPositionHoldsTheNaiveRankOrdersEntityScoreAndReachedAt() {
        double[] scores = {-1e300, -3.5, -0.25, -0.0, 0.0, 0.1, 1, 2.5, 1e15 + 0.5, Double.MAX_VALUE, Double.MIN_VALUE};
        for (Order order : Order.values()) {
            for (long seed = 1; seed <= 20; seed++) {
                Random rnd = new Random(seed);
                List<Row> rows = randomRows(rnd, 1 + rnd.nextInt(400), scores, 4);
                PeriodSnapshot s = snapshotOf("arena@all", order, rows);
                assertMatchesModel(s, order, naiveRanking(order, rows));
            }
        }
    }

    @Test
    void tiedScoresRankByReachedAtThenByCodePointNotByUtf16() {
        // Same score and time: U+FFFD sorts before U+1F600 by code point, after it by UTF-16 (String.compareTo).
        List<Row> rows = List.of(new Row("\uD83D\uDE00", 5, 10), new Row("\uFFFD", 5, 10), new Row("z", 5, 10),
                new Row("early", 5, 9), new Row("a", 5, 11), new Row("top", 6, 100), new Row("low", 4, 0));
        PeriodSnapshot desc = snapshotOf("b@all", Order.DESC, rows);
        assertThat(desc.entityArray()).containsExactly("top", "early", "z", "\uFFFD", "\uD83D\uDE00", "a", "low");
        PeriodSnapshot asc = snapshotOf("b@all", Order.ASC, rows);
        assertThat(asc.entityArray()).containsExactly("low", "early", "z", "\uFFFD", "\uD83D\uDE00", "a", "top");
    }

    @Test
    void joinedEntitiesIsTheLineFeedJoinOfTheEntitiesOfEveryRange() {
        Random rnd = new Random(7);
        List<Row> rows = randomRows(rnd, 60, new double[] {1, 2, 3}, 3);
        PeriodSnapshot s = snapshotOf("b@all", Order.DESC, rows);
        List<String> expected = naiveRanking(Order.DESC, rows).stream().map(Row::entity).toList();
        for (int from = 0; from < expected.size(); from++) {
            for (int to = from + 1; to <= expected.size(); to++) {
                assertThat(s.joinedEntities(from, to)).isEqualTo(String.join("\n", expected.subList(from, to)));
            }
        }
    }

    @Test
    void boardAndPeriodAreTheTwoSidesOfTheFirstAt() {
        PeriodSnapshot s = snapshotOf("weekly-cup@2026-W47", Order.ASC, List.of(new Row("x", 1, 1)));
        assertThat(s.boardPeriod()).isEqualTo("weekly-cup@2026-W47");
        assertThat(s.board()).isEqualTo("weekly-cup");
        assertThat(s.period()).isEqualTo("2026-W47");
    }

    @Test
    void emptyBoardHasNoEntriesNoSamplesAndChecksumZero() {
        PeriodSnapshot s = PeriodSnapshot.copy("empty@all", new BoardIndex(Order.DESC));
        assertThat(s.size()).isZero();
        assertThat(s.samples()).isEmpty();
        assertThat(s.entityArray()).isEmpty();
        assertThat(s.checksum()).isZero();
    }

    @Test
    void longMultiByteIdsBeyondTheInitialByteEstimateKeepEveryIdIntact() {
        // 128 four-byte code points: 512 bytes per id against the 20 per entry the first array is sized for.
        List<Row> rows = new ArrayList<>();
        for (int i = 0; i < 300; i++) {
            String id = String.valueOf(Character.toChars(0x1F600 + i % 64)).repeat(127) + (char) ('a' + i % 26) + i;
            id = id.substring(0, id.offsetByCodePoints(0, 128));
            rows.add(new Row(id, i % 7, i % 3));
        }
        assertThat(new HashSet<>(rows.stream().map(Row::entity).toList())).hasSize(rows.size());
        PeriodSnapshot s = snapshotOf("long@all", Order.DESC, rows);
        List<Row> expected = naiveRanking(Order.DESC, rows);
        assertMatchesModel(s, Order.DESC, expected);
        assertThat(s.joinedEntities(0, s.size()))
                .isEqualTo(expected.stream().map(Row::entity).collect(Collectors.joining("\n")));
    }

    @Test
    void entriesBeyondTheSizeTheIndexReportedAreAllCopied() {
        // The arrays are sized from index.size(); an index that grows under the copy must still be copied whole.
        Random rnd = new Random(11);
        List<Row> rows = randomRows(rnd, 500, new double[] {-2, -1, 0, 1, 2}, 5);
        BoardIndex real = new BoardIndex(Order.ASC);
        rows.forEach(r -> real.upsert(r.entity, r.score, r.reachedAt));
        List<Row> expected = naiveRanking(Order.ASC, rows);
        for (long reported : new long[] {0, 1, 3, 17, real.size() - 1}) {
            PeriodSnapshot s = PeriodSnapshot.copy("grow@all", reportingSize(real, reported));
            assertMatchesModel(s, Order.ASC, expected);
            assertSamplesMatchModel(s, Order.ASC, expected);
            assertThat(s.samples()).allSatisfy(sample -> assertThat(sample.position()).isBetween(0, s.size() - 1));
        }
    }

    @Test
    void anIndexThatOverReportsItsSizeYieldsSamplesOnlyAmongTheCopiedEntries() {
        Random rnd = new Random(12);
        List<Row> rows = randomRows(rnd, 40, new double[] {-1, 0, 1}, 3);
        BoardIndex real = new BoardIndex(Order.DESC);
        rows.forEach(r -> real.upsert(r.entity, r.score, r.reachedAt));
        List<Row> expected = naiveRanking(Order.DESC, rows);
        PeriodSnapshot s = PeriodSnapshot.copy("over@all", reportingSize(real, real.size() * 10));
        assertMatchesModel(s, Order.DESC, expected);
        assertThat(s.samples()).isNotEmpty()
                .allSatisfy(sample -> assertThat(sample.position()).isBetween(0, s.size() - 1))
                .allSatisfy(sample -> assertThat(sample.competitionRank()).isPositive());
    }

    @Test
    void anEmptyRangeOfEntitiesJoinsToTheEmptyText() {
        BoardIndex index = new BoardIndex(Order.DESC);
        index.upsert("a", 1, 1);
        index.upsert("b", 2, 1);
        PeriodSnapshot s = PeriodSnapshot.copy("few@all", index);
        assertThat(s.joinedEntities(0, 0)).isEmpty();
        assertThat(s.joinedEntities(1, 1)).isEmpty();
        assertThat(s.joinedEntities(2, 2)).isEmpty();
        assertThat(s.joinedEntities(0, 2)).isEqualTo("b\na");
        assertThat(PeriodSnapshot.copy("none@all", new BoardIndex(Order.DESC)).joinedEntities(0, 0)).isEmpty();
    }

    /** The index, but reporting {@code size} entries: a copy grows its arrays past that. */
    private static RankIndex reportingSize(RankIndex real, long size) {
        return (RankIndex) Proxy.newProxyInstance(RankIndex.class.getClassLoader(), new Class<?>[] {RankIndex.class},
                (proxy, method, args) -> {
                    if (method.getName().equals("size")) {
                        return size;
                    }
                    try {
                        return method.invoke(real, args);
                    } catch (InvocationTargetException e) {
                        throw e.getCause();
                    }
                });
    }

    // ---------------------------------------------------------------------------------------------
    // samples

    @Test
    void sampleRanksEqualTheNaiveOrdinalCompetitionAndDenseRanksWithHeavyTies() {
        double[][] scoreSets = {{7}, {1, 2}, {-1.5, 0, 1.5, 3}, {0.1, 0.2, 0.30000000000000004, 0.3}};
        for (Order order : Order.values()) {
            for (double[] scores : scoreSets) {
                for (int n = 1; n <= 60; n++) {
                    Random rnd = new Random(31L * n + scores.length);
                    List<Row> rows = new ArrayList<>();
                    for (int i = 0; i < n; i++) {
                        rows.add(new Row("e" + i, scores[rnd.nextInt(scores.length)], rnd.nextInt(2)));
                    }
                    PeriodSnapshot s = snapshotOf("ties@all", order, rows);
                    List<Row> expected = naiveRanking(order, rows);
                    assertMatchesModel(s, order, expected);
                    assertSamplesMatchModel(s, order, expected);
                }
            }
        }
    }

    @Test
    void samplesAreAscendingDistinctInRangeAndIncludeTheFirstAndLastPositions() {
        for (int n = 1; n <= 200; n++) {
            List<Row> rows = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                rows.add(new Row("e" + i, i % 5, 0));
            }
            PeriodSnapshot s = snapshotOf("s@all", Order.DESC, rows);
            List<Integer> positions = s.samples().stream().map(PeriodSnapshot.Sample::position).toList();
            assertThat(positions).as("n = %d", n).isSorted().doesNotHaveDuplicates().contains(0, n - 1)
                    .allSatisfy(p -> assertThat(p).isBetween(0, s.size() - 1));
            assertThat(positions.size()).isLessThanOrEqualTo(PeriodSnapshot.SAMPLES);
            if (n >= 8) {
                assertThat(positions).as("spread over the board, n = %d", n).contains(n / 2);
            }
        }
    }

    @Property(tries = 300)
    void snapshotOfAnyBoardEqualsTheNaiveRankingAndItsSampleRanks(@ForAll("boards") Board board) {
        PeriodSnapshot s = snapshotOf("prop@all", board.order, board.rows);
        List<Row> expected = naiveRanking(board.order, board.rows);
        assertMatchesModel(s, board.order, expected);
        assertSamplesMatchModel(s, board.order, expected);
    }

    record Board(Order order, List<Row> rows) {
    }

    @Provide
    Arbitrary<Board> boards() {
        Arbitrary<Row> row = Combinators.combine(
                Arbitraries.oneOf(Arbitraries.of(ODD_IDS), Arbitraries.strings().withCharRange('a', 'e').ofMinLength(1).ofMaxLength(3)),
                Arbitraries.of(-2.0, -0.5, 0.0, 0.5, 1.0, 3.0), Arbitraries.longs().between(-2, 2)).as(Row::new);
        return Combinators.combine(Arbitraries.of(Order.class), row.list().ofMaxSize(120)).as(Board::new);
    }

    // ---------------------------------------------------------------------------------------------
    // checksum

    @Test
    void checksumEqualsTheNaiveSumOfMd5PrefixesOfEntityScoreAndReachedAt() throws Exception {
        double[] scores = {-1e300, -3.5, -0.25, 0.0, 0.1, 1, 2.5, 1e15 + 0.5, Double.MAX_VALUE, Double.MIN_VALUE, 123456.789};
        for (long seed = 1; seed <= 25; seed++) {
            Random rnd = new Random(seed);
            Order order = seed % 2 == 0 ? Order.ASC : Order.DESC;
            List<Row> rows = randomRows(rnd, rnd.nextInt(2000), scores, 1000);
            rows.add(new Row("min-time", 1, Long.MIN_VALUE));
            rows.add(new Row("max-time", 1, Long.MAX_VALUE));
            PeriodSnapshot s = snapshotOf("sum@all", order, rows);
            assertThat(new BigInteger(Long.toUnsignedString(s.checksum())))
                    .as("seed %d", seed).isEqualTo(naiveChecksum(naiveRanking(order, rows)));
        }
    }

    @Test
    void checksumWrapsModulo2To64LikeTheSql() throws Exception {
        // Each term is below 2^60: 5,000 rows sum past 2^64 with high probability, so the wrap is exercised.
        List<Row> rows = new ArrayList<>();
        for (int i = 0; i < 5000; i++) {
            rows.add(new Row("w" + i, i * 0.5, i));
        }
        BigInteger unwrapped = BigInteger.ZERO;
        for (Row r : rows) {
            unwrapped = unwrapped.add(naiveChecksum(List.of(r)));
        }
        assertThat(unwrapped).isGreaterThan(TWO_TO_64);
        PeriodSnapshot s = snapshotOf("wrap@all", Order.DESC, rows);
        assertThat(new BigInteger(Long.toUnsignedString(s.checksum()))).isEqualTo(unwrapped.mod(TWO_TO_64));
    }

    @Test
    void checksumDependsOnTheRowsNotOnTheBoardsOrder() {
        List<Row> rows = randomRows(new Random(3), 300, new double[] {1, 2, 3, -4.5}, 10);
        assertThat(snapshotOf("x@all", Order.ASC, rows).checksum()).isEqualTo(snapshotOf("y@all", Order.DESC, rows).checksum());
    }

    @Test
    void checksumChangesWhenOneEntitysScoreTimeOrIdChanges() {
        List<Row> rows = new ArrayList<>(List.of(new Row("a", 1, 1), new Row("b", 2, 2), new Row("c", 3, 3)));
        long base = snapshotOf("c@all", Order.DESC, rows).checksum();
        Set<Long> seen = new HashSet<>(List.of(base));
        for (Row changed : List.of(new Row("b", 2.0000000000000004, 2), new Row("b", 2, 3), new Row("b2", 2, 2))) {
            List<Row> other = new ArrayList<>(rows);
            other.set(1, changed);
            assertThat(seen.add(snapshotOf("c@all", Order.DESC, other).checksum())).as("%s", changed).isTrue();
        }
    }
}
