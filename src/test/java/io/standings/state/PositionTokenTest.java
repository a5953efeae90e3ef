package io.standings.state;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.math.BigInteger;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.Example;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.LongRange;
import net.jqwik.api.constraints.Size;

/**
 * The position token of reads and the {@code minPosition} of a read-after-write: what {@code format} writes,
 * {@code parse} reads back; {@code parse} takes exactly {@code partition:offset} pairs of plain ASCII numbers
 * (docs/api.md: {@code +5}, {@code 1e3}, Arabic-Indic or full-width digits are not numbers), comma-separated, and
 * throws IllegalArgumentException on anything else; a partition named twice keeps its highest offset.
 */
class PositionTokenTest {

    /**
     * One pair as {@code parse} takes it: ASCII digits, with white space and control characters (what String.trim()
     * drops) around each number.
     */
    private static final Pattern PAIR = Pattern.compile("[\\x00-\\x20]*([0-9]+)[\\x00-\\x20]*:[\\x00-\\x20]*([0-9]+)[\\x00-\\x20]*");
    private static final BigInteger MAX_INT = BigInteger.valueOf(Integer.MAX_VALUE);
    private static final BigInteger MAX_LONG = BigInteger.valueOf(Long.MAX_VALUE);

    @Property(tries = 2000)
    void formatThenParseRoundTripsAnyNonNegativePositions(
            @ForAll @Size(min = 1, max = 64) Map<@IntRange(min = 0) Integer, @LongRange(min = 0) Long> positions) {
        String token = PositionToken.format(positions);
        assertThat(PositionToken.parse(token)).isEqualTo(positions);
    }

    @Property(tries = 500)
    void formatWritesPairsInNumericPartitionOrder(
            @ForAll @Size(max = 64) Map<@IntRange(min = 0) Integer, @LongRange(min = 0) Long> positions) {
        StringBuilder expected = new StringBuilder();
        new TreeMap<>(positions).forEach((p, o) -> expected.append(expected.isEmpty() ? "" : ",").append(p).append(':').append(o));
        assertThat(PositionToken.format(positions)).isEqualTo(expected.toString());
    }

    @Property(tries = 1000)
    void aRepeatedPartitionKeepsItsHighestOffset(@ForAll @Size(min = 1, max = 30) List<@IntRange(min = 0, max = 5) Integer> partitions,
            @ForAll @Size(min = 30, max = 30) List<@LongRange(min = 0) Long> offsets) {
        StringBuilder token = new StringBuilder();
        Map<Integer, Long> highest = new HashMap<>();
        for (int i = 0; i < partitions.size(); i++) {
            token.append(i == 0 ? "" : ",").append(partitions.get(i)).append(':').append(offsets.get(i));
            highest.merge(partitions.get(i), offsets.get(i), Math::max);
        }
        assertThat(PositionToken.parse(token.toString())).isEqualTo(highest);
    }

    /**
     * Any text, well-formed or not: parse answers what the grammar says or throws IllegalArgumentException (never
     * another exception, never a guess). The texts are random strings over the characters that matter and
     * well-formed tokens with one character inserted, replaced or deleted.
     */
    @Property(tries = 20000)
    void parseTakesExactlyTheGrammarAndRejectsEverythingElse(@ForAll("texts") String text) {
        Map<Integer, Long> expected = reference(text);
        if (expected == null) {
            assertThatThrownBy(() -> PositionToken.parse(text)).as("'%s' is malformed", text)
                    .isInstanceOf(IllegalArgumentException.class).hasMessageNotContaining("For input string");
        } else {
            assertThat(PositionToken.parse(text)).as("'%s' is well-formed", text).isEqualTo(expected);
        }
    }

    /** Malformed only: every generated text breaks the grammar, and each is refused. */
    @Property(tries = 5000)
    void parseRejectsMalformedPositions(@ForAll("malformed") String text) {
        assertThat(reference(text)).as("the generator makes malformed texts only: '%s'", text).isNull();
        assertThatThrownBy(() -> PositionToken.parse(text)).as("'%s'", text).isInstanceOf(IllegalArgumentException.class);
    }

