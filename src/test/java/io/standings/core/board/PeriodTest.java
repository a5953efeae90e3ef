package io.standings.core.board;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import java.time.ZoneId;
import org.junit.jupiter.api.Test;

class PeriodTest {

    private static long at(String instant) {
        return Instant.parse(instant).toEpochMilli();
    }

    @Test
    void anEventLandsInThePeriodOfItsTimestampInTheBoardsZone() {
        ZoneId utc = ZoneId.of("UTC");
        ZoneId tokyo = ZoneId.of("Asia/Tokyo");
        long t = at("2026-11-21T20:30:00Z"); // Saturday evening in UTC, already Sunday in Tokyo
        assertThat(Period.NONE.keyOf(t, utc)).isEqualTo("all");
        assertThat(Period.DAILY.keyOf(t, utc)).isEqualTo("2026-11-21");
        assertThat(Period.DAILY.keyOf(t, tokyo)).isEqualTo("2026-11-22");
        assertThat(Period.WEEKLY.keyOf(t, utc)).isEqualTo("2026-W47");
        assertThat(Period.MONTHLY.keyOf(t, utc)).isEqualTo("2026-11");
    }

    @Test
    void weeksAreIsoWeeksWithTheWeekBasedYear() {
        ZoneId utc = ZoneId.of("UTC");
        assertThat(Period.WEEKLY.keyOf(at("2026-11-23T00:00:00Z"), utc)).as("Monday starts a week").isEqualTo("2026-W48");
        assertThat(Period.WEEKLY.keyOf(at("2026-11-22T23:59:59.999Z"), utc)).isEqualTo("2026-W47");
        assertThat(Period.WEEKLY.keyOf(at("2027-01-01T12:00:00Z"), utc)).as("belongs to the last week of 2026")
                .isEqualTo("2026-W53");
        assertThat(Period.WEEKLY.keyOf(at("2024-12-30T12:00:00Z"), utc)).as("belongs to the first week of 2025")
                .isEqualTo("2025-W01");
    }

    @Test
    void keysHaveTheShapeOfTheirKind() {
        assertThat(Period.DAILY.isKeyShape("2026-11-21")).isTrue();
        assertThat(Period.DAILY.isKeyShape("2026-W47")).isFalse();
        assertThat(Period.WEEKLY.isKeyShape("2026-W47")).isTrue();
        assertThat(Period.MONTHLY.isKeyShape("2026-11")).isTrue();
        assertThat(Period.NONE.isKeyShape("all")).isTrue();
    }
}
