package io.standings.core.index;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

class InputValidationTest {

    static Stream<Arguments> indexes() {
        return Stream.of(Arguments.of(new BoardIndex(Order.DESC)), Arguments.of(new TreeMapBoardIndex(Order.DESC)));
    }

    @ParameterizedTest
    @MethodSource("indexes")
    void rejectsNonFiniteScores(RankIndex index) {
        for (double bad : new double[] {Double.NaN, Double.POSITIVE_INFINITY, Double.NEGATIVE_INFINITY}) {
            assertThatThrownBy(() -> index.upsert("a", bad, 0)).isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("finite");
            assertThatThrownBy(() -> index.applyBatch(w -> w.upsert("a", bad, 0)))
                    .isInstanceOf(IllegalArgumentException.class);
        }
        assertThat(index.size()).isZero();
    }

    @ParameterizedTest
    @MethodSource("indexes")
    void rejectsBadIds(RankIndex index) {
        String tooLong = "x".repeat(129);
        String unpaired = "a\uD83D";
        for (String bad : new String[] {null, "", tooLong, unpaired, "a\nb", "\u0000", "tab\t"}) {
            assertThatThrownBy(() -> index.upsert(bad, 1, 0)).as("upsert %s", bad).isInstanceOf(IllegalArgumentException.class);
            assertThatThrownBy(() -> index.remove(bad)).isInstanceOf(IllegalArgumentException.class);
            assertThatThrownBy(() -> index.ranked(bad)).isInstanceOf(IllegalArgumentException.class);
            assertThatThrownBy(() -> index.around(bad, 1)).isInstanceOf(IllegalArgumentException.class);
        }
        assertThat(index.size()).isZero();
    }

    @ParameterizedTest
    @MethodSource("indexes")
    void acceptsLongestAndUnicodeIds(RankIndex index) {
        String longest = "\uD83D\uDE00".repeat(128); // 128 code points, 256 UTF-16 units, 512 UTF-8 bytes
        assertThat(index.upsert(longest, 1, 0)).isTrue();
        assertThat(index.upsert("x".repeat(128), 2, 0)).isTrue();
        assertThat(index.upsert("snow \u2603", 3, 0)).isTrue();
        assertThat(index.ranked(longest).orElseThrow().ordinalRank()).isEqualTo(3);
        assertThat(index.get(longest).orElseThrow().entity()).isEqualTo(longest);
    }

    @ParameterizedTest
    @MethodSource("indexes")
    void failedBatchAppliesNothing(RankIndex index) {
        index.upsert("keep", 1, 0);
        assertThatThrownBy(() -> index.applyBatch(w -> w.upsert("a", 1, 0).remove("keep").upsert("b", Double.NaN, 0)))
                .isInstanceOf(IllegalArgumentException.class);
        assertThat(index.size()).isEqualTo(1);
        assertThat(index.get("keep")).isPresent();
    }

    @ParameterizedTest
    @MethodSource("indexes")
    void negativeZeroTiesWithZero(RankIndex index) {
        index.upsert("neg", -0.0, 0);
        index.upsert("pos", 0.0, 0);
        assertThat(index.scoreOf("neg").getAsDouble()).isEqualTo(0.0);
        assertThat(Double.doubleToRawLongBits(index.scoreOf("neg").getAsDouble())).isZero();
        assertThat(index.competitionRank("pos").getAsLong()).isEqualTo(1);
        assertThat(index.competitionRank("neg").getAsLong()).isEqualTo(1);
        assertThat(index.denseRank("pos").getAsLong()).isEqualTo(1);
        assertThat(index.ordinalRank("neg").getAsLong()).isEqualTo(1); // "neg" < "pos"
    }

    @ParameterizedTest
    @MethodSource("indexes")
    void rejectsNegativeLimitsAndOrdinals(RankIndex index) {
        assertThatThrownBy(() -> index.top(-1)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> index.window(0, 1)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> index.window(1, -1)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> index.around("a", -1)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> index.page(null, -1)).isInstanceOf(IllegalArgumentException.class);
    }