    @Example
    void signsForeignDigitsAndOutOfRangeNumbersAreNotPositions() {
        for (String text : new String[] {"+0:5", "0:+5", "-0:5", "0:-0", "\u0663:5", "0:\u0665", "\uff10:1", "1e3:1", "0x1:2",
                "2147483648:0", "0:9223372036854775808", "0:1.0", "0:5,", ",0:5", "0::5", "0:5:6", "", " ", "0", ":5", "0:",
                "0:5,,1:2", "a:b", "0;5", null}) {
            assertThatThrownBy(() -> PositionToken.parse(text)).as("'%s'", text).isInstanceOf(IllegalArgumentException.class);
        }
    }

    @Example
    void atMostMaxPairsPairsAreRead() {
        String atMost = String.join(",", java.util.Collections.nCopies(PositionToken.MAX_PAIRS, "0:1"));
        assertThat(PositionToken.parse(atMost)).isEqualTo(Map.of(0, 1L));
        assertThatThrownBy(() -> PositionToken.parse(atMost + ",0:1")).isInstanceOf(IllegalArgumentException.class);
    }

    @Example
    void theExtremesRoundTrip() {
        Map<Integer, Long> extremes = Map.of(0, 0L, Integer.MAX_VALUE, Long.MAX_VALUE);
        assertThat(PositionToken.format(extremes)).isEqualTo("0:0,2147483647:9223372036854775807");
        assertThat(PositionToken.parse(PositionToken.format(extremes))).isEqualTo(extremes);
        assertThat(PositionToken.format(Map.of())).isEmpty();
    }

    /** What parse must answer for {@code text}, from the grammar alone: the positions, or null when malformed. */
    private static Map<Integer, Long> reference(String text) {
        String[] pairs = text.split(",", -1);
        if (pairs.length > PositionToken.MAX_PAIRS) {
            return null;
        }
        Map<Integer, Long> positions = new TreeMap<>();
        for (String pair : pairs) {
            Matcher m = PAIR.matcher(pair);
            if (!m.matches()) {
                return null;
            }
            BigInteger partition = new BigInteger(m.group(1));
            BigInteger offset = new BigInteger(m.group(2));
            if (partition.compareTo(MAX_INT) > 0 || offset.compareTo(MAX_LONG) > 0) {
                return null;
            }
            positions.merge(partition.intValue(), offset.longValue(), Math::max);
        }
        return positions;
    }

    /** The characters that matter to the grammar, and some that look like them. */
    private static final char[] ALPHABET = "0123456789012345678901234567890123456789::::,,,, \t+-.e;x\u0663\uff11_\u00a0\n"
            .toCharArray();

    @Provide
    Arbitrary<String> texts() {
        Arbitrary<String> random = Arbitraries.strings().withChars(ALPHABET).ofMinLength(0).ofMaxLength(40);
        return Arbitraries.frequencyOf(net.jqwik.api.Tuple.of(1, random), net.jqwik.api.Tuple.of(1, wellFormed()),
                net.jqwik.api.Tuple.of(3, mutated()));
    }

    @Provide
    Arbitrary<String> malformed() {
        return texts().filter(t -> reference(t) == null);
    }

    private static Arbitrary<String> wellFormed() {
        Arbitrary<String> number = Arbitraries.oneOf(Arbitraries.longs().between(0, 20).map(Object::toString),
                Arbitraries.longs().greaterOrEqual(0).map(Object::toString),
                Arbitraries.strings().numeric().ofMinLength(1).ofMaxLength(21));
        Arbitrary<String> pair = Combinators.combine(number, number).as((p, o) -> p + ":" + o);
        return pair.list().ofMinSize(1).ofMaxSize(6).map(l -> String.join(",", l));
    }

    /** A well-formed token with one character inserted, replaced or deleted. */
    private static Arbitrary<String> mutated() {
        Arbitrary<Character> c = Arbitraries.of(toBoxed(ALPHABET));
        return Combinators.combine(wellFormed(), Arbitraries.integers().between(0, 1000), c, Arbitraries.integers().between(0, 2))
                .as((token, where, ch, how) -> {
                    int at = where % (token.length() + 1);
                    return switch (how) {
                        case 0 -> token.substring(0, at) + ch + token.substring(at);
                        case 1 -> at < token.length() ? token.substring(0, at) + ch + token.substring(at + 1) : token + ch;
                        default -> at < token.length() ? token.substring(0, at) + token.substring(at + 1) : token.substring(1);
                    };
                });
    }

    private static Character[] toBoxed(char[] chars) {
        Character[] boxed = new Character[chars.length];
        for (int i = 0; i < chars.length; i++) {
            boxed[i] = chars[i];
        }
        return boxed;
    }
}
