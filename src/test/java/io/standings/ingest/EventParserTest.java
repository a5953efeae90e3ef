package io.standings.ingest;

import static org.assertj.core.api.Assertions.assertThat;

import io.standings.core.board.Operation;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class EventParserTest {

    private static final long RECORD_TS = 1_700_000_000_000L;
    private final EventParser parser = new EventParser(1024);

    private ParsedRecord parse(String key, String json) {
        return parser.parse(key == null ? null : key.getBytes(StandardCharsets.UTF_8),
                json == null ? null : json.getBytes(StandardCharsets.UTF_8), RECORD_TS);
    }

    @Test
    void parsesTheContractExample() {
        ParsedRecord parsed = parse("arena/player-42",
                "{\"id\":\"e-000123\",\"board\":\"arena\",\"entity\":\"player-42\",\"op\":\"incr\",\"value\":25,"
                        + "\"ts\":\"2026-11-21T10:00:00.123Z\"}");
        assertThat(parsed).isEqualTo(new ParsedRecord.Valid(new ScoreEvent("e-000123", "arena", "player-42",
                Operation.INCR, 25, Instant.parse("2026-11-21T10:00:00.123Z").toEpochMilli(), RECORD_TS)));
    }

    @Test
    void optionalFieldsFallBack() {
        ParsedRecord parsed = parse("arena/p", "{\"board\":\"arena\",\"entity\":\"p\",\"value\":-0.0}");
        assertThat(parsed).isEqualTo(new ParsedRecord.Valid(new ScoreEvent(null, "arena", "p", null, 0.0, RECORD_TS)));
        assertThat(((ParsedRecord.Valid) parsed).event().value()).isEqualTo(0.0).isNotNegative();
    }

    @Test
    void removeNeedsNoValue() {
        assertThat(parse("a/p", "{\"board\":\"a\",\"entity\":\"p\",\"op\":\"remove\"}"))
                .isInstanceOf(ParsedRecord.Valid.class);
    }

    @Test
    void integersUpTo2Pow53AreExact() {
        ParsedRecord parsed = parse("a/p", "{\"board\":\"a\",\"entity\":\"p\",\"value\":9007199254740992}");
        assertThat(((ParsedRecord.Valid) parsed).event().value()).isEqualTo(9007199254740992d);
    }

    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource(delimiter = '|', value = {
            "not json at all|malformed_json",
            "{\"board\":\"a\",\"entity\":\"p\",\"value\":1} trailing|malformed_json",
            "{\"board\":\"a\",\"board\":\"b\",\"entity\":\"p\",\"value\":1}|malformed_json",
            "[1,2,3]|not_an_object",
            "42|not_an_object",
            "{\"entity\":\"p\",\"value\":1}|missing_field",
            "{\"board\":\"a\",\"value\":1}|missing_field",
            "{\"board\":\"a\",\"entity\":\"p\"}|missing_field",
            "{\"board\":\"a\",\"entity\":\"p\",\"value\":null}|missing_field",
            "{\"board\":7,\"entity\":\"p\",\"value\":1}|wrong_type",
            "{\"board\":\"a\",\"entity\":[],\"value\":1}|wrong_type",
            "{\"board\":\"a\",\"entity\":\"p\",\"value\":\"12\"}|wrong_type",
            "{\"board\":\"a\",\"entity\":\"p\",\"value\":\"NaN\"}|wrong_type",
            "{\"board\":\"a\",\"entity\":\"p\",\"value\":1,\"ts\":12}|wrong_type",
            "{\"board\":\"a\",\"entity\":\"p\",\"value\":1,\"op\":1}|wrong_type",
            "{\"board\":\"Arena\",\"entity\":\"p\",\"value\":1}|invalid_board",
            "{\"board\":\"\",\"entity\":\"p\",\"value\":1}|invalid_board",
            "{\"board\":\"a/b\",\"entity\":\"p\",\"value\":1}|invalid_board",
            "{\"board\":\"a\",\"entity\":\"\",\"value\":1}|invalid_entity",
            "{\"board\":\"a\",\"entity\":\"x/y\",\"value\":1}|invalid_entity",
            "{\"board\":\"a\",\"entity\":\"tab\\there\",\"value\":1}|invalid_entity",
            "{\"board\":\"a\",\"entity\":\"p\",\"value\":1,\"op\":\"double\"}|invalid_op",
            "{\"board\":\"a\",\"entity\":\"p\",\"value\":1e400}|invalid_value",
            "{\"board\":\"a\",\"entity\":\"p\",\"value\":-1e400}|invalid_value",
            "{\"board\":\"a\",\"entity\":\"p\",\"value\":9007199254740993}|invalid_value",
            "{\"board\":\"a\",\"entity\":\"p\",\"value\":123456789012345678901234567890}|invalid_value",
            "{\"board\":\"a\",\"entity\":\"p\",\"value\":1,\"ts\":\"yesterday\"}|invalid_ts",
            "{\"board\":\"a\",\"entity\":\"p\",\"value\":1,\"ts\":\"2026-11-21\"}|invalid_ts",
    })
    void rejectsWithAReason(String json, String reason) {
        ParsedRecord parsed = parse(null, json);
        assertThat(parsed).isInstanceOf(ParsedRecord.Rejected.class);
        assertThat(((ParsedRecord.Rejected) parsed).reason().code()).isEqualTo(reason);
        assertThat(((ParsedRecord.Rejected) parsed).detail()).isNotBlank();
    }

    @Test
    void rejectsAnEmptyOrMissingValue() {
        assertThat(rejection(parse("a/p", null))).isEqualTo(RejectReason.MALFORMED_JSON);
        assertThat(rejection(parse("a/p", ""))).isEqualTo(RejectReason.MALFORMED_JSON);
    }

    @Test
    void rejectsInvalidUtf8() {
        byte[] bad = {'{', '"', 'b', '"', ':', '"', (byte) 0xC3, (byte) 0x28, '"', '}'};
        assertThat(rejection(parser.parse(null, bad, RECORD_TS))).isEqualTo(RejectReason.MALFORMED_JSON);
    }

    @Test
    void rejectsOversizedRecords() {
        String big = "{\"board\":\"a\",\"entity\":\"p\",\"value\":1,\"pad\":\"" + "x".repeat(2000) + "\"}";
        assertThat(rejection(parse(null, big))).isEqualTo(RejectReason.TOO_LARGE);
    }

    @Test
    void rejectsAnEntityIdLongerThan128() {
        String json = "{\"board\":\"a\",\"entity\":\"" + "e".repeat(129) + "\",\"value\":1}";
        assertThat(rejection(parse(null, json))).isEqualTo(RejectReason.INVALID_ENTITY);
        String ok = "{\"board\":\"a\",\"entity\":\"" + "é".repeat(128) + "\",\"value\":1}";
        assertThat(parse("a/" + "é".repeat(128), ok)).isInstanceOf(ParsedRecord.Valid.class);
    }

    @Test
    void theKeyMustMatchTheEvent() {
        String json = "{\"board\":\"arena\",\"entity\":\"p1\",\"value\":1,\"id\":\"e-7\"}";
        assertThat(parse("arena/p1", json)).isInstanceOf(ParsedRecord.Valid.class);
        ParsedRecord mismatch = parse("arena/p2", json);
        assertThat(rejection(mismatch)).isEqualTo(RejectReason.KEY_MISMATCH);
        assertThat(((ParsedRecord.Rejected) mismatch).eventId()).isEqualTo("e-7");
        assertThat(rejection(parse(null, json))).isEqualTo(RejectReason.MISSING_KEY);
    }

    private static RejectReason rejection(ParsedRecord parsed) {
        assertThat(parsed).isInstanceOf(ParsedRecord.Rejected.class);
        return ((ParsedRecord.Rejected) parsed).reason();
    }
}
