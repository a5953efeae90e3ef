package io.standings.reconcile;

import io.standings.index.Order;
import io.standings.index.RankIndex;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;

/**
 * One board period copied out of memory in rank order into primitive arrays (position i = ordinal rank
 * i + 1), with the competition and dense ranks of a few sample positions for the drift audit.
 */
public final class PeriodSnapshot {

    static final int SAMPLES = 8;

    final String boardPeriod;
    final String board;
    final String period;
    final Order order;
    int size;
    String[] entities;
    double[] scores;
    long[] reachedAt;
    /** 0-based sample positions, ascending, and the ranks the index gave them. */
    final long[] samplePositions;
    final long[] sampleCompetition;
    final long[] sampleDense;

    private PeriodSnapshot(String boardPeriod, Order order, int capacity) {
        this.boardPeriod = boardPeriod;
        int at = boardPeriod.indexOf('@');
        this.board = boardPeriod.substring(0, at);
        this.period = boardPeriod.substring(at + 1);
        this.order = order;
        this.entities = new String[capacity];
        this.scores = new double[capacity];
        this.reachedAt = new long[capacity];
        this.samplePositions = samplePositions(capacity);
        this.sampleCompetition = new long[samplePositions.length];
        this.sampleDense = new long[samplePositions.length];
    }

    /** Copies the index; the caller holds the SnapshotGate so no batch changes it meanwhile. */
    static PeriodSnapshot copy(String boardPeriod, RankIndex index) {
        PeriodSnapshot s = new PeriodSnapshot(boardPeriod, index.order(), (int) index.size());
        index.forEachInOrder((entity, score, reached, ordinal, competition, dense) -> {
            int i = s.size;
            if (i == s.entities.length) {
                int grown = Math.max(16, i * 2);
                s.entities = Arrays.copyOf(s.entities, grown);
                s.scores = Arrays.copyOf(s.scores, grown);
                s.reachedAt = Arrays.copyOf(s.reachedAt, grown);
            }
            s.entities[i] = entity;
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

    /** Order-independent checksum of (entity, score, reachedAt), computed the same way in SQL (see Checkpoints). */
    long checksum() {
        MessageDigest md5;
        try {
            md5 = MessageDigest.getInstance("MD5");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
        long sum = 0;
        ByteBuffer tail = ByteBuffer.allocate(16);
        for (int i = 0; i < size; i++) {
            md5.update(entities[i].getBytes(StandardCharsets.UTF_8));
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
