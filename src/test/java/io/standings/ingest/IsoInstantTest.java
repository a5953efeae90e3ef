package io.standings.ingest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Instant;
import java.time.format.DateTimeParseException;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.LongRange;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The hand-written parser must agree with {@link Instant#parse} on everything it accepts and rejects. */
class IsoInstantTest {

    @Property(tries = 2000)
    void agreesWithInstantParse(@ForAll @LongRange(min = -62_135_596_800_000L, max = 253_402_300_799_999L) long millis,
            @ForAll @IntRange(min = 0, max = 9) int fractionDigits) {
        Instant t = Instant.ofEpochMilli(millis);
        String text = t.toString();
        if (fractionDigits > 0) {
            String base = text.substring(0, 19);
            String fraction = String.format("%09d", t.getNano()).substring(0, fractionDigits);
            text = base + "." + fraction + "Z";
        } else {
            text = text.substring(0, 19) + "Z";
        }
        assertThat(IsoInstant.parseMillis(text)).as(text).isEqualTo(Instant.parse(text).toEpochMilli());
    }

    @ParameterizedTest
    @ValueSource(strings = {"2026-11-21T10:00:00Z", "2024-02-29T23:59:59.999Z", "1970-01-01T00:00:00.000000001Z",
            "2026-11-21T10:00:00+02:00", "+12026-11-21T10:00:00Z", "2026-11-21T24:00:00Z", "2026-11-21T10:00:00.Z"})
    void acceptsWhatInstantAccepts(String text) {
        assertThat(IsoInstant.parseMillis(text)).isEqualTo(Instant.parse(text).toEpochMilli());
    }

    @ParameterizedTest
    @ValueSource(strings = {"2026-02-30T10:00:00Z", "2025-02-29T10:00:00Z", "2026-13-01T10:00:00Z",
            "2026-11-21T10:60:00Z", "2026-11-21T10:00:00.1aZ", "2026-11-21 10:00:00Z", "2026-11-21"})
    void rejectsWhatInstantRejects(String text) {
        assertThatThrownBy(() -> Instant.parse(text)).isInstanceOf(DateTimeParseException.class);
        assertThatThrownBy(() -> IsoInstant.parseMillis(text)).isInstanceOf(DateTimeParseException.class);
    }

    @Test
    void leapSecondsAreInstantsBusiness() {
        assertThat(IsoInstant.parseMillis("2016-12-31T23:59:60Z")).isEqualTo(Instant.parse("2016-12-31T23:59:60Z").toEpochMilli());
    }
}
