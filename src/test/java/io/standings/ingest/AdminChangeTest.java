package io.standings.ingest;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.Map;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.Example;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

/**
 * The control topic's admin changes (docs/api.md, "Changelog"): every kind decodes from its value to the change
 * that was encoded, an erasure with its position; the key names what the change is about, so compaction keeps the
 * latest of each; a value this version does not understand decodes to null, never to an exception.
 */
class AdminChangeTest {

    private static AdminChange roundTrip(AdminChange change) {
        return AdminChange.decode(change.value());
    }

    @Property(tries = 1000)
    void boardChangesRoundTrip(@ForAll("boards") String board) {
        assertThat(roundTrip(AdminChange.boardPut(board))).isEqualTo(AdminChange.boardPut(board));
        assertThat(roundTrip(AdminChange.boardDeleted(board))).isEqualTo(AdminChange.boardDeleted(board));
        assertThat(key(AdminChange.boardPut(board))).isEqualTo("board/" + board).isEqualTo(key(AdminChange.boardDeleted(board)));
    }

    @Property(tries = 1000)
    void quarantineAndRestoreRoundTrip(@ForAll("boards") String board, @ForAll("entities") String entity) {
        for (boolean on : new boolean[] {true, false}) {
            AdminChange change = AdminChange.quarantine(board, entity, on);
            assertThat(change.kind()).isEqualTo(on ? AdminChange.Kind.QUARANTINED : AdminChange.Kind.RESTORED);
            assertThat(roundTrip(change)).isEqualTo(change);
            assertThat(key(change)).isEqualTo("quarantine/" + board + "/" + entity);
        }
    }

    @Property(tries = 1000)
    void anErasureRoundTripsWithItsPosition(@ForAll("entities") String entity, @ForAll("positions") Map<String, Long> position) {
        AdminChange change = AdminChange.erased(entity, position);
        AdminChange decoded = roundTrip(change);
        assertThat(decoded).isEqualTo(change);
        assertThat(decoded.position()).isEqualTo(position);
        assertThat(decoded.board()).isNull();
        assertThat(key(change)).isEqualTo("erase/" + entity);
    }

    @Example
    void everyKindRoundTrips() {
        for (AdminChange change : new AdminChange[] {AdminChange.boardPut("b"), AdminChange.boardDeleted("b.x-1"),
                AdminChange.quarantine("b", "cheater 1", true), AdminChange.quarantine("b", "=x= y", false),
                AdminChange.erased("gone", Map.of()), AdminChange.erased("p 1=2",
                        Map.of("standings.score-events/0", 0L, "standings.score-events/2", Long.MAX_VALUE))}) {
            assertThat(roundTrip(change)).as("%s", change).isEqualTo(change);
        }
        assertThat(java.util.EnumSet.allOf(AdminChange.Kind.class)).as("every kind is exercised above").hasSize(5);
    }

    @Example
    void valuesThisVersionDoesNotUnderstandAreNull() {
        String[] garbage = {"", "BOARD_PUT", "BOARD_PUT\nb", "BOARD_PUT\nb\n", "board_put\nb\n\n", "RENAMED\nb\n\n",
                " BOARD_PUT\nb\n\n", "ERASED\n\ne\nt/0=x ", "ERASED\n\ne\nt/0=1.5 ", "ERASED\n\ne\nt/0= ",
                "ERASED\n\ne\nt/0=99999999999999999999 ", "\n\n\n"};
        for (String value : garbage) {
            assertThat(AdminChange.decode(value.getBytes(StandardCharsets.UTF_8))).as("'%s'", value).isNull();
        }
        assertThat(AdminChange.decode(null)).as("a tombstone").isNull();
    }

    /** A change whose kind needs a board or an entity it does not carry is not an admin change either. */
    @Example
    void aChangeWithoutTheIdsItsKindNeedsIsNull() {
        String[] incomplete = {"BOARD_PUT\n\n\n", "BOARD_DELETED\n\ne\n", "QUARANTINED\nb\n\n", "QUARANTINED\n\ne\n",
                "RESTORED\nb\n\n", "ERASED\nb\n\nt/0=1 "};
        for (String value : incomplete) {
            assertThat(AdminChange.decode(value.getBytes(StandardCharsets.UTF_8))).as("'%s'", value).isNull();
        }
    }

    /** Any text: null, or a change that encodes back to a value that decodes to it again. */
    @Property(tries = 5000)
    void anyValueDecodesToNullOrToAStableChange(@ForAll("values") String value) {
        AdminChange decoded = AdminChange.decode(value.getBytes(StandardCharsets.UTF_8));
        if (decoded != null) {
            assertThat(AdminChange.decode(decoded.value())).isEqualTo(decoded);
        }
    }

    private static String key(AdminChange change) {
        return new String(change.key(), StandardCharsets.UTF_8);
    }

    @Provide
    Arbitrary<String> boards() {
        Arbitrary<Character> first = Arbitraries.chars().with("abcdefghijklmnopqrstuvwxyz0123456789".toCharArray());
        Arbitrary<String> rest = Arbitraries.strings().withChars("abcdefghijklmnopqrstuvwxyz0123456789_.-".toCharArray())
                .ofMaxLength(63);
        return Combinators.combine(first, rest).as((f, r) -> f + r);
    }

    /** Entity ids: printable, no line break, also with spaces, '=', '@' and characters outside ASCII. */
    @Provide
    Arbitrary<String> entities() {
        return Arbitraries.oneOf(Arbitraries.strings().withChars("ab =@#é\u6f22:".toCharArray()).ofMinLength(1).ofMaxLength(20),
                Arbitraries.strings().withCharRange(' ', '~').ofMinLength(1).ofMaxLength(128).filter(s -> s.indexOf('/') < 0));
    }

    @Provide
    Arbitrary<Map<String, Long>> positions() {
        Arbitrary<String> topic = Arbitraries.strings().withChars("abcXYZ019._-".toCharArray()).ofMinLength(1).ofMaxLength(30);
        Arbitrary<String> field = Combinators.combine(topic, Arbitraries.integers().between(0, 1000)).as((t, p) -> t + "/" + p);
        return Arbitraries.maps(field, Arbitraries.longs().greaterOrEqual(0)).ofMaxSize(12);
    }

    @Provide
    Arbitrary<String> values() {
        Arbitrary<String> kind = Arbitraries.oneOf(Arbitraries.of(AdminChange.Kind.class).map(Enum::name),
                Arbitraries.strings().withChars("ABDEQRT_".toCharArray()).ofMaxLength(10));
        Arbitrary<String> field = Arbitraries.strings().withChars("ab =/0-9\n".toCharArray()).ofMaxLength(12);
        return Arbitraries.oneOf(
                Combinators.combine(kind, field, field, field).as((k, b, e, p) -> k + "\n" + b + "\n" + e + "\n" + p),
                Combinators.combine(kind, field.list().ofMaxSize(5)).as((k, fields) -> k + "\n" + String.join("\n", fields)),
                Arbitraries.strings().withChars("ERASED\n =/01x".toCharArray()).ofMaxLength(30));
    }
}
