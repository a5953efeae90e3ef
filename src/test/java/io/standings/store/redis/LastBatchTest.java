package io.standings.store.redis;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.Example;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

/**
 * The last batch of a partition as Redis keeps it for the next owner's republish: the offset and every changed
 * (board period, entity), in order, survive encode then decode — whatever the entity ids hold besides a tab or a
 * line break (which ids cannot contain), and also when the batch changed nothing.
 */
class LastBatchTest {

    @Property(tries = 2000)
    void encodeThenDecodeRoundTrips(@ForAll("batches") LastBatch batch) {
        assertThat(LastBatch.decode(batch.encode())).isEqualTo(batch);
    }

    @Example
    void aBatchThatChangedNothingRoundTrips() {
        LastBatch empty = new LastBatch(1841, List.of());
        assertThat(empty.encode()).isEqualTo("1841");
        assertThat(LastBatch.decode(empty.encode())).isEqualTo(empty);
        assertThat(LastBatch.decode(new LastBatch(0, List.of()).encode())).isEqualTo(new LastBatch(0, List.of()));
    }

    @Example
    void entitiesWithSpacesSlashesAndOddCharactersRoundTrip() {
        LastBatch batch = new LastBatch(Long.MAX_VALUE, List.of(
                new LastBatch.Changed("b@all", "two words"),
                new LastBatch.Changed("b@all", " leading and trailing "),
                new LastBatch.Changed("b@2026-11-21", "a/b/c"),
                new LastBatch.Changed("b.x-1@2026-W47", "@/\\=:,;\"'"),
                new LastBatch.Changed("b@2026-11", "\u6f22\u5b57 \ud83d\ude00"),
                new LastBatch.Changed("b@all", "two words")));
        assertThat(LastBatch.decode(batch.encode())).isEqualTo(batch);
    }

    @Provide
    Arbitrary<LastBatch> batches() {
        Arbitrary<String> board = Arbitraries.strings().withChars("abz09_.-".toCharArray()).ofMinLength(1).ofMaxLength(64);
        Arbitrary<String> period = Arbitraries.of("all", "2026-11-21", "2026-W47", "2026-11");
        Arbitrary<String> entity = Arbitraries.oneOf(
                Arbitraries.strings().withChars("a /@\\ =x\u00e9".toCharArray()).ofMinLength(1).ofMaxLength(20),
                Arbitraries.strings().all().ofMinLength(1).ofMaxLength(40)
                        .filter(s -> s.indexOf('\t') < 0 && s.indexOf('\n') < 0));
        Arbitrary<LastBatch.Changed> changed = Combinators.combine(board, period, entity)
                .as((b, p, e) -> new LastBatch.Changed(b + "@" + p, e));
        return Combinators.combine(Arbitraries.longs().greaterOrEqual(0), changed.list().ofMaxSize(30)).as(LastBatch::new);
    }
}
