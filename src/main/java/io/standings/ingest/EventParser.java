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
        Object read = isAscii(value) ? readFast(value) : null;
        if (read == null) {
            read = readTree(value);
        }
        return read instanceof Fields fields ? validate(fields, key, recordTimestamp) : (ParsedRecord) read;
    }

    /** The JSON type of a field as the record gave it. */
    enum Kind { ABSENT, NULL, STRING, INTEGER, FLOAT, STRUCTURE, OTHER }

    /**
     * What a record's JSON said about the fields Standings reads, before any rule is applied: both ways of
     * reading a record fill one of these, and {@link #validate} judges it.
     */
    static final class Fields {
        String id;
        Kind board = Kind.ABSENT;
        String boardText;
        /** The board id is one the parser has seen valid already (its String is the shared one). */
        boolean boardKnownValid;
        Kind entity = Kind.ABSENT;
        String entityText;
        Kind op = Kind.ABSENT;
        String opText;
        Kind value = Kind.ABSENT;
        double number;
        /** An integer literal beyond ±2^53, which a double cannot hold exactly. */
        boolean inexactInteger;
        Kind ts = Kind.ABSENT;
        String tsText;
    }

    /**
     * The usual record: an ASCII JSON object whose known fields hold scalars, read token by token (no tree, no
     * String for a board seen before). Returns null for anything else (malformed JSON, another root, a structured
     * value in a known field), which {@link #readTree} then reads, so both ways fill the same {@link Fields} and
     * records are accepted and rejected by {@link #validate} alone.
     */
    private Fields readFast(byte[] value) {
        Fields f = new Fields();
        try (JsonParser p = FACTORY.createParser(value)) {
            if (p.nextToken() != JsonToken.START_OBJECT) {
                return null;
            }
            JsonToken t;
            while ((t = p.nextToken()) == JsonToken.FIELD_NAME) {
                String name = p.currentName();
                JsonToken v = p.nextToken();
                if (v == JsonToken.START_OBJECT || v == JsonToken.START_ARRAY) {
                    if (isKnown(name)) {
                        return null;
                    }
                    p.skipChildren();
                    continue;
                }
                Kind kind = kind(v);
                switch (name) {
                    case "id" -> f.id = v == JsonToken.VALUE_STRING ? p.getText() : null;
                    case "board" -> {
                        f.board = kind;
                        if (kind == Kind.STRING) {
                            f.boardText = boardNames.lookup(p.getTextCharacters(), p.getTextOffset(), p.getTextLength());
                            f.boardKnownValid = f.boardText != null;
                            if (f.boardText == null) {
                                f.boardText = p.getText();
                            }
                        }
                    }
                    case "entity" -> {
                        f.entity = kind;
                        f.entityText = kind == Kind.STRING ? p.getText() : null;
                    }
                    case "op" -> {
                        f.op = kind;
                        f.opText = kind == Kind.STRING ? p.getText() : null;
                    }
                    case "value" -> {
                        f.value = kind;
                        if (kind == Kind.INTEGER) {
                            if (p.getNumberType() == JsonParser.NumberType.BIG_INTEGER) {
                                f.inexactInteger = p.getBigIntegerValue().abs().compareTo(MAX_EXACT_INTEGER) > 0;
                                f.number = p.getDoubleValue();
                            } else {
                                long l = p.getLongValue();
                                f.inexactInteger = l > MAX_EXACT_LONG || l < -MAX_EXACT_LONG;
                                f.number = (double) l;
                            }
                        } else if (kind == Kind.FLOAT) {
                            f.number = p.getDoubleValue();
                        }
                    }
                    case "ts" -> {
                        f.ts = kind;
                        f.tsText = kind == Kind.STRING ? p.getText() : null;
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
        return f;
    }

    private static boolean isKnown(String name) {
        return switch (name) {
            case "id", "board", "entity", "op", "value", "ts" -> true;
            default -> false;
        };
    }

    private static Kind kind(JsonToken v) {
        return switch (v) {
            case VALUE_NULL -> Kind.NULL;
            case VALUE_STRING -> Kind.STRING;
            case VALUE_NUMBER_INT -> Kind.INTEGER;
            case VALUE_NUMBER_FLOAT -> Kind.FLOAT;
            case START_OBJECT, START_ARRAY -> Kind.STRUCTURE;
            default -> Kind.OTHER;
        };
    }

    /** Any record: the whole value as a tree, strict UTF-8; a rejection when it is not a JSON object. */
    private Object readTree(byte[] value) {
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
        Fields f = new Fields();
        f.id = root.path("id").isTextual() ? root.get("id").asText() : null;
        f.board = kind(root.get("board"));
        f.boardText = f.board == Kind.STRING ? root.get("board").asText() : null;
        f.entity = kind(root.get("entity"));
        f.entityText = f.entity == Kind.STRING ? root.get("entity").asText() : null;
        f.op = kind(root.get("op"));
        f.opText = f.op == Kind.STRING ? root.get("op").asText() : null;
        JsonNode v = root.get("value");
        f.value = kind(v);
        if (f.value == Kind.INTEGER) {
            f.inexactInteger = v.bigIntegerValue().abs().compareTo(MAX_EXACT_INTEGER) > 0;
        }
        if (f.value == Kind.INTEGER || f.value == Kind.FLOAT) {
            f.number = v.doubleValue();
        }
        f.ts = kind(root.get("ts"));
        f.tsText = f.ts == Kind.STRING ? root.get("ts").asText() : null;
        return f;
    }

    private static Kind kind(JsonNode node) {
        if (node == null) {
            return Kind.ABSENT;
        }
        if (node.isNull()) {
            return Kind.NULL;
        }
        if (node.isTextual()) {
            return Kind.STRING;
        }
        if (node.isIntegralNumber()) {
            return Kind.INTEGER;
        }
        if (node.isNumber()) {
            return Kind.FLOAT;
        }
        return node.isContainerNode() ? Kind.STRUCTURE : Kind.OTHER;
    }

    /** Every rule of a record's form, in the order of the reasons' precedence, with the one message of each. */
    private ParsedRecord validate(Fields f, byte[] key, long recordTimestamp) {
        String id = f.id;
        if (f.board == Kind.ABSENT || f.board == Kind.NULL) {
            return reject(RejectReason.MISSING_FIELD, "field 'board' is required", id);
        }
        if (f.board != Kind.STRING) {
            return reject(RejectReason.WRONG_TYPE, "field 'board' must be a string", id);
        }
        String board = f.boardText;
        if (!f.boardKnownValid) {
            if (!Ids.isValidBoard(board)) {
                return reject(RejectReason.INVALID_BOARD, Ids.describeBoardRule(), id);
            }
            board = boardNames.remember(board);
        }
        if (f.entity == Kind.ABSENT || f.entity == Kind.NULL) {
            return reject(RejectReason.MISSING_FIELD, "field 'entity' is required", id);
        }
        if (f.entity != Kind.STRING) {
            return reject(RejectReason.WRONG_TYPE, "field 'entity' must be a string", id);
        }
        String entity = f.entityText;
        if (!Ids.isValidEntity(entity)) {
            return reject(RejectReason.INVALID_ENTITY, Ids.describeEntityRule(), id);
        }
        Operation op = null;
        if (f.op != Kind.ABSENT && f.op != Kind.NULL) {
            if (f.op != Kind.STRING) {
                return reject(RejectReason.WRONG_TYPE, "field 'op' must be a string", id);
            }
            op = Operation.fromWire(f.opText).orElse(null);
            if (op == null) {
                return reject(RejectReason.INVALID_OP, "field 'op' must be one of " + Operation.wireNames(), id);
            }
        }
        double value = 0;
        if (op != Operation.REMOVE) {
            if (f.value == Kind.ABSENT || f.value == Kind.NULL) {
                return reject(RejectReason.MISSING_FIELD, "field 'value' is required", id);
            }
            if (f.value != Kind.INTEGER && f.value != Kind.FLOAT) {
                return reject(RejectReason.WRONG_TYPE, "field 'value' must be a number", id);
            }
            if (f.inexactInteger) {
                return reject(RejectReason.INVALID_VALUE, "an integer 'value' must be within ±2^53 to be exact", id);
            }
            value = f.number;
            if (!Double.isFinite(value)) {
                return reject(RejectReason.INVALID_VALUE, "field 'value' must be a finite number", id);
            }
            if (value == 0d) {
                value = 0d; // -0.0 and 0.0 are the same score
            }
        }
        long timestamp = recordTimestamp;
        if (f.ts != Kind.ABSENT && f.ts != Kind.NULL) {
            if (f.ts != Kind.STRING) {
                return reject(RejectReason.WRONG_TYPE, "field 'ts' must be an ISO-8601 string", id);
            }
            try {
                timestamp = IsoInstant.parseMillis(f.tsText);
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
        if (!keyMatches(key, board, entity)) {
            return reject(RejectReason.KEY_MISMATCH, "the record key must be '<board>/<entity>' of the event", id);
        }
        return new ParsedRecord.Valid(new ScoreEvent(id, board, entity, op, value, timestamp, recordTimestamp));
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
