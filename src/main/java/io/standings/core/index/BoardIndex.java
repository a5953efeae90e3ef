package io.standings.core.index;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.OptionalLong;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import java.util.function.Consumer;

/**
 * The in-memory ranking of one board: a {@link CountedBTree} over an {@link EntityStore}.
 *
 * <h2>Cost</h2>
 * upsert, remove, get, every rank and percentile: O(log n); top/window/around/page: O(log n + k);
 * {@link #forEachInOrder}: O(n); {@link #bulkLoad}: O(n log n), O(n) for sorted input. About 50-60
 * bytes per entry with 16-byte ids (see {@link #estimatedBytes()} and docs/index.md).
 *
 * <h2>Concurrency</h2>
 * One {@link ReentrantReadWriteLock} (non-fair; a waiting writer holds back new readers, so the
 * writer is not starved). Every read runs under the read lock, so many readers proceed in
 * parallel and each sees one consistent state. Every write runs under the write lock.
 * {@link #applyBatch} first records and validates the whole batch without any lock, then replays
 * it under a single write-lock hold: readers see the index before or after the batch, never in
 * between, and wait at most for one batch to apply (about 1-2 µs per write). Result objects are
 * built under the read lock and are immutable afterwards.
 */
public final class BoardIndex implements RankIndex {
    private final Order order;
    private final EntityStore store;
    private final CountedBTree tree;
    private final ReentrantReadWriteLock lock = new ReentrantReadWriteLock();
    /** See {@link RankIndex#version()}: written under the write lock only. */
    private volatile long version;

    public BoardIndex(Order order) {
        this(order, CountedBTree.DEFAULT_LEAF_CAPACITY, CountedBTree.DEFAULT_INNER_CAPACITY, new EntityStore());
    }

    /**
     * Test sizing: small node capacities and eager arena compaction let tests reach splits, merges,
     * borrows and compaction with few entries.
     */
    BoardIndex(Order order, int leafCapacity, int innerCapacity) {
        this(order, leafCapacity, innerCapacity, new EntityStore(0));
    }

    private BoardIndex(Order order, int leafCapacity, int innerCapacity, EntityStore store) {
        if (order == null) {
            throw new IllegalArgumentException("order is null");
        }
        this.order = order;
        this.store = store;
        this.tree = new CountedBTree(order, store, leafCapacity, innerCapacity);
    }

    /** Builds an index from entries in any order (a later entry for the same entity wins). */
    public static BoardIndex bulkLoad(Order order, Iterable<Entry> entries) {
        BoardIndex index = new BoardIndex(order);
        index.load(entries);
        return index;
    }

    static BoardIndex bulkLoad(Order order, Iterable<Entry> entries, int leafCapacity, int innerCapacity) {
        BoardIndex index = new BoardIndex(order, leafCapacity, innerCapacity);
        index.load(entries);
        return index;
    }

