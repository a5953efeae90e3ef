package io.standings.ingest;

import static org.assertj.core.api.Assertions.assertThat;

import io.standings.state.ScoreChange;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.Example;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.header.internals.RecordHeader;
import org.apache.kafka.common.header.internals.RecordHeaders;

/**
 * The changelog's record format (docs/api.md, "Changelog"), encoded as {@code KafkaChangelog} encodes it: a state
 * decodes to the same board, period, entity, score and reach time bit for bit; a tombstone to a removal; the
 * position record to a marker; every record to the position of its header. What is not such a record decodes to
 * null (the follower counts and skips it), never to something else and never to an exception.
 */
class ChangelogRecordsTest {

    private static Headers headers(long position) {
        return new RecordHeaders(new RecordHeader[] {
                new RecordHeader(ChangelogRecords.POSITION_HEADER, ChangelogRecords.long8(position)) });
    }

    private static ChangelogRecords.Decoded roundTrip(ScoreChange change, long position) {
        return ChangelogRecords.decode(ChangelogRecords.key(change), ChangelogRecords.value(change), headers(position));
    }

    @Property(tries = 3000)
    void anUpsertRoundTripsBitForBit(@ForAll("boards") String board, @ForAll("periods") String period,
            @ForAll("entities") String entity, @ForAll("scores") double score, @ForAll("instants") long reachedAt,
            @ForAll("offsets") long position) {
        ScoreChange change = ScoreChange.upsert(board, period, entity, score, reachedAt);
        ChangelogRecords.Decoded decoded = roundTrip(change, position);
        assertThat(decoded).isNotNull();
        assertThat(decoded.isMarker()).isFalse();
        assertThat(decoded.position()).isEqualTo(position);
        assertThat(decoded.change()).isEqualTo(change);
        assertThat(Double.doubleToRawLongBits(decoded.change().score())).isEqualTo(Double.doubleToRawLongBits(score));
    }

    @Property(tries = 1000)
    void aRemovalIsATombstoneAndDecodesToTheRemoval(@ForAll("boards") String board, @ForAll("periods") String period,
            @ForAll("entities") String entity, @ForAll("offsets") long position) {
        ScoreChange removal = ScoreChange.removal(board, period, entity);
        assertThat(ChangelogRecords.value(removal)).as("no value: compaction drops the key").isNull();
        ChangelogRecords.Decoded decoded = roundTrip(removal, position);
        assertThat(decoded).isEqualTo(new ChangelogRecords.Decoded(position, removal));
        assertThat(decoded.change().removed()).isTrue();
    }

    @Property(tries = 200)
    void thePositionRecordDecodesAsAMarker(@ForAll("offsets") long position) {
        byte[] value = ChangelogRecords.long8(position);
        ChangelogRecords.Decoded decoded = ChangelogRecords.decode(ChangelogRecords.positionKey(), value, headers(position));
        assertThat(decoded).isEqualTo(new ChangelogRecords.Decoded(position, null));
        assertThat(decoded.isMarker()).isTrue();
        assertThat(ByteBuffer.wrap(value).getLong()).isEqualTo(position);
        assertThat(new String(ChangelogRecords.positionKey(), StandardCharsets.UTF_8)).isEqualTo(ChangelogRecords.POSITION_KEY);
    }

    @Example
    void theKeyAndValueAreTheDocumentedBytes() {
        ScoreChange c = ScoreChange.upsert("b-1", "2026-W47", "e/@ x", -2.5, 1_763_719_200_123L);
        assertThat(new String(ChangelogRecords.key(c), StandardCharsets.UTF_8)).isEqualTo("b-1@2026-W47/e/@ x");
        ByteBuffer value = ByteBuffer.wrap(ChangelogRecords.value(c));
        assertThat(value.remaining()).isEqualTo(16);
        assertThat(value.getDouble()).isEqualTo(-2.5);
        assertThat(value.getLong()).isEqualTo(1_763_719_200_123L);
    }

    @Example
    void extremeScoresAndTimesRoundTrip() {
        double[] scores = {0.0, -0.0, Double.MIN_VALUE, -Double.MIN_VALUE, Double.MAX_VALUE, -Double.MAX_VALUE, 1e308, -1e-300,
                0.1, -123456789.125, 9007199254740993.0, Math.PI};
        long[] times = {Long.MIN_VALUE, Long.MAX_VALUE, 0, -1, 1};
        for (double score : scores) {
            for (long at : times) {
                ScoreChange c = ScoreChange.upsert("b", "all", "e", score, at);
                assertThat(roundTrip(c, 0).change()).as("%s at %s", score, at).isEqualTo(c);
            }
        }
    }

