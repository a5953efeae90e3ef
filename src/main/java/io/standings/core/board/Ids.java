package io.standings.core.board;

import io.standings.core.index.KeyChecks;

import java.util.regex.Pattern;

/**
 * The identifier rules of the interface contract (docs/api.md), shared by the REST layer and ingest
 * so a bad id is rejected the same way everywhere: a 400 on REST, a DLQ record on Kafka.
 */
public final class Ids {

    /** The longest entity id, in code points: the index's own limit. */
    public static final int MAX_ENTITY_LENGTH = KeyChecks.MAX_ENTITY_CODE_POINTS;

    private static final Pattern BOARD = Pattern.compile("^[a-z0-9][a-z0-9_.-]{0,63}$");

    private Ids() {
    }

    public static boolean isValidBoard(String board) {
        return board != null && BOARD.matcher(board).matches();
    }

    /** 1–{@value #MAX_ENTITY_LENGTH} characters (code points), printable, no '/', no control characters. */
    public static boolean isValidEntity(String entity) {
        if (entity == null || entity.isEmpty()) {
            return false;
        }
        if (isPlainAscii(entity)) {
            return true;
        }
        int count = 0;
        for (int i = 0; i < entity.length();) {
            int cp = entity.codePointAt(i);
            if (cp == '/' || Character.isISOControl(cp) || !isPrintable(cp)) {
                return false;
            }
            if (++count > MAX_ENTITY_LENGTH) {
                return false;
            }
            i += Character.charCount(cp);
        }
        return true;
    }

    /** The common case, decided without Unicode tables: printable ASCII characters only, no '/'. */
    private static boolean isPlainAscii(String entity) {
        return KeyChecks.isPrintableAscii(entity) && entity.indexOf('/') < 0;
    }

    /** Space is printable; other white space, format, private-use and unassigned code points are not. */
    private static boolean isPrintable(int cp) {
        if (cp == ' ') {
            return true;
        }
        int type = Character.getType(cp);
        return !Character.isWhitespace(cp)
                && type != Character.UNASSIGNED
                && type != Character.SURROGATE
                && type != Character.PRIVATE_USE
                && type != Character.FORMAT
                && type != Character.LINE_SEPARATOR
                && type != Character.PARAGRAPH_SEPARATOR;
    }

    public static String describeBoardRule() {
        return "a board id matches ^[a-z0-9][a-z0-9_.-]{0,63}$";
    }

    public static String describeEntityRule() {
        return "an entity id is 1-" + MAX_ENTITY_LENGTH + " printable characters without '/' or control characters";
    }
}
