package io.standings.core.index;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.NavigableSet;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.OptionalLong;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import java.util.function.Consumer;

/**
 * Obviously-correct {@link RankIndex} on {@link TreeSet}: the JMH baseline and a stand-in until
 * {@link BoardIndex} is wired. Lookups and updates are O(log n), but every rank walks a head set:
 * O(n) ordinal rank, O(distinct scores) competition and dense rank. One object graph per entry.
 * Concurrency: one {@link ReentrantReadWriteLock}, like {@link BoardIndex}.
 */
public final class TreeMapBoardIndex implements RankIndex {
    private final Order order;
    private final Comparator<Entry> keyOrder;
    private final TreeSet<Entry> sorted;
    private final Map<String, Entry> byEntity = new HashMap<>();
    /** Distinct score -> number of entries with it, in board order. */
    private final TreeMap<Double, Integer> scoreCounts;
    private final ReentrantReadWriteLock lock = new ReentrantReadWriteLock();
    /** See {@link RankIndex#version()}: written under the write lock only. */
    private volatile long version;

    public TreeMapBoardIndex(Order order) {
        this.order = order;
        this.keyOrder = (a, b) -> RankKey.compare(order, a.score(), a.reachedAt(), a.entity(), b.score(), b.reachedAt(),
                b.entity());
        this.sorted = new TreeSet<>(keyOrder);
        this.scoreCounts = new TreeMap<>((Double a, Double b) -> order.compareScores(a, b));
    }

    /** Builds an index from entries in any order; a later entry for the same entity wins. */
    public static TreeMapBoardIndex bulkLoad(Order order, Iterable<Entry> entries) {
        TreeMapBoardIndex index = new TreeMapBoardIndex(order);
        for (Entry e : entries) {
            index.doUpsert(e.entity(), e.score(), e.reachedAt());
        }
        return index;
    }

    @Override
    public long version() {
        return version;
    }

    @Override
    public Order order() {
        return order;
    }

    @Override
    public long size() {
        lock.readLock().lock();
        try {
            return sorted.size();
        } finally {
            lock.readLock().unlock();
        }
    }

    @Override
    public boolean upsert(String entity, double score, long reachedAt) {
        KeyChecks.checkEntity(entity);
        double s = KeyChecks.checkScore(score);
        lock.writeLock().lock();
        try {
            return doUpsert(entity, s, reachedAt);
        } finally {
            lock.writeLock().unlock();
        }
    }

    @Override
    public boolean remove(String entity) {
        KeyChecks.checkEntity(entity);
        lock.writeLock().lock();
        try {
            return doRemove(entity);
        } finally {
            lock.writeLock().unlock();
        }
    }

    @Override
    public int applyBatch(Consumer<Writer> batch) {
        RecordedWrites b = new RecordedWrites();
        batch.accept(b);
        lock.writeLock().lock();
        try {
            return b.replay(unlocked);
        } finally {
            lock.writeLock().unlock();
        }
    }

    /** RecordedWrites replay target; the write lock is held. */
    private final RecordedWrites.Sink unlocked = new RecordedWrites.Sink() {
        @Override
        public boolean applyUpsert(String entity, double score, long reachedAt) {
            return doUpsert(entity, score, reachedAt);
        }

        @Override
        public boolean applyRemove(String entity) {
            return doRemove(entity);
        }
    };

    private boolean doUpsert(String entity, double score, long reachedAt) {
        Entry next = new Entry(entity, score, reachedAt);
        Entry prev = byEntity.get(entity);
        if (next.equals(prev)) {
            return false;
        }
        if (prev != null) {
            unlink(prev);
        }
        byEntity.put(entity, next);
        sorted.add(next);
        scoreCounts.merge(next.score(), 1, Integer::sum);
        version++;
        return true;
    }

    private boolean doRemove(String entity) {
        Entry prev = byEntity.remove(entity);
        if (prev == null) {
            return false;
        }
        unlink(prev);
        version++;
        return true;
    }

    private void unlink(Entry e) {
        sorted.remove(e);
        scoreCounts.computeIfPresent(e.score(), (k, c) -> c == 1 ? null : c - 1);
    }

    @Override
    public Optional<Entry> get(String entity) {
        KeyChecks.checkEntity(entity);
        lock.readLock().lock();
        try {
            return Optional.ofNullable(byEntity.get(entity));
        } finally {
            lock.readLock().unlock();
        }
    }

    @Override
    public OptionalDouble scoreOf(String entity) {
        return get(entity).map(e -> OptionalDouble.of(e.score())).orElse(OptionalDouble.empty());
    }

    @Override
    public OptionalLong ordinalRank(String entity) {
        return ranked(entity).map(r -> OptionalLong.of(r.ordinalRank())).orElse(OptionalLong.empty());
    }

    @Override
    public OptionalLong competitionRank(String entity) {
        return ranked(entity).map(r -> OptionalLong.of(r.competitionRank())).orElse(OptionalLong.empty());
    }

