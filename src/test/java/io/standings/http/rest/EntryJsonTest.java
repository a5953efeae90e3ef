package io.standings.http.rest;

import io.standings.http.EntryView;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import net.jqwik.api.Example;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.LongRange;
import net.jqwik.api.constraints.StringLength;

/**
 * The hot path's hand-written entry JSON is exactly what Jackson writes, configured as Quarkus configures the
 * application's mapper (java.time module, dates as ISO-8601 strings), or it declines and Jackson writes it.
 */
class EntryJsonTest {

    private static final ObjectMapper JACKSON = JsonMapper.builder().addModule(new JavaTimeModule())
            .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS).build();

    @Property(tries = 3000)
    void writesWhatJacksonWritesOrDeclines(@ForAll @StringLength(min = 1, max = 40) String entity, @ForAll double score,
            @ForAll long rank, @ForAll long ordinal, @ForAll long total, @ForAll double percentile,
            @ForAll @LongRange(min = -62_135_596_800_000L, max = 253_402_300_799_999L) long updatedAtMs,
            @ForAll long asOf) throws Exception {
        EntryView v = new EntryView("board-1.x_y", entity, score, rank, ordinal, total, percentile,
                Instant.ofEpochMilli(updatedAtMs), asOf);
        byte[] ours = EntryJson.write(v);
        boolean plain = Double.isFinite(score) && Double.isFinite(percentile) && entity.chars().noneMatch(c -> c < 0x20);
        assertThat(ours != null).as("declines only what Jackson writes differently").isEqualTo(plain);
        if (ours != null) {
            assertThat(new String(ours, StandardCharsets.UTF_8)).isEqualTo(JACKSON.writeValueAsString(v));
        }
    }

    @Example
    void oddButPlainValues() throws Exception {
        for (String entity : new String[] {"q\"uo\\te", "z-\u00e9\u6f22\"q", "\ud83d\ude00 emoji", "e000000000000042"}) {
            for (double d : new double[] {0.0, -0.0, 1e-300, 4.9e-324, 1e21, 123456789.125, -2.5, 100.0, 1.0 / 3}) {
                for (long ms : new long[] {0, 1, 1000, 1_763_719_200_123L, -1}) {
                    EntryView v = new EntryView("b", entity, d, 1, 2, 3, d, Instant.ofEpochMilli(ms), 7);
                    assertThat(new String(EntryJson.write(v), StandardCharsets.UTF_8)).isEqualTo(JACKSON.writeValueAsString(v));
                }
            }
        }
    }
}