    /** Fills an empty index: records first (dense slots), then one sort and a bottom-up tree build. */
    private void load(Iterable<Entry> entries) {
        int expected = entries instanceof java.util.Collection<?> c ? c.size() : 0;
        store.reserve(expected);
        int[] refBySlot = new int[Math.max(1024, expected)];
        double[] scoreBySlot = new double[refBySlot.length];
        for (Entry e : entries) {
            int ref = store.put(e.entity().getBytes(StandardCharsets.UTF_8), e.reachedAt());
            int slot = store.slotOf(ref);
            if (slot >= refBySlot.length) {
                refBySlot = Arrays.copyOf(refBySlot, refBySlot.length * 2);
                scoreBySlot = Arrays.copyOf(scoreBySlot, scoreBySlot.length * 2);
            }
            refBySlot[slot] = ref;
            scoreBySlot[slot] = e.score();
        }
        int n = store.size();
        int[] slots = new int[n];
        for (int i = 0; i < n; i++) {
            slots[i] = i;
        }
        int[] refs = refBySlot;
        double[] scores = scoreBySlot;
        SlotSort.sort(slots, (a, b) -> {
            double sa = scores[a];
            double sb = scores[b];
            int c = sa != sb ? order.compareScores(sa, sb)
                    : RankKey.compareBeforeIds(order, sa, store.reachedAt(refs[a]), sb, store.reachedAt(refs[b]));
            return c != 0 ? c : store.compareIds(refs[a], refs[b]);
        });
        int[] sortedRefs = new int[n];
        double[] sortedScores = new double[n];
        for (int i = 0; i < n; i++) {
            sortedRefs[i] = refs[slots[i]];
            sortedScores[i] = scores[slots[i]];
        }
        tree.build(sortedRefs, sortedScores);
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
            return tree.size();
        } finally {
            lock.readLock().unlock();
        }
    }

    // ------------------------------------------------------------------ writes

    @Override
    public boolean upsert(String entity, double score, long reachedAt) {
        byte[] id = KeyChecks.entityBytes(entity);
        double s = KeyChecks.checkScore(score);
        lock.writeLock().lock();
        try {
            return upsert(id, s, reachedAt);
        } finally {
            lock.writeLock().unlock();
        }
    }

    @Override
    public boolean remove(String entity) {
        byte[] id = KeyChecks.entityBytes(entity);
        lock.writeLock().lock();
        try {
            return remove(id);
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

    /** RecordedWrites replay target: arguments were validated when recorded; the write lock is held. */
    private final RecordedWrites.Sink unlocked = new RecordedWrites.Sink() {
        @Override
        public boolean applyUpsert(String entity, double score, long reachedAt) {
            return upsert(entity.getBytes(StandardCharsets.UTF_8), score, reachedAt);
        }

        @Override
        public boolean applyRemove(String entity) {
            return remove(entity.getBytes(StandardCharsets.UTF_8));
        }
    };

    private boolean upsert(byte[] id, double score, long reachedAt) {
        int ref = store.find(id);
        if (ref < 0) {
            tree.insert(store.add(id, reachedAt), score, id);
            version++;
            return true;
        }
        if (tree.scoreOf(ref) == score && store.reachedAt(ref) == reachedAt) {
            return false;
        }
        version++;
        if (!tree.moveWithinLeaf(ref, score, reachedAt, id)) {
            tree.remove(ref);
            store.setReachedAt(ref, reachedAt);
            tree.insert(ref, score, id);
        }
        return true;
    }

    private boolean remove(byte[] id) {
        int ref = store.find(id);
        if (ref < 0) {
            return false;
        }
        tree.remove(ref);
        store.free(ref);
        version++;
        if (store.wantsCompaction()) {
            store.beginCompaction();
            tree.relocateRefs(store::relocate);
            store.finishCompaction();
        }
        return true;
    }

    // ------------------------------------------------------------------ reads

    @Override
    public Optional<Entry> get(String entity) {
        byte[] id = KeyChecks.entityBytes(entity);
        lock.readLock().lock();
        try {
            int ref = store.find(id);
            return ref < 0 ? Optional.empty()
                    : Optional.of(new Entry(entity, tree.scoreOf(ref), store.reachedAt(ref)));
        } finally {
            lock.readLock().unlock();
        }
    }

    @Override
    public OptionalDouble scoreOf(String entity) {
        byte[] id = KeyChecks.entityBytes(entity);
        lock.readLock().lock();
        try {
            int ref = store.find(id);
            return ref < 0 ? OptionalDouble.empty() : OptionalDouble.of(tree.scoreOf(ref));
        } finally {
            lock.readLock().unlock();
        }
    }

    @Override
    public OptionalLong ordinalRank(String entity) {
        byte[] id = KeyChecks.entityBytes(entity);
        lock.readLock().lock();
        try {
            int ref = store.find(id);
            return ref < 0 ? OptionalLong.empty() : OptionalLong.of(tree.ordinal(ref));
        } finally {
            lock.readLock().unlock();
        }
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
        byte[] id = KeyChecks.entityBytes(entity);
        lock.readLock().lock();
        try {
            int ref = store.find(id);
            return ref < 0 ? OptionalDouble.empty()
                    : OptionalDouble.of(KeyChecks.percentile(tree.ordinal(ref), tree.size()));
        } finally {
            lock.readLock().unlock();
        }
    }

    @Override
    public Optional<Ranked> ranked(String entity) {
        byte[] id = KeyChecks.entityBytes(entity);
        lock.readLock().lock();
        try {
            int ref = store.find(id);
            return ref < 0 ? Optional.empty() : Optional.of(tree.ranked(ref));
        } finally {
            lock.readLock().unlock();
        }
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
        List<Ranked> out = new ArrayList<>(Math.min(limit, 1024));
        lock.readLock().lock();
        try {
            tree.collect(fromOrdinal - 1, limit, out);
        } finally {
            lock.readLock().unlock();
        }
        return out;
    }

    @Override
    public List<Ranked> around(String entity, int radius) {
        byte[] id = KeyChecks.entityBytes(entity);
        KeyChecks.checkLimit(radius, "radius");
        List<Ranked> out = new ArrayList<>();
        lock.readLock().lock();
        try {
            int ref = store.find(id);
            if (ref >= 0) {
                long ordinal = tree.ordinal(ref);
                long from = Math.max(1, ordinal - radius);
                tree.collect(from - 1, (int) Math.min(Integer.MAX_VALUE, ordinal - from + radius + 1L), out);
            }
        } finally {
            lock.readLock().unlock();
        }
        return out;
    }

    @Override
    public Page page(String cursor, int limit) {
        KeyChecks.checkLimit(limit, "limit");
        Cursor after = cursor == null || cursor.isEmpty() ? null : Cursor.decode(cursor, order);
        byte[] id = after == null ? null : after.entity().getBytes(StandardCharsets.UTF_8);
        List<Ranked> out = new ArrayList<>(Math.min(limit, 1024));
        boolean more;
        lock.readLock().lock();
        try {
            long from = after == null ? 0 : tree.countBefore(after.score(), after.reachedAt(), id, true);
            tree.collect(from, limit, out);
            more = from + out.size() < tree.size();
        } finally {
            lock.readLock().unlock();
        }
        String next = more && !out.isEmpty() ? Cursor.after(order, out.get(out.size() - 1)).encode() : null;
        return new Page(out, next);
    }

    @Override
    public void forEachInOrder(RankedVisitor visitor) {
        lock.readLock().lock();
        try {
            tree.forEachInOrder(visitor);
        } finally {
            lock.readLock().unlock();
        }
    }

    @Override
    public void forEachInOrderUtf8(Utf8RankedVisitor visitor) {
        lock.readLock().lock();
        try {
            tree.forEachInOrderUtf8(visitor);
        } finally {
            lock.readLock().unlock();
        }
    }

    /** Computed footprint of the index's arrays and nodes, in bytes (capacity included). */
    public long estimatedBytes() {
        lock.readLock().lock();
        try {
            return store.estimatedBytes() + tree.estimatedBytes();
        } finally {
            lock.readLock().unlock();
        }
    }

    /** Test support: verifies the tree's structural invariants. */
    void checkInvariants() {
        lock.readLock().lock();
        try {
            tree.checkInvariants();
            if (store.size() != tree.size()) {
                throw new AssertionError("store holds " + store.size() + ", tree " + tree.size());
            }
        } finally {
            lock.readLock().unlock();
        }
    }
}
