package io.standings.state;


import io.standings.core.index.Order;
import io.standings.core.index.RankIndex;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.List;

/**
 * One board period copied out of memory in rank order into primitive arrays (position i = ordinal rank
 * i + 1), with the competition and dense ranks of a few sample positions for the drift audit.
 */
public final class PeriodSnapshot {

    static final int SAMPLES = 8;
    /** The most bytes of ids one snapshot holds (the largest array a JVM allocates, with some margin). */
    static final int MAX_ID_BYTES = Integer.MAX_VALUE - 16;

    private final String boardPeriod;
    private final String board;
    private final String period;
    private final Order order;
    private int size;
    /**
     * The ids in rank order as UTF-8, each followed by a line feed: a few large arrays instead of a
     * String per entry, so a snapshot that lives through young collections is not copied by them, and
     * a run of ids is already the newline-joined text the stage reads ({@link #joinedEntities}).
     */
    private byte[] ids;
    /** End (exclusive, before its line feed) of the i-th id in {@link #ids}. */
    private int[] idEnd;
    private double[] scores;
    private long[] reachedAt;
    /** 0-based sample positions, ascending, and the ranks the index gave them. */
    private final long[] samplePositions;
    private final long[] sampleCompetition;
    private final long[] sampleDense;

    /** An entry at a sample position, with the competition and dense ranks the index gave it. */
    public record Sample(int position, long competitionRank, long denseRank) {
        public long ordinalRank() {
            return position + 1L;
        }
    }

    private PeriodSnapshot(String boardPeriod, Order order, int capacity) {
        this.boardPeriod = boardPeriod;
        int at = boardPeriod.indexOf('@');
        this.board = boardPeriod.substring(0, at);
        this.period = boardPeriod.substring(at + 1);
        this.order = order;
        this.ids = new byte[(int) Math.min(MAX_ID_BYTES, Math.max(16, capacity * 20L))];
        this.idEnd = new int[capacity];
        this.scores = new double[capacity];
        this.reachedAt = new long[capacity];
        this.samplePositions = samplePositions(capacity);
        this.sampleCompetition = new long[samplePositions.length];
        this.sampleDense = new long[samplePositions.length];
    }

    /** Copies the index; the caller holds the SnapshotGate so no batch changes it meanwhile. */
    public static PeriodSnapshot copy(String boardPeriod, RankIndex index) {
        PeriodSnapshot s = new PeriodSnapshot(boardPeriod, index.order(), (int) index.size());
        index.forEachInOrderUtf8((id, idOffset, idLength, score, reached, ordinal, competition, dense) -> {
            int i = s.size;
            if (i == s.idEnd.length) {
                int grown = Math.max(16, i * 2);
                s.idEnd = Arrays.copyOf(s.idEnd, grown);
                s.scores = Arrays.copyOf(s.scores, grown);
                s.reachedAt = Arrays.copyOf(s.reachedAt, grown);
            }
            int start = s.idStart(i);
            long needed = (long) start + idLength + 1;
            if (needed > s.ids.length) {
                if (needed > MAX_ID_BYTES) { // one array holds them; ≈ 16M ids of 128 bytes, 120M of 16
                    throw new IllegalStateException("the ids of " + boardPeriod + " exceed " + MAX_ID_BYTES
                            + " bytes, more than one snapshot array holds");
                }
                s.ids = Arrays.copyOf(s.ids, (int) Math.min(MAX_ID_BYTES, Math.max(2L * s.ids.length, needed)));
            }
            for (int b = idOffset; b < idOffset + idLength; b++) {
                if (id[b] == '\n') { // ids are validated on the way in; a line feed would split the stage
                    throw new IllegalStateException("entity id with a line break in " + boardPeriod);
                }
            }
            System.arraycopy(id, idOffset, s.ids, start, idLength);
            s.ids[start + idLength] = '\n';
            s.idEnd[i] = start + idLength;
            s.scores[i] = score;
            s.reachedAt[i] = reached;
            int k = Arrays.binarySearch(s.samplePositions, i);
            if (k >= 0) {
                s.sampleCompetition[k] = competition;
                s.sampleDense[k] = dense;
            }
            s.size++;
        });
        return s;
    }

    private static long[] samplePositions(int n) {
        if (n == 0) {
            return new long[0];
        }
        return Arrays.stream(new long[] {0, 1, n / 7, n / 3, n / 2, 2L * n / 3, n - 2L, n - 1L})
                .filter(p -> p >= 0 && p < n).distinct().sorted().toArray();
    }

    public int size() {
        return size;
    }

    public String boardPeriod() {
        return boardPeriod;
    }

    public String board() {
        return board;
    }

    public String period() {
        return period;
    }

    public Order order() {
        return order;
    }

    /** The score at 0-based position i (log-space on decaying boards). */
    public double score(int i) {
        return scores[i];
    }

    /** The reach time at 0-based position i. */
    public long reachedAt(int i) {
        return reachedAt[i];
    }

    /** The sample positions (ascending) with the ranks the index gave them, for the drift audit. */
    public List<Sample> samples() {
        List<Sample> out = new java.util.ArrayList<>(samplePositions.length);
        // Positions come from the size the index reported; only those the copy reached hold ranks.
        for (int k = 0; k < samplePositions.length && samplePositions[k] < size; k++) {
            out.add(new Sample((int) samplePositions[k], sampleCompetition[k], sampleDense[k]));
        }
        return out;
    }

    private int idStart(int i) {
        return i == 0 ? 0 : idEnd[i - 1] + 1;
    }

    /** The entity at 0-based position i, decoded into a new String on each call. */
    public String entity(int i) {
        int start = idStart(i);
        return new String(ids, start, idEnd[i] - start, StandardCharsets.UTF_8);
    }

    /** The entities at positions [from, to) joined by line feeds, read straight from the packed ids. */
    public String joinedEntities(int from, int to) {
        if (from >= to) {
            return "";
        }
        int start = idStart(from);
        return new String(ids, start, idEnd[to - 1] - start, StandardCharsets.UTF_8);
    }

    /** Every entity in rank order (for the rare Redis restore, which takes them as Strings). */
    public String[] entityArray() {
        String[] out = new String[size];
        for (int i = 0; i < size; i++) {
            out[i] = entity(i);
        }
        return out;
    }

    /** Order-independent checksum of (entity, score, reachedAt), computed the same way in SQL (DriftQueries.checksum). */
    public long checksum() {
        MessageDigest md5;
        try {
            md5 = MessageDigest.getInstance("MD5");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
        long sum = 0;
        ByteBuffer tail = ByteBuffer.allocate(16);
        for (int i = 0; i < size; i++) {
            int start = idStart(i);
            md5.update(ids, start, idEnd[i] - start);
            tail.clear();
            tail.putDouble(scores[i]).putLong(reachedAt[i]);
            md5.update(tail.array());
            byte[] d = md5.digest();
            long first = ByteBuffer.wrap(d).getLong();
            sum += first >>> 4; // the first 15 hex digits, as the SQL takes them
        }
        return sum;
    }
}