    @Example
    void entityIdsWithSlashesAndAtSignsRoundTrip() {
        for (String entity : new String[] {"a/b", "/", "//", "@", "a@b", "@/@", "x@y/z@", "/@lead", "trail/@", "emoji \ud83d\ude00/@"}) {
            for (String period : new String[] {"all", "2026-11-21", "2026-W47", "2026-11"}) {
                ScoreChange c = ScoreChange.upsert("board.x_y-1", period, entity, 1.5, 42);
                assertThat(roundTrip(c, 7).change()).as(entity).isEqualTo(c);
                ScoreChange r = ScoreChange.removal("board.x_y-1", period, entity);
                assertThat(roundTrip(r, 7).change()).as(entity).isEqualTo(r);
            }
        }
    }

    /** Keys that are neither "board@period/entity" (an '@' before the first '/') nor the position key. */
    @Property(tries = 2000)
    void aKeyWithoutBoardAtPeriodSlashIsNotARecord(@ForAll("badKeys") String key, @ForAll("offsets") long position) {
        byte[] value = ByteBuffer.allocate(16).putDouble(1).putLong(2).array();
        assertThat(ChangelogRecords.decode(key.getBytes(StandardCharsets.UTF_8), value, headers(position))).as(key).isNull();
        assertThat(ChangelogRecords.decode(key.getBytes(StandardCharsets.UTF_8), null, headers(position))).as(key).isNull();
    }

    @Property(tries = 500)
    void aStateValueOfAnyOtherLengthIsNotARecord(@ForAll @IntRange(min = 0, max = 40) int length, @ForAll("offsets") long position) {
        if (length == 16) {
            return;
        }
        byte[] key = "b@all/e".getBytes(StandardCharsets.UTF_8);
        assertThat(ChangelogRecords.decode(key, new byte[length], headers(position))).isNull();
    }

    @Example
    void aScoreThatIsNotFiniteIsNotARecord() {
        byte[] key = "b@all/e".getBytes(StandardCharsets.UTF_8);
        for (double score : new double[] {Double.NaN, Double.POSITIVE_INFINITY, Double.NEGATIVE_INFINITY,
                Double.longBitsToDouble(0x7ff8000000000001L)}) {
            byte[] value = ByteBuffer.allocate(16).putDouble(score).putLong(1).array();
            assertThat(ChangelogRecords.decode(key, value, headers(0))).as("%s", score).isNull();
        }
    }

    @Property(tries = 500)
    void aRecordWithoutAnEightBytePositionHeaderIsNotARecord(@ForAll("boards") String board, @ForAll("entities") String entity,
            @ForAll @IntRange(min = -1, max = 20) int headerLength) {
        ScoreChange c = ScoreChange.upsert(board, "all", entity, 1, 2);
        Headers headers = new RecordHeaders();
        if (headerLength == 8) {
            headers.add("another-header", new byte[8]); // the position header itself is missing
        } else if (headerLength >= 0) {
            headers.add(ChangelogRecords.POSITION_HEADER, new byte[headerLength]);
        } else {
            headers.add(new RecordHeader(ChangelogRecords.POSITION_HEADER, (byte[]) null));
        }
        assertThat(ChangelogRecords.decode(ChangelogRecords.key(c), ChangelogRecords.value(c), headers)).isNull();
        assertThat(ChangelogRecords.decode(ChangelogRecords.positionKey(), ChangelogRecords.long8(3), headers)).isNull();
        assertThat(ChangelogRecords.decode(null, ChangelogRecords.value(c), headers(1))).as("no key").isNull();
    }

    /** Any bytes at all: null, or a record whose key is what it says. Never an exception. */
    @Property(tries = 3000)
    void arbitraryBytesDecodeToNullOrToWhatTheirKeySays(@ForAll("garbage") byte[] key, @ForAll("garbage") byte[] value,
            @ForAll("offsets") long position) {
        ChangelogRecords.Decoded d = ChangelogRecords.decode(key, value, headers(position));
        if (d != null && !d.isMarker()) {
            String text = new String(key, StandardCharsets.UTF_8);
            assertThat(text).isEqualTo(d.change().board() + "@" + d.change().period() + "/" + d.change().entity());
            assertThat(d.change().removed()).isEqualTo(value == null);
        }
    }

