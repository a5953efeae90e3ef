package io.standings.ingest;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.core.util.JsonRecyclerPools;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import io.standings.core.board.Ids;
import io.standings.core.board.Operation;
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
    private static final long MAX_EXACT_LONG = 1L << 53;

    /** Strict: trailing garbage and duplicate fields are errors, not silently ignored. */
    private static final ObjectMapper MAPPER = JsonMapper.builder()
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
            .build();

    /**
     * The streaming fast path's parser factory: the same strictness (duplicate fields are errors; trailing
     * tokens are checked by hand), and no per-thread buffer recycling (the event loop's ThreadLocal map is
     * crowded; a small shared pool is cheaper to reach).
     */
    private static final JsonFactory FACTORY = JsonFactory.builder()
            .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
            .recyclerPool(JsonRecyclerPools.newConcurrentDequePool())
            .build();

    /**
     * The event times every board can represent: their period keys have four-digit years in every time zone
     * (±18 h), which the period code, PostgreSQL and the API all read back.
     */
    static final long MIN_TIMESTAMP = Instant.parse("0001-01-02T00:00:00Z").toEpochMilli();
    static final long MAX_TIMESTAMP = Instant.parse("9999-12-30T23:59:59.999Z").toEpochMilli();

    private final int maxRecordBytes;
    private final long maxFutureSkewMillis;
    /** Board ids already seen valid: the parser hands out the same String instead of a new one per event. */
    private final BoardNames boardNames = new BoardNames();

    /** A parser with no limit on how far an event's {@code ts} may be ahead of its record (tests). */
    public EventParser(int maxRecordBytes) {
        this(maxRecordBytes, Long.MAX_VALUE);
    }

    /**
     * @param maxFutureSkewMillis how far an event's {@code ts} may be ahead of the time its record was produced
     */
    public EventParser(int maxRecordBytes, long maxFutureSkewMillis) {
        this.maxRecordBytes = maxRecordBytes;
        this.maxFutureSkewMillis = maxFutureSkewMillis;
    }

    /**
     * The event's time, judged against what every board can represent and against the time its record was
     * produced (not the wall clock: a replay judges a record exactly as the first reading did). An event from
     * the future would open future periods and, on a decaying board, outweigh every honest event.
     */
    private ParsedRecord judgeTime(long timestamp, long recordTimestamp, String id) {
        if (timestamp < MIN_TIMESTAMP || timestamp > MAX_TIMESTAMP) {
            return reject(RejectReason.TS_OUT_OF_RANGE, "the event time " + Instant.ofEpochMilli(timestamp)
                    + " is outside 0001-01-02T00:00:00Z..9999-12-30T23:59:59.999Z", id);
        }
        if (recordTimestamp >= 0 && timestamp - recordTimestamp > maxFutureSkewMillis) {
            return reject(RejectReason.TS_IN_FUTURE, "the event time " + Instant.ofEpochMilli(timestamp) + " is more than "
                    + java.time.Duration.ofMillis(maxFutureSkewMillis) + " after its record was produced ("
                    + Instant.ofEpochMilli(recordTimestamp) + "; standings.ingest.max-future-skew)", id);
        }
        return null;
    }

    public ParsedRecord parse(byte[] key, byte[] value, long recordTimestamp) {
        if (value == null || value.length == 0) {
            return reject(RejectReason.MALFORMED_JSON, "the record has no value", null);
        }
        if (value.length > maxRecordBytes) {
            return reject(RejectReason.TOO_LARGE,
                    "the value has " + value.length + " bytes, more than the limit of " + maxRecordBytes, null);
        }
        if (isAscii(value)) {
            ParsedRecord fast = parseFast(key, value, recordTimestamp);
            if (fast != null) {
                return fast;
            }
        }
        return parseTree(key, value, recordTimestamp);
    }

    /**
     * The usual record: an ASCII JSON object whose known fields hold scalars. Read token by token (no tree,
     * no String for the board), then checked in exactly the order of {@link #parseTree}. Returns null for
     * anything else (malformed JSON, another root, a structured value in a known field), which
     * {@link #parseTree} then answers, so both paths accept and reject the same records for the same reasons.
     */
    private ParsedRecord parseFast(byte[] key, byte[] value, long recordTimestamp) {
        String id = null;
        JsonToken boardTok = null, entityTok = null, opTok = null, valueTok = null, tsTok = null;
        String board = null, entity = null, opText = null, tsText = null;
        boolean boardValid = false;
        boolean bigInteger = false;
        double number = 0;
        try (JsonParser p = FACTORY.createParser(value)) {
            if (p.nextToken() != JsonToken.START_OBJECT) {
                return null;
            }
            JsonToken t;
            while ((t = p.nextToken()) == JsonToken.FIELD_NAME) {
                String name = p.currentName();
                JsonToken v = p.nextToken();
                if (v == JsonToken.START_OBJECT || v == JsonToken.START_ARRAY) {
                    if (name.equals("id") || name.equals("board") || name.equals("entity") || name.equals("op")
                            || name.equals("value") || name.equals("ts")) {
                        return null;
                    }
                    p.skipChildren();
                    continue;
                }
                switch (name) {
                    case "id" -> id = v == JsonToken.VALUE_STRING ? p.getText() : null;
                    case "board" -> {
                        boardTok = v;
                        if (v == JsonToken.VALUE_STRING) {
                            board = boardNames.lookup(p.getTextCharacters(), p.getTextOffset(), p.getTextLength());
                            boardValid = board != null;
                            if (board == null) {
                                board = p.getText();
                            }
                        }
                    }
                    case "entity" -> {
                        entityTok = v;
                        entity = v == JsonToken.VALUE_STRING ? p.getText() : null;
                    }
                    case "op" -> {
                        opTok = v;
                        opText = v == JsonToken.VALUE_STRING ? p.getText() : null;
                    }
                    case "value" -> {
                        valueTok = v;
                        if (v == JsonToken.VALUE_NUMBER_INT) {
                            if (p.getNumberType() == JsonParser.NumberType.BIG_INTEGER) {
                                bigInteger = p.getBigIntegerValue().abs().compareTo(MAX_EXACT_INTEGER) > 0;
                                number = p.getDoubleValue();
                            } else {
                                long l = p.getLongValue();
                                bigInteger = l > MAX_EXACT_LONG || l < -MAX_EXACT_LONG;
                                number = (double) l;
                            }
                        } else if (v == JsonToken.VALUE_NUMBER_FLOAT) {
                            number = p.getDoubleValue();
                        }
                    }
                    case "ts" -> {
                        tsTok = v;
                        tsText = v == JsonToken.VALUE_STRING ? p.getText() : null;
                    }
                    default -> {
                        // other fields are allowed and ignored
                    }
                }
            }
            if (t != JsonToken.END_OBJECT || p.nextToken() != null) {
                return null;
            }
        } catch (IOException | RuntimeException e) {
            return null;
        }

        if (boardTok == null || boardTok == JsonToken.VALUE_NULL) {
            return reject(RejectReason.MISSING_FIELD, "field 'board' is required", id);
        }
        if (boardTok != JsonToken.VALUE_STRING) {
            return reject(RejectReason.WRONG_TYPE, "field 'board' must be a string", id);
        }
        if (!boardValid) {
            if (!Ids.isValidBoard(board)) {
                return reject(RejectReason.INVALID_BOARD, Ids.describeBoardRule(), id);
            }
            board = boardNames.remember(board);
        }
        if (entityTok == null || entityTok == JsonToken.VALUE_NULL) {
            return reject(RejectReason.MISSING_FIELD, "field 'entity' is required", id);
        }
        if (entityTok != JsonToken.VALUE_STRING) {
            return reject(RejectReason.WRONG_TYPE, "field 'entity' must be a string", id);
        }
        if (!Ids.isValidEntity(entity)) {
            return reject(RejectReason.INVALID_ENTITY, Ids.describeEntityRule(), id);
        }
        Operation op = null;
        if (opTok != null && opTok != JsonToken.VALUE_NULL) {
            if (opTok != JsonToken.VALUE_STRING) {
                return reject(RejectReason.WRONG_TYPE, "field 'op' must be a string", id);
            }
            op = Operation.fromWire(opText).orElse(null);
            if (op == null) {
                return reject(RejectReason.INVALID_OP, "field 'op' must be one of set, incr, best, remove", id);
            }
        }
        double value0 = 0;
        if (op != Operation.REMOVE) {
            if (valueTok == null || valueTok == JsonToken.VALUE_NULL) {
                return reject(RejectReason.MISSING_FIELD, "field 'value' is required", id);
            }
            if (valueTok != JsonToken.VALUE_NUMBER_INT && valueTok != JsonToken.VALUE_NUMBER_FLOAT) {
                return reject(RejectReason.WRONG_TYPE, "field 'value' must be a number", id);
            }
            if (bigInteger) {
                return reject(RejectReason.INVALID_VALUE, "an integer 'value' must be within ±2^53 to be exact", id);
            }
            value0 = number;
            if (!Double.isFinite(value0)) {
                return reject(RejectReason.INVALID_VALUE, "field 'value' must be a finite number", id);
            }
            if (value0 == 0d) {
                value0 = 0d; // -0.0 and 0.0 are the same score
            }
        }
        long timestamp = recordTimestamp;
        if (tsTok != null && tsTok != JsonToken.VALUE_NULL) {
            if (tsTok != JsonToken.VALUE_STRING) {
                return reject(RejectReason.WRONG_TYPE, "field 'ts' must be an ISO-8601 string", id);
            }
            try {
                timestamp = IsoInstant.parseMillis(tsText);
            } catch (DateTimeParseException | ArithmeticException e) {
                return reject(RejectReason.INVALID_TS, "field 'ts' must be an ISO-8601 instant such as 2026-11-21T10:00:00Z", id);
            }
        }
        ParsedRecord badTime = judgeTime(timestamp, recordTimestamp, id);
        if (badTime != null) {
            return badTime;
        }
        if (key == null) {
            return reject(RejectReason.MISSING_KEY, "the record key must be '<board>/<entity>' of the event", id);
        }
        if (!keyMatches(key, board, entity)) {
            return reject(RejectReason.KEY_MISMATCH, "the record key must be '<board>/<entity>' of the event", id);
        }
        return new ParsedRecord.Valid(new ScoreEvent(id, board, entity, op, value0, timestamp, recordTimestamp));
    }

    /** Whether the key is "board/entity", compared without building either string. */
    static boolean keyMatches(byte[] key, String board, String entity) {
        int b = board.length();
        int n = b + 1 + entity.length();
        if (key.length != n) {
            return !isAscii(key) && (board + "/" + entity).equals(new String(key, StandardCharsets.UTF_8));
        }
        for (int i = 0; i < n; i++) {
            int k = key[i];
            if (k < 0) {
                return (board + "/" + entity).equals(new String(key, StandardCharsets.UTF_8));
            }
            char c = i < b ? board.charAt(i) : i == b ? '/' : entity.charAt(i - b - 1);
            if (k != c) {
                return false;
            }
        }
        return true;
    }

    private static boolean isAscii(byte[] bytes) {
        for (byte b : bytes) {
            if (b < 0) {
                return false;
            }
        }
        return true;
    }

    /** The general path: the whole value as a tree, strict UTF-8. */
    private ParsedRecord parseTree(byte[] key, byte[] value, long recordTimestamp) {
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
        ParsedRecord badTime = judgeTime(timestamp, recordTimestamp, id);
        if (badTime != null) {
            return badTime;
        }

        // The key decides the partition: all events of an entity must land in one partition, in order,
        // for per-entity ordering and for the exactly-once bookkeeping, which is per partition.
        if (key == null) {
            return reject(RejectReason.MISSING_KEY, "the record key must be '<board>/<entity>' of the event", id);
        }
        if (!(board + "/" + entity).equals(new String(key, StandardCharsets.UTF_8))) {
            return reject(RejectReason.KEY_MISMATCH, "the record key must be '<board>/<entity>' of the event", id);
        }
        return new ParsedRecord.Valid(new ScoreEvent(id, board, entity, op, value0, timestamp, recordTimestamp));
    }

    /**
     * Valid board ids seen so far (at most {@link #MAX}), looked up by the parser's characters. Copy on
     * write: readers never lock.
     */
    static final class BoardNames {
        private static final int MAX = 256;
        private volatile String[] names = new String[0];

        String lookup(char[] chars, int offset, int length) {
            for (String name : names) {
                if (name.length() == length && regionEquals(name, chars, offset, length)) {
                    return name;
                }
            }
            return null;
        }

        synchronized String remember(String name) {
            String[] current = names;
            for (String known : current) {
                if (known.equals(name)) {
                    return known;
                }
            }
            if (current.length < MAX) {
                String[] grown = java.util.Arrays.copyOf(current, current.length + 1);
                grown[current.length] = name;
                names = grown;
            }
            return name;
        }

        private static boolean regionEquals(String name, char[] chars, int offset, int length) {
            for (int i = 0; i < length; i++) {
                if (name.charAt(i) != chars[offset + i]) {
                    return false;
                }
            }
            return true;
        }
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
