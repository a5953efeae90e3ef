package io.standings.core.index;

import java.util.Arrays;

/**
 * The writes of one {@link RankIndex#applyBatch} call, validated and recorded in columns so they
 * can be replayed under a single write lock.
 */
final class RecordedWrites implements RankIndex.Writer {
    private String[] entities = new String[16];
    private double[] scores = new double[16];
    private long[] reachedAts = new long[16];
    private boolean[] removes = new boolean[16];
    private int size;

    /** Target of a replay: the unlocked mutations of an index. */
    interface Sink {
        boolean applyUpsert(String entity, double score, long reachedAt);

        boolean applyRemove(String entity);
    }

    @Override
    public RankIndex.Writer upsert(String entity, double score, long reachedAt) {
        add(KeyChecks.checkEntity(entity), KeyChecks.checkScore(score), reachedAt, false);
        return this;
    }

    @Override
    public RankIndex.Writer remove(String entity) {
        add(KeyChecks.checkEntity(entity), 0.0, 0L, true);
        return this;
    }

    private void add(String entity, double score, long reachedAt, boolean remove) {
        if (size == entities.length) {
            int n = size * 2;
            entities = Arrays.copyOf(entities, n);
            scores = Arrays.copyOf(scores, n);
            reachedAts = Arrays.copyOf(reachedAts, n);
            removes = Arrays.copyOf(removes, n);
        }
        entities[size] = entity;
        scores[size] = score;
        reachedAts[size] = reachedAt;
        removes[size] = remove;
        size++;
    }

    int replay(Sink sink) {
        int changed = 0;
        for (int i = 0; i < size; i++) {
            boolean c = removes[i] ? sink.applyRemove(entities[i])
                    : sink.applyUpsert(entities[i], scores[i], reachedAts[i]);
            if (c) {
                changed++;
            }
        }
        return changed;
    }
}