    @Provide
    Arbitrary<String> boards() {
        Arbitrary<Character> first = Arbitraries.chars().with("abcdefghijklmnopqrstuvwxyz0123456789".toCharArray());
        Arbitrary<String> rest = Arbitraries.strings().withChars("abcdefghijklmnopqrstuvwxyz0123456789_.-".toCharArray())
                .ofMaxLength(63);
        return Combinators.combine(first, rest).as((f, r) -> f + r);
    }

    @Provide
    Arbitrary<String> periods() {
        return Arbitraries.oneOf(Arbitraries.just("all"),
                Combinators.combine(Arbitraries.integers().between(0, 9999), Arbitraries.integers().between(1, 12),
                        Arbitraries.integers().between(1, 31))
                        .as((y, m, d) -> String.format("%04d-%02d-%02d", y, m, d)),
                Combinators.combine(Arbitraries.integers().between(0, 9999), Arbitraries.integers().between(1, 53))
                        .as((y, w) -> String.format("%04d-W%02d", y, w)),
                Combinators.combine(Arbitraries.integers().between(0, 9999), Arbitraries.integers().between(1, 12))
                        .as((y, m) -> String.format("%04d-%02d", y, m)));
    }

    /** Entity ids, also with '/', '@', spaces and characters outside the BMP (the codec must not care). */
    @Provide
    Arbitrary<String> entities() {
        return Arbitraries.oneOf(
                Arbitraries.strings().withChars("ab/@ #:é".toCharArray()).ofMinLength(1).ofMaxLength(20),
                Arbitraries.strings().all().ofMinLength(1).ofMaxLength(40)
                        .filter(s -> s.chars().noneMatch(c -> Character.isSurrogate((char) c))),
                Arbitraries.strings().ascii().ofMinLength(1).ofMaxLength(128));
    }

    @Provide
    Arbitrary<Double> scores() {
        return Arbitraries.oneOf(Arbitraries.doubles(),
                Arbitraries.longs().map(Double::longBitsToDouble).filter(Double::isFinite),
                Arbitraries.of(0.0, -0.0, Double.MAX_VALUE, -Double.MAX_VALUE, Double.MIN_VALUE, 1e300, -1e-300, 0.1, -7.25));
    }

    @Provide
    Arbitrary<Long> instants() {
        return Arbitraries.oneOf(Arbitraries.longs(), Arbitraries.of(Long.MIN_VALUE, Long.MAX_VALUE, 0L, -1L));
    }

    @Provide
    Arbitrary<Long> offsets() {
        return Arbitraries.oneOf(Arbitraries.longs().between(0, 10_000), Arbitraries.longs().greaterOrEqual(0),
                Arbitraries.of(Long.MAX_VALUE, 0L));
    }

    @Provide
    Arbitrary<String> badKeys() {
        Arbitrary<String> noAt = Arbitraries.strings().withChars("ab/1 .#position".toCharArray()).ofMaxLength(20);
        Arbitrary<String> noSlash = Arbitraries.strings().withChars("ab@1 .".toCharArray()).ofMaxLength(20);
        Arbitrary<String> slashFirst = Combinators.combine(Arbitraries.strings().withChars("ab1".toCharArray()).ofMaxLength(5),
                Arbitraries.strings().withChars("ab@/1".toCharArray()).ofMaxLength(10))
                .as((a, b) -> a + "/" + b + "@" + b);
        return Arbitraries.oneOf(noAt, noSlash, slashFirst, Arbitraries.of("#position ", "#Position", "", "/@x", "b/e@all"))
                .filter(k -> !k.equals(ChangelogRecords.POSITION_KEY))
                .filter(k -> k.indexOf('@') < 0 || k.indexOf('/') < 0 || k.indexOf('@') > k.indexOf('/'));
    }

    @Provide
    Arbitrary<byte[]> garbage() {
        Arbitrary<byte[]> random = Arbitraries.bytes().array(byte[].class).ofMaxSize(24);
        Arbitrary<byte[]> keyish = Arbitraries.strings().withChars("b@/e#position".toCharArray()).ofMaxLength(12)
                .map(s -> s.getBytes(StandardCharsets.UTF_8));
        return Arbitraries.oneOf(random, keyish, Arbitraries.just(null));
    }
}
