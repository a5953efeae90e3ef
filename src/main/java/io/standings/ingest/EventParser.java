package io.standings.ingest;

import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import io.standings.board.Ids;
import io.standings.board.Operation;
import java.io.IOException;
import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.format.DateTimeParseException;

/**
 * Turns the key and value bytes of one Kafka record into a {@link ScoreEvent} or a {@link RejectReason}.
 * Pure and thread-safe: it never throws for bad input, so one bad record can never fail a batch.
 */
public final class EventParser {

    /** Integers are exact in a double up to 2^53; an integer literal beyond that is rejected, not rounded. */
    static final BigInteger MAX_EXACT_INTEGER = BigInteger.TWO.pow(53);

    /** Strict: trailing garbage and duplicate fields are errors, not silently ignored. */
    private static final ObjectMapper MAPPER = JsonMapper.builder()
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
            .build();

    private final int maxRecordBytes;

    public EventParser(int maxRecordBytes) {
        this.maxRecordBytes = maxRecordBytes;
    }

    public ParsedRecord parse(byte[] key, byte[] value, long recordTimestamp) {
        if (value == null || value.length == 0) {
            return reject(RejectReason.MALFORMED_JSON, "the record has no value", null);
        }
        if (value.length > maxRecordBytes) {
            return reject(RejectReason.TOO_LARGE,
                    "the value has " + value.length + " bytes, more than the limit of " + maxRecordBytes, null);
        }
        JsonNode root;
        try {
            root = MAPPER.readTree(strictUtf8(value));
        } catch (CharacterCodingException e) {
            return reject(RejectReason.MALFORMED_JSON, "the value is not valid UTF-8", null);
        } catch (JsonProcessingException e) {
            return reject(RejectReason.MALFORMED_JSON, "the value is not JSON: " + e.getOriginalMessage(), null);
        } catch (IOException e) {
            return reject(RejectReason.MALFORMED_JSON, "the value could not be read: " + e.getMessage(), null);
        }
        if (root == null || !root.isObject()) {
            return reject(RejectReason.NOT_AN_OBJECT, "the value is JSON but not an object", null);
        }
        String id = root.path("id").isTextual() ? root.get("id").asText() : null;

        JsonNode boardNode = root.get("board");
        if (boardNode == null || boardNode.isNull()) {
            return reject(RejectReason.MISSING_FIELD, "field 'board' is required", id);
        }
        if (!boardNode.isTextual()) {
            return reject(RejectReason.WRONG_TYPE, "field 'board' must be a string", id);
        }
        String board = boardNode.asText();
        if (!Ids.isValidBoard(board)) {
            return reject(RejectReason.INVALID_BOARD, Ids.describeBoardRule(), id);
        }

        JsonNode entityNode = root.get("entity");
        if (entityNode == null || entityNode.isNull()) {
            return reject(RejectReason.MISSING_FIELD, "field 'entity' is required", id);
        }
        if (!entityNode.isTextual()) {
            return reject(RejectReason.WRONG_TYPE, "field 'entity' must be a string", id);
        }
        String entity = entityNode.asText();
        if (!Ids.isValidEntity(entity)) {
            return reject(RejectReason.INVALID_ENTITY, Ids.describeEntityRule(), id);
        }

        Operation op = null;
        JsonNode opNode = root.get("op");
        if (opNode != null && !opNode.isNull()) {
            if (!opNode.isTextual()) {
                return reject(RejectReason.WRONG_TYPE, "field 'op' must be a string", id);
            }
            op = Operation.fromWire(opNode.asText()).orElse(null);
            if (op == null) {
                return reject(RejectReason.INVALID_OP, "field 'op' must be one of set, incr, best, remove", id);
            }
        }

        double value0 = 0;
        JsonNode valueNode = root.get("value");
        if (op != Operation.REMOVE) {
            if (valueNode == null || valueNode.isNull()) {
                return reject(RejectReason.MISSING_FIELD, "field 'value' is required", id);
            }
            if (!valueNode.isNumber()) {
                return reject(RejectReason.WRONG_TYPE, "field 'value' must be a number", id);
            }
            if (valueNode.isIntegralNumber() && valueNode.bigIntegerValue().abs().compareTo(MAX_EXACT_INTEGER) > 0) {
                return reject(RejectReason.INVALID_VALUE, "an integer 'value' must be within ±2^53 to be exact", id);
            }
            value0 = valueNode.doubleValue();
            if (!Double.isFinite(value0)) {
                return reject(RejectReason.INVALID_VALUE, "field 'value' must be a finite number", id);
            }
            if (value0 == 0d) {
                value0 = 0d; // -0.0 and 0.0 are the same score
            }
        }

        long timestamp = recordTimestamp;
        JsonNode tsNode = root.get("ts");
        if (tsNode != null && !tsNode.isNull()) {
            if (!tsNode.isTextual()) {
                return reject(RejectReason.WRONG_TYPE, "field 'ts' must be an ISO-8601 string", id);
            }
            try {
                timestamp = IsoInstant.parseMillis(tsNode.asText());
            } catch (DateTimeParseException | ArithmeticException e) {
                return reject(RejectReason.INVALID_TS, "field 'ts' must be an ISO-8601 instant such as 2026-11-21T10:00:00Z", id);
            }
        }

        // The key decides the partition: all events of an entity must land in one partition, in order,
        // for per-entity ordering and for the exactly-once bookkeeping, which is per partition.
        if (key == null) {
            return reject(RejectReason.MISSING_KEY, "the record key must be '<board>/<entity>' of the event", id);
        }
        if (!(board + "/" + entity).equals(new String(key, StandardCharsets.UTF_8))) {
            return reject(RejectReason.KEY_MISMATCH, "the record key must be '<board>/<entity>' of the event", id);
        }
        return new ParsedRecord.Valid(new ScoreEvent(id, board, entity, op, value0, timestamp));
    }

    private static String strictUtf8(byte[] bytes) throws CharacterCodingException {
        return StandardCharsets.UTF_8.newDecoder()
                .onMalformedInput(CodingErrorAction.REPORT)
                .onUnmappableCharacter(CodingErrorAction.REPORT)
                .decode(ByteBuffer.wrap(bytes))
                .toString();
    }

    private static ParsedRecord reject(RejectReason reason, String detail, String eventId) {
        return new ParsedRecord.Rejected(reason, detail, eventId);
    }
}
