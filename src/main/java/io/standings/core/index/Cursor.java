package io.standings.core.index;

import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.zip.CRC32;

/**
 * Keyset cursor: the full key (score, reachedAt, entity) of the last entry of a page. The next
 * page starts strictly after this key, so entries whose key did not change are neither skipped
 * nor repeated while other entries move.
 *
 * <p>Wire format, base64url without padding: version byte {@code 1}, order byte ({@code 0} DESC,
 * {@code 1} ASC), 8 bytes IEEE-754 score, 8 bytes reachedAt (big-endian), the entity id in UTF-8,
 * then a 4-byte CRC32 of everything before it. Anything else is rejected with
 * {@link IllegalArgumentException}.
 */
public record Cursor(Order order, double score, long reachedAt, String entity) {
    private static final byte VERSION = 1;
    private static final int FIXED = 1 + 1 + 8 + 8;
    private static final int CRC = 4;

    public Cursor {
        if (order == null) {
            throw new IllegalArgumentException("order is null");
        }
        KeyChecks.checkEntity(entity);
        score = KeyChecks.checkScore(score);
    }

    /** The cursor that continues after {@code last}. */
    public static Cursor after(Order order, Ranked last) {
        return new Cursor(order, last.score(), last.reachedAt(), last.entity());
    }

    /** Opaque URL-safe form. */
    public String encode() {
        byte[] id = entity.getBytes(StandardCharsets.UTF_8);
        ByteBuffer buf = ByteBuffer.allocate(FIXED + id.length + CRC);
        buf.put(VERSION).put((byte) order.ordinal()).putDouble(score).putLong(reachedAt).put(id);
        CRC32 crc = new CRC32();
        crc.update(buf.array(), 0, buf.position());
        buf.putInt((int) crc.getValue());
        return Base64.getUrlEncoder().withoutPadding().encodeToString(buf.array());
    }

    /**
     * Parses a cursor produced by {@link #encode()} for a board of the given order.
     *
     * @throws IllegalArgumentException if the text is not such a cursor
     */
    public static Cursor decode(String text, Order expected) {
        if (text == null || text.isEmpty()) {
            throw new IllegalArgumentException("cursor is empty");
        }
        if (text.length() > 1024) {
            throw new IllegalArgumentException("cursor too long");
        }
        byte[] raw;
        try {
            raw = Base64.getUrlDecoder().decode(text);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("cursor is not base64url", e);
        }
        if (raw.length < FIXED + 1 + CRC) {
            throw new IllegalArgumentException("cursor too short");
        }
        ByteBuffer buf = ByteBuffer.wrap(raw);
        CRC32 crc = new CRC32();
        crc.update(raw, 0, raw.length - CRC);
        if (buf.getInt(raw.length - CRC) != (int) crc.getValue()) {
            throw new IllegalArgumentException("cursor checksum mismatch");
        }
        if (buf.get() != VERSION) {
            throw new IllegalArgumentException("unknown cursor version");
        }
        int ord = buf.get();
        if (ord != expected.ordinal()) {
            throw new IllegalArgumentException("cursor belongs to a board of another order");
        }
        double score = buf.getDouble();
        long reachedAt = buf.getLong();
        String entity;
        try {
            entity = StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(raw, FIXED, raw.length - FIXED - CRC)).toString();
        } catch (CharacterCodingException e) {
            throw new IllegalArgumentException("cursor entity is not UTF-8", e);
        }
        if (Double.isNaN(score) || Double.isInfinite(score) || Double.doubleToRawLongBits(score) == Long.MIN_VALUE) {
            throw new IllegalArgumentException("cursor score is not a normalized finite number");
        }
        return new Cursor(expected, score, reachedAt, entity);
    }
}