    @ParameterizedTest
    @MethodSource("indexes")
    void hugeLimitsAndRadiiAreClamped(RankIndex index) {
        index.applyBatch(w -> w.upsert("a", 3, 0).upsert("b", 2, 0).upsert("c", 1, 0));
        assertThat(index.around("b", Integer.MAX_VALUE)).extracting(Ranked::entity).containsExactly("a", "b", "c");
        assertThat(index.window(2, Integer.MAX_VALUE)).extracting(Ranked::entity).containsExactly("b", "c");
        assertThat(index.window(Long.MAX_VALUE, 10)).isEmpty();
        assertThat(index.top(0)).isEmpty();
    }

    @ParameterizedTest
    @ValueSource(strings = {"!!!", "AAAA", "not+base64/", "AQ", "AQAAAAAAAAAAAAAAAAAAAAAAYWJj"})
    void rejectsMalformedCursors(String cursor) {
        for (RankIndex index : List.of(new BoardIndex(Order.DESC), new TreeMapBoardIndex(Order.DESC))) {
            assertThatThrownBy(() -> index.page(cursor, 10)).isInstanceOf(IllegalArgumentException.class);
        }
    }

    @ParameterizedTest
    @MethodSource("indexes")
    void rejectsTamperedAndForeignCursors(RankIndex index) {
        index.upsert("a", 2, 0);
        index.upsert("b", 1, 0);
        String cursor = index.page(null, 1).nextCursor();
        assertThat(cursor).isNotNull().matches("[A-Za-z0-9_-]+");
        byte[] raw = Base64.getUrlDecoder().decode(cursor);
        raw[5] ^= 1;
        String tampered = Base64.getUrlEncoder().withoutPadding().encodeToString(raw);
        assertThatThrownBy(() -> index.page(tampered, 1)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("checksum");
        RankIndex asc = new BoardIndex(Order.ASC);
        assertThatThrownBy(() -> asc.page(cursor, 1)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("order");
        assertThat(index.page(cursor, 1).entries()).extracting(Ranked::entity).containsExactly("b");
    }

    @org.junit.jupiter.api.Test
    void cursorRoundTripsAndRejectsNonFiniteScoreInside() {
        Cursor c = new Cursor(Order.ASC, -12.5, Long.MIN_VALUE, "\uD83D\uDE00 id");
        assertThat(Cursor.decode(c.encode(), Order.ASC)).isEqualTo(c);
        assertThatThrownBy(() -> new Cursor(Order.ASC, Double.NaN, 0, "x")).isInstanceOf(IllegalArgumentException.class);
        // A well-formed envelope (valid checksum) around a NaN score is still rejected.
        java.nio.ByteBuffer buf = java.nio.ByteBuffer.allocate(18 + 1 + 4);
        buf.put((byte) 1).put((byte) 1).putDouble(Double.NaN).putLong(0).put("x".getBytes(StandardCharsets.UTF_8));
        java.util.zip.CRC32 crc = new java.util.zip.CRC32();
        crc.update(buf.array(), 0, 19);
        buf.putInt((int) crc.getValue());
        String forged = Base64.getUrlEncoder().withoutPadding().encodeToString(buf.array());
        assertThatThrownBy(() -> Cursor.decode(forged, Order.ASC)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("finite");
    }

    @org.junit.jupiter.api.Test
    void entityOrderIsCodePointOrderNotUtf16() {
        String bmpHigh = "\uFFFD";
        String supplementary = "\uD83D\uDE00";
        assertThat(bmpHigh.compareTo(supplementary)).isPositive(); // UTF-16 order
        assertThat(RankKey.compareIds(bmpHigh, supplementary)).isNegative(); // code point / UTF-8 / COLLATE "C"
        for (RankIndex index : List.of(new BoardIndex(Order.DESC), new TreeMapBoardIndex(Order.DESC))) {
            index.upsert(supplementary, 1, 0);
            index.upsert(bmpHigh, 1, 0);
            assertThat(index.top(2)).extracting(Ranked::entity).containsExactly(bmpHigh, supplementary);
        }
    }
}