    @Override
    public OptionalLong denseRank(String entity) {
        return ranked(entity).map(r -> OptionalLong.of(r.denseRank())).orElse(OptionalLong.empty());
    }

    @Override
    public OptionalDouble percentile(String entity) {
        KeyChecks.checkEntity(entity);
        lock.readLock().lock();
        try {
            Entry e = byEntity.get(entity);
            return e == null ? OptionalDouble.empty()
                    : OptionalDouble.of(KeyChecks.percentile(sorted.headSet(e).size() + 1L, sorted.size()));
        } finally {
            lock.readLock().unlock();
        }
    }

    @Override
    public Optional<Ranked> ranked(String entity) {
        KeyChecks.checkEntity(entity);
        lock.readLock().lock();
        try {
            Entry e = byEntity.get(entity);
            return e == null ? Optional.empty() : Optional.of(rankedOf(e));
        } finally {
            lock.readLock().unlock();
        }
    }

    private Ranked rankedOf(Entry e) {
        long ordinal = sorted.headSet(e).size() + 1L;
        Map<Double, Integer> better = scoreCounts.headMap(e.score());
        long competition = 1;
        for (int c : better.values()) {
            competition += c;
        }
        return new Ranked(e.entity(), e.score(), e.reachedAt(), ordinal, competition, better.size() + 1L);
    }

    @Override
    public List<Ranked> top(int k) {
        return window(1, k);
    }

    @Override
    public List<Ranked> window(long fromOrdinal, int limit) {
        if (fromOrdinal < 1) {
            throw new IllegalArgumentException("fromOrdinal must be >= 1, got " + fromOrdinal);
        }
        KeyChecks.checkLimit(limit, "limit");
        lock.readLock().lock();
        try {
            Iterator<Entry> it = sorted.iterator();
            for (long i = 1; i < fromOrdinal && it.hasNext(); i++) {
                it.next();
            }
            return collect(it, limit);
        } finally {
            lock.readLock().unlock();
        }
    }

    @Override
    public List<Ranked> around(String entity, int radius) {
        KeyChecks.checkEntity(entity);
        KeyChecks.checkLimit(radius, "radius");
        lock.readLock().lock();
        try {
            Entry e = byEntity.get(entity);
            if (e == null) {
                return List.of();
            }
            long ordinal = sorted.headSet(e).size() + 1L;
            long from = Math.max(1, ordinal - radius);
            Iterator<Entry> it = sorted.iterator();
            for (long i = 1; i < from; i++) {
                it.next();
            }
            return collect(it, (int) Math.min(Integer.MAX_VALUE, ordinal - from + radius + 1L));
        } finally {
            lock.readLock().unlock();
        }
    }

    @Override
    public Page page(String cursor, int limit) {
        KeyChecks.checkLimit(limit, "limit");
        Cursor after = cursor == null || cursor.isEmpty() ? null : Cursor.decode(cursor, order);
        lock.readLock().lock();
        try {
            NavigableSet<Entry> rest = after == null ? sorted
                    : sorted.tailSet(new Entry(after.entity(), after.score(), after.reachedAt()), false);
            Iterator<Entry> it = rest.iterator();
            List<Ranked> entries = collect(it, limit);
            String next = it.hasNext() && !entries.isEmpty()
                    ? Cursor.after(order, entries.get(entries.size() - 1)).encode() : null;
            return new Page(entries, next);
        } finally {
            lock.readLock().unlock();
        }
    }

    private List<Ranked> collect(Iterator<Entry> it, int limit) {
        List<Ranked> out = new ArrayList<>(Math.min(limit, 1024));
        if (limit == 0 || !it.hasNext()) {
            return out;
        }
        Entry first = it.next();
        Ranked r = rankedOf(first);
        out.add(r);
        RankRun run = new RankRun(r.ordinalRank(), r.competitionRank(), r.denseRank());
        run.next(first.entity(), first.score(), first.reachedAt());
        while (out.size() < limit && it.hasNext()) {
            Entry e = it.next();
            out.add(run.next(e.entity(), e.score(), e.reachedAt()));
        }
        return out;
    }

    @Override
    public void forEachInOrder(RankedVisitor visitor) {
        lock.readLock().lock();
        try {
            RankRun run = RankRun.fromTop();
            for (Entry e : sorted) {
                run.visit(e.entity(), e.score(), e.reachedAt(), visitor);
            }
        } finally {
            lock.readLock().unlock();
        }
    }

    @Override
    public void forEachInOrderUtf8(Utf8RankedVisitor visitor) {
        forEachInOrder((entity, score, reachedAt, ordinal, competition, dense) -> {
            byte[] id = entity.getBytes(StandardCharsets.UTF_8);
            visitor.visit(id, 0, id.length, score, reachedAt, ordinal, competition, dense);
        });
    }
}
