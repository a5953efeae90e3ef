package io.standings.core.index;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.function.IntUnaryOperator;

/**
 * Counted B+-tree over {@link EntityStore} record refs, ordered by (score in board order,
 * reachedAt, id bytes).
 *
 * <ul>
 *   <li>Leaves hold parallel {@code int[] refs} and {@code double[] scores} (the score lives only
 *       here) and are doubly linked in rank order.</li>
 *   <li>Inner nodes hold, per child: the child, its entry count and its number of <em>group
 *       starts</em> (entries whose score differs from the previous entry's) interleaved in one
 *       {@code int[]}, and the child's minimum key as (score, ref), so descent compares scores
 *       inline and reads a record only on score ties. Every node knows its index in its parent.</li>
 *   <li>{@code leafOf[slot]} (paged column, slot from the entity's record) points from an entry to
 *       its leaf; with parent pointers this gives an entry's position by climbing, without key
 *       comparisons.</li>
 * </ul>
 * Ordinal rank = entries left of the entry along its root path + 1. Dense rank = group starts at or
 * before the entry. Competition rank = 1 + entries strictly before the entry's score group.
 *
 * <p>Invariants (checked by {@link #checkInvariants()} in tests): keys strictly increase along the
 * leaf chain; every inner count/starts equals its child's; every separator is its child's minimum
 * key; every non-root leaf has {@code >= minLeaf} entries and every non-root inner node
 * {@code >= minInner} children; the root inner node has at least two; {@code leafOf} and parent
 * pointers are consistent. Not thread-safe: {@link BoardIndex} guards it.
 */
final class CountedBTree {
    static final int DEFAULT_LEAF_CAPACITY = 64;
    static final int DEFAULT_INNER_CAPACITY = 64;
    private static final int PAGE_BITS = 14;
    private static final int PAGE_MASK = (1 << PAGE_BITS) - 1;

    private final Order order;
    private final EntityStore store;
    private final int leafCap;
    private final int innerCap;
    private final int minLeaf;
    private final int minInner;

    private Node root;
    private Leaf head;
    private int size;
    private Leaf[][] leafOf = new Leaf[0][];
    private int leafCount = 1;
    private int innerCount;

    abstract static class Node {
        Inner parent;
        /** Position in {@code parent.kids}; kept current on every shift so climbs never scan. */
        int index;
    }

    static final class Leaf extends Node {
        final int[] refs;
        final double[] scores;
        int size;
        int starts;
        Leaf prev;
        Leaf next;

        Leaf(int capacity) {
            refs = new int[capacity + 1];
            scores = new double[capacity + 1];
        }
    }

    static final class Inner extends Node {
        final Node[] kids;
        /** Per child, interleaved: {@code agg[2i]} entry count, {@code agg[2i+1]} group starts. */
        final int[] agg;
        final double[] sepScore;
        final int[] sepRef;
        int size;
        int total;
        int totalStarts;

        Inner(int capacity) {
            kids = new Node[capacity + 1];
            agg = new int[2 * (capacity + 1)];
            sepScore = new double[capacity + 1];
            sepRef = new int[capacity + 1];
        }

        int count(int i) {
            return agg[i << 1];
        }

        int starts(int i) {
            return agg[(i << 1) + 1];
        }

        void setAgg(int i, int count, int starts) {
            agg[i << 1] = count;
            agg[(i << 1) + 1] = starts;
        }

        /** Puts {@code kid} at position i (parent pointer, index, aggregates, separator). */
        void put(int i, Node kid, int count, int starts, double sepS, int sepSl) {
            kids[i] = kid;
            kid.parent = this;
            kid.index = i;
            setAgg(i, count, starts);
            sepScore[i] = sepS;
            sepRef[i] = sepSl;
        }

        /** Sets parent and index of kids [from, size). */
        void reindex(int from) {
            for (int i = from; i < size; i++) {
                kids[i].parent = this;
                kids[i].index = i;
            }
        }
    }

    CountedBTree(Order order, EntityStore store, int leafCapacity, int innerCapacity) {
        if (leafCapacity < 2 || innerCapacity < 3) {
            throw new IllegalArgumentException("leaf capacity >= 2 and inner capacity >= 3 required");
        }
        this.order = order;
        this.store = store;
        this.leafCap = leafCapacity;
        this.innerCap = innerCapacity;
        this.minLeaf = Math.max(1, leafCapacity / 4);
        this.minInner = Math.max(2, innerCapacity / 4);
        this.root = this.head = new Leaf(leafCapacity);
    }

    int size() {
        return size;
    }

    // ------------------------------------------------------------------ comparison

    /** Compares probe (s, r, id) with the entry (os, oslot); a null id sorts before every id. */
    private int compare(double s, long r, byte[] id, double os, int oslot) {
        // RankKey's order; the entry's time is loaded only when the scores tie (scores come first).
        int c = s != os ? order.compareScores(s, os) : RankKey.compareBeforeIds(order, s, r, os, store.reachedAt(oslot));
        if (c != 0) {
            return c;
        }
        return id == null ? -1 : -store.compareId(oslot, id);
    }

    /** Index of the child of {@code in} whose range holds the probe. */
    private int childFor(Inner in, double s, long r, byte[] id) {
        int lo = 1;
        int hi = in.size;
        while (lo < hi) {
            int mid = (lo + hi) >>> 1;
            if (compare(s, r, id, in.sepScore[mid], in.sepRef[mid]) >= 0) {
                lo = mid + 1;
            } else {
                hi = mid;
            }
        }
        return lo - 1;
    }

    /** First position in the leaf whose entry is >= probe ({@code inclusive=false}) or > probe. */
    private int searchLeaf(Leaf leaf, double s, long r, byte[] id, boolean inclusive) {
        int lo = 0;
        int hi = leaf.size;
        while (lo < hi) {
            int mid = (lo + hi) >>> 1;
            int c = compare(s, r, id, leaf.scores[mid], leaf.refs[mid]);
            if (c > 0 || (inclusive && c == 0)) {
                lo = mid + 1;
            } else {
                hi = mid;
            }
        }
        return lo;
    }

    // ------------------------------------------------------------------ group starts

    /** 1 if the entry at (leaf, i) has a different score than the entry before it (or is first). */
    private static int flagAt(Leaf leaf, int i) {
        double s = leaf.scores[i];
        if (i > 0) {
            return leaf.scores[i - 1] != s ? 1 : 0;
        }
        Leaf p = leaf.prev;
        while (p != null && p.size == 0) {
            p = p.prev;
        }
        return p == null || p.scores[p.size - 1] != s ? 1 : 0;
    }

    private static int startsOf(Leaf leaf, int fromInclusive, int toExclusive) {
        int n = 0;
        for (int i = fromInclusive; i < toExclusive; i++) {
            n += flagAt(leaf, i);
        }
        return n;
    }

    // ------------------------------------------------------------------ leafOf column

    /** The leaf holding a ref, through the ref's slot. */
    Leaf leafOf(int ref) {
        int slot = store.slotOf(ref);
        return leafOf[slot >>> PAGE_BITS][slot & PAGE_MASK];
    }

    private void setLeafOf(int ref, Leaf leaf) {
        int slot = store.slotOf(ref);
        int page = slot >>> PAGE_BITS;
        if (page >= leafOf.length) {
            leafOf = Arrays.copyOf(leafOf, Math.max(page + 1, leafOf.length + (leafOf.length >> 1)));
        }
        if (leafOf[page] == null) {
            leafOf[page] = new Leaf[1 << PAGE_BITS];
        }
        leafOf[page][slot & PAGE_MASK] = leaf;
    }

    private static int indexInLeaf(Leaf leaf, int slot) {
        int[] refs = leaf.refs;
        for (int i = 0, n = leaf.size; i < n; i++) {
            if (refs[i] == slot) {
                return i;
            }
        }
        throw new IllegalStateException("slot " + slot + " not in its leaf");
    }

    double scoreOf(int slot) {
        Leaf leaf = leafOf(slot);
        return leaf.scores[indexInLeaf(leaf, slot)];
    }

    // ------------------------------------------------------------------ writes

    /** Inserts a slot (not in the tree) whose reachedAt and id are already in the store. */
    void insert(int slot, double score, byte[] id) {
        long r = store.reachedAt(slot);
        Node n = root;
        while (n instanceof Inner) {
            Inner in = (Inner) n;
            n = in.kids[childFor(in, score, r, id)];
        }
        Leaf leaf = (Leaf) n;
        int pos = searchLeaf(leaf, score, r, id, false);

        Leaf succLeaf = pos < leaf.size ? leaf : leaf.next;
        int succPos = pos < leaf.size ? pos : 0;
        int oldSucc = succLeaf == null ? 0 : flagAt(succLeaf, succPos);

        int tail = leaf.size - pos;
        System.arraycopy(leaf.refs, pos, leaf.refs, pos + 1, tail);
        System.arraycopy(leaf.scores, pos, leaf.scores, pos + 1, tail);
        leaf.refs[pos] = slot;
        leaf.scores[pos] = score;
        leaf.size++;
        setLeafOf(slot, leaf);
        size++;

        if (succLeaf == leaf) {
            succPos = pos + 1;
        }
        propagate(leaf, 1, flagAt(leaf, pos));
        if (succLeaf != null) {
            int d = flagAt(succLeaf, succPos) - oldSucc;
            if (d != 0) {
                propagate(succLeaf, 0, d);
            }
        }
        if (pos == 0) {
            fixMin(leaf);
        }
        if (leaf.size > leafCap) {
            splitLeaf(leaf);
        }
    }

    /**
     * Changes the key of an entry in place when its new key still falls inside its leaf's range
     * (after the previous leaf's last key, before the next leaf's first): no counts change, no
     * leafOf update, no split. The usual case for small increments.
     *
     * @return false (and nothing changed) if the entry must move to another leaf
     */
    boolean moveWithinLeaf(int ref, double score, long reachedAt, byte[] id) {
        Leaf leaf = leafOf(ref);
        int pos = indexInLeaf(leaf, ref);
        Leaf next = leaf.next;
        // The other entries of the leaf bound the move: strictly between their first and last
        // scores the new key cannot cross into a neighbour leaf; strictly outside, leave the move
        // to remove + insert (the common case for random moves, decided without touching
        // neighbour leaves); on a tie with a bound, compare full keys with the neighbours.
        int lo = pos == 0 ? 1 : 0;
        int hi = pos == leaf.size - 1 ? leaf.size - 2 : leaf.size - 1;
        int cLo = lo <= hi ? order.compareScores(score, leaf.scores[lo]) : 0;
        int cHi = lo <= hi ? order.compareScores(score, leaf.scores[hi]) : 0;
        if (cLo < 0 || cHi > 0) {
            return false;
        }
        if (cLo == 0 || cHi == 0) {
            Leaf prev = leaf.prev;
            if (prev != null && compare(score, reachedAt, id, prev.scores[prev.size - 1], prev.refs[prev.size - 1]) <= 0) {
                return false;
            }
            if (next != null && compare(score, reachedAt, id, next.scores[0], next.refs[0]) >= 0) {
                return false;
            }
        }
        int oldStarts = leaf.starts;
        int oldNextFlag = next == null ? 0 : flagAt(next, 0);
        System.arraycopy(leaf.refs, pos + 1, leaf.refs, pos, leaf.size - pos - 1);
        System.arraycopy(leaf.scores, pos + 1, leaf.scores, pos, leaf.size - pos - 1);
        leaf.size--;
        store.setReachedAt(ref, reachedAt);
        int at = searchLeaf(leaf, score, reachedAt, id, false);
        System.arraycopy(leaf.refs, at, leaf.refs, at + 1, leaf.size - at);
        System.arraycopy(leaf.scores, at, leaf.scores, at + 1, leaf.size - at);
        leaf.refs[at] = ref;
        leaf.scores[at] = score;
        leaf.size++;
        int starts = startsOf(leaf, 0, leaf.size);
        if (starts != oldStarts) {
            propagate(leaf, 0, starts - oldStarts);
        }
        if (next != null) {
            int d = flagAt(next, 0) - oldNextFlag;
            if (d != 0) {
                propagate(next, 0, d);
            }
        }
        if (pos == 0 || at == 0) {
            fixMin(leaf);
        }
        return true;
    }

    /** Removes a slot that is in the tree. */
    void remove(int slot) {
        Leaf leaf = leafOf(slot);
        int pos = indexInLeaf(leaf, slot);
        int flag = flagAt(leaf, pos);
        Leaf succLeaf = pos + 1 < leaf.size ? leaf : leaf.next;
        int succPos = pos + 1 < leaf.size ? pos + 1 : 0;
        int oldSucc = succLeaf == null ? 0 : flagAt(succLeaf, succPos);

        int tail = leaf.size - pos - 1;
        System.arraycopy(leaf.refs, pos + 1, leaf.refs, pos, tail);
        System.arraycopy(leaf.scores, pos + 1, leaf.scores, pos, tail);
        leaf.size--;
        setLeafOf(slot, null);
        size--;

        if (succLeaf == leaf) {
            succPos = pos;
        }
        propagate(leaf, -1, -flag);
        if (succLeaf != null) {
            int d = flagAt(succLeaf, succPos) - oldSucc;
            if (d != 0) {
                propagate(succLeaf, 0, d);
            }
        }
        if (pos == 0 && leaf.size > 0) {
            fixMin(leaf);
        }
        if (leaf.parent != null && leaf.size < minLeaf) {
            rebalanceLeaf(leaf);
        }
    }

    /** Adds count and group-start deltas to a leaf and all its ancestors (leaf.size is the caller's). */
    private static void propagate(Leaf leaf, int dCount, int dStarts) {
        leaf.starts += dStarts;
        Node child = leaf;
        for (Inner p = leaf.parent; p != null; child = p, p = p.parent) {
            int i = child.index << 1;
            p.agg[i] += dCount;
            p.agg[i + 1] += dStarts;
            p.total += dCount;
            p.totalStarts += dStarts;
        }
    }

    /** Re-publishes a node's minimum key into the ancestors that use it as separator. */
    private static void fixMin(Node n) {
        double s;
        int slot;
        if (n instanceof Leaf) {
            s = ((Leaf) n).scores[0];
            slot = ((Leaf) n).refs[0];
        } else {
            s = ((Inner) n).sepScore[0];
            slot = ((Inner) n).sepRef[0];
        }
        Node child = n;
        for (Inner p = n.parent; p != null; child = p, p = p.parent) {
            int i = child.index;
            p.sepScore[i] = s;
            p.sepRef[i] = slot;
            if (i != 0) {
                return;
            }
        }
    }

    private static int countOf(Node n) {
        return n instanceof Leaf ? ((Leaf) n).size : ((Inner) n).total;
    }

    private static int startsOf(Node n) {
        return n instanceof Leaf ? ((Leaf) n).starts : ((Inner) n).totalStarts;
    }

    private void splitLeaf(Leaf leaf) {
        Leaf right = new Leaf(leafCap);
        leafCount++;
        int mid = leaf.size / 2;
        int moved = leaf.size - mid;
        System.arraycopy(leaf.refs, mid, right.refs, 0, moved);
        System.arraycopy(leaf.scores, mid, right.scores, 0, moved);
        right.size = moved;
        leaf.size = mid;
        for (int i = 0; i < moved; i++) {
            setLeafOf(right.refs[i], right);
        }
        right.next = leaf.next;
        if (right.next != null) {
            right.next.prev = right;
        }
        right.prev = leaf;
        leaf.next = right;
        right.starts = startsOf(right, 0, moved);
        leaf.starts -= right.starts;
        insertAfter(leaf, right, moved, right.starts, right.scores[0], right.refs[0]);
    }

    private void splitInner(Inner in) {
        Inner right = new Inner(innerCap);
        innerCount++;
        int mid = in.size / 2;
        int moved = in.size - mid;
        moveKids(in, mid, right, 0, moved);
        Arrays.fill(in.kids, mid, in.size, null);
        right.size = moved;
        in.size = mid;
        in.total -= right.total;
        in.totalStarts -= right.totalStarts;
        insertAfter(in, right, right.total, right.totalStarts, right.sepScore[0], right.sepRef[0]);
    }

    /** Copies kids [from, from+n) of src to dst at {@code at}, re-parenting and adding their totals to dst. */
    private static void moveKids(Inner src, int from, Inner dst, int at, int n) {
        System.arraycopy(src.kids, from, dst.kids, at, n);
        System.arraycopy(src.agg, 2 * from, dst.agg, 2 * at, 2 * n);
        System.arraycopy(src.sepScore, from, dst.sepScore, at, n);
        System.arraycopy(src.sepRef, from, dst.sepRef, at, n);
        for (int i = at; i < at + n; i++) {
            dst.kids[i].parent = dst;
            dst.kids[i].index = i;
            dst.total += dst.count(i);
            dst.totalStarts += dst.starts(i);
        }
    }

    /** Links {@code right} (just split off {@code left}) into the parent, splitting upward as needed. */
    private void insertAfter(Node left, Node right, int count, int starts, double sepS, int sepSl) {
        Inner p = left.parent;
        if (p == null) {
            Inner r = new Inner(innerCap);
            innerCount++;
            if (left instanceof Leaf) {
                r.put(0, left, countOf(left), startsOf(left), ((Leaf) left).scores[0], ((Leaf) left).refs[0]);
            } else {
                r.put(0, left, countOf(left), startsOf(left), ((Inner) left).sepScore[0], ((Inner) left).sepRef[0]);
            }
            r.put(1, right, count, starts, sepS, sepSl);
            r.size = 2;
            r.total = r.count(0) + count;
            r.totalStarts = r.starts(0) + starts;
            root = r;
            return;
        }
        int i = left.index + 1;
        shiftKids(p, i, i + 1, p.size - i);
        p.put(i, right, count, starts, sepS, sepSl);
        p.agg[2 * (i - 1)] -= count;
        p.agg[2 * (i - 1) + 1] -= starts;
        p.size++;
        p.reindex(i + 1);
        if (p.size > innerCap) {
            splitInner(p);
        }
    }

    private void unlinkLeaf(Leaf leaf) {
        if (leaf.prev != null) {
            leaf.prev.next = leaf.next;
        } else {
            head = leaf.next;
        }
        if (leaf.next != null) {
            leaf.next.prev = leaf.prev;
        }
        leaf.prev = leaf.next = null;
        leafCount--;
    }

    private void rebalanceLeaf(Leaf leaf) {
        Inner p = leaf.parent;
        int i = leaf.index;
        if (leaf.size == 0) {
            unlinkLeaf(leaf);
            removeChild(p, i);
            return;
        }
        int li = i > 0 ? i - 1 : i;
        Leaf l = (Leaf) p.kids[li];
        Leaf r = (Leaf) p.kids[li + 1];
        if (l.size + r.size <= leafCap) {
            System.arraycopy(r.refs, 0, l.refs, l.size, r.size);
            System.arraycopy(r.scores, 0, l.scores, l.size, r.size);
            for (int k = 0; k < r.size; k++) {
                setLeafOf(r.refs[k], l);
            }
            l.size += r.size;
            l.starts += r.starts;
            p.setAgg(li, l.size, l.starts);
            unlinkLeaf(r);
            removeChild(p, li + 1);
            return;
        }
        int keepLeft = (l.size + r.size) / 2;
        if (l.size < keepLeft) {
            int k = keepLeft - l.size;
            System.arraycopy(r.refs, 0, l.refs, l.size, k);
            System.arraycopy(r.scores, 0, l.scores, l.size, k);
            System.arraycopy(r.refs, k, r.refs, 0, r.size - k);
            System.arraycopy(r.scores, k, r.scores, 0, r.size - k);
            for (int j = l.size; j < l.size + k; j++) {
                setLeafOf(l.refs[j], l);
            }
            l.size += k;
            r.size -= k;
        } else {
            int k = l.size - keepLeft;
            System.arraycopy(r.refs, 0, r.refs, k, r.size);
            System.arraycopy(r.scores, 0, r.scores, k, r.size);
            System.arraycopy(l.refs, keepLeft, r.refs, 0, k);
            System.arraycopy(l.scores, keepLeft, r.scores, 0, k);
            for (int j = 0; j < k; j++) {
                setLeafOf(r.refs[j], r);
            }
            l.size -= k;
            r.size += k;
        }
        l.starts = startsOf(l, 0, l.size);
        r.starts = startsOf(r, 0, r.size);
        p.setAgg(li, l.size, l.starts);
        p.setAgg(li + 1, r.size, r.starts);
        fixMin(r);
    }

    /** Drops child i of p (its count must already be 0 or moved to a sibling), then rebalances p. */
    private void removeChild(Inner p, int i) {
        shiftKids(p, i + 1, i, p.size - i - 1);
        p.size--;
        p.kids[p.size] = null;
        p.reindex(i);
        if (i == 0) {
            fixMin(p);
        }
        rebalanceInner(p);
    }

    private void rebalanceInner(Inner n) {
        Inner p = n.parent;
        if (p == null) {
            if (n.size == 1) {
                root = n.kids[0];
                root.parent = null;
                n.kids[0] = null;
                innerCount--;
            }
            return;
        }
        if (n.size >= minInner) {
            return;
        }
        int i = n.index;
        int li = i > 0 ? i - 1 : i;
        Inner l = (Inner) p.kids[li];
        Inner r = (Inner) p.kids[li + 1];
        if (l.size + r.size <= innerCap) {
            moveKids(r, 0, l, l.size, r.size);
            l.size += r.size;
            Arrays.fill(r.kids, 0, r.size, null);
            r.size = 0;
            innerCount--;
            p.setAgg(li, l.total, l.totalStarts);
            removeChild(p, li + 1);
            return;
        }
        int keepLeft = (l.size + r.size) / 2;
        if (l.size < keepLeft) {
            int k = keepLeft - l.size;
            moveKids(r, 0, l, l.size, k);
            l.size += k;
            shiftKids(r, k, 0, r.size - k);
            r.size -= k;
            Arrays.fill(r.kids, r.size, r.size + k, null);
            r.reindex(0);
        } else {
            int k = l.size - keepLeft;
            shiftKids(r, 0, k, r.size);
            r.size += k;
            moveKids(l, keepLeft, r, 0, k);
            r.reindex(k);
            Arrays.fill(l.kids, keepLeft, l.size, null);
            l.size = keepLeft;
        }
        recount(l);
        recount(r);
        p.setAgg(li, l.total, l.totalStarts);
        p.setAgg(li + 1, r.total, r.totalStarts);
        fixMin(r);
    }

    /** Moves kids [from, from+len) to [to, to+len) within n; the caller re-indexes. */
    private static void shiftKids(Inner n, int from, int to, int len) {
        System.arraycopy(n.kids, from, n.kids, to, len);
        System.arraycopy(n.agg, 2 * from, n.agg, 2 * to, 2 * len);
        System.arraycopy(n.sepScore, from, n.sepScore, to, len);
        System.arraycopy(n.sepRef, from, n.sepRef, to, len);
    }

    private static void recount(Inner n) {
        int total = 0;
        int starts = 0;
        for (int i = 0; i < n.size; i++) {
            total += n.count(i);
            starts += n.starts(i);
        }
        n.total = total;
        n.totalStarts = starts;
    }

    // ------------------------------------------------------------------ bulk build

    /** Replaces the content with refs sorted by key; {@code sortedScores[i]} is the score of {@code sortedRefs[i]}. */
    void build(int[] sortedRefs, double[] sortedScores) {
        int n = sortedRefs.length;
        size = n;
        leafOf = new Leaf[0][];
        if (n == 0) {
            root = head = new Leaf(leafCap);
            leafCount = 1;
            innerCount = 0;
            return;
        }
        int leaves = (n + leafCap - 1) / leafCap;
        Node[] level = new Node[leaves];
        Leaf prev = null;
        int at = 0;
        for (int li = 0; li < leaves; li++) {
            int cnt = n / leaves + (li < n % leaves ? 1 : 0);
            Leaf leaf = new Leaf(leafCap);
            for (int j = 0; j < cnt; j++) {
                int ref = sortedRefs[at];
                leaf.refs[j] = ref;
                leaf.scores[j] = sortedScores[at++];
                setLeafOf(ref, leaf);
            }
            leaf.size = cnt;
            leaf.prev = prev;
            if (prev != null) {
                prev.next = leaf;
            }
            leaf.starts = startsOf(leaf, 0, cnt);
            level[li] = leaf;
            prev = leaf;
        }
        head = (Leaf) level[0];
        leafCount = leaves;
        innerCount = 0;
        while (level.length > 1) {
            int groups = (level.length + innerCap - 1) / innerCap;
            Node[] up = new Node[groups];
            int k = 0;
            for (int g = 0; g < groups; g++) {
                int cnt = level.length / groups + (g < level.length % groups ? 1 : 0);
                Inner in = new Inner(innerCap);
                for (int j = 0; j < cnt; j++) {
                    Node kid = level[k++];
                    if (kid instanceof Leaf) {
                        in.put(j, kid, countOf(kid), startsOf(kid), ((Leaf) kid).scores[0], ((Leaf) kid).refs[0]);
                    } else {
                        in.put(j, kid, countOf(kid), startsOf(kid), ((Inner) kid).sepScore[0], ((Inner) kid).sepRef[0]);
                    }
                }
                in.size = cnt;
                recount(in);
                up[g] = in;
            }
            innerCount += groups;
            level = up;
        }
        root = level[0];
        root.parent = null;
    }

    /** Rewrites every ref (arena compaction), then re-publishes the separators. */
    void relocateRefs(IntUnaryOperator relocate) {
        for (Leaf leaf = head; leaf != null; leaf = leaf.next) {
            for (int i = 0; i < leaf.size; i++) {
                leaf.refs[i] = relocate.applyAsInt(leaf.refs[i]);
            }
        }
        refreshSeparators(root);
    }

    private static void refreshSeparators(Node n) {
        if (n instanceof Inner) {
            Inner in = (Inner) n;
            for (int i = 0; i < in.size; i++) {
                refreshSeparators(in.kids[i]);
                in.sepRef[i] = firstLeaf(in.kids[i]).refs[0];
            }
        }
    }

    // ------------------------------------------------------------------ reads

    /** Number of entries before the probe key ({@code inclusive}: at or before it). */
    long countBefore(double s, long r, byte[] id, boolean inclusive) {
        long acc = 0;
        Node n = root;
        while (n instanceof Inner) {
            Inner in = (Inner) n;
            // Entries equal to the probe lie in the child whose minimum is <= probe, as for insertion.
            int i = childFor(in, s, r, id);
            for (int j = 0; j < i; j++) {
                acc += in.count(j);
            }
            n = in.kids[i];
        }
        return acc + searchLeaf((Leaf) n, s, r, id, inclusive);
    }

    /** The ranks of a slot in the tree. */
    Ranked ranked(int slot) {
        Leaf leaf = leafOf(slot);
        int pos = indexInLeaf(leaf, slot);
        long before = pos;
        long startsBefore = 0;
        Node child = leaf;
        for (Inner p = leaf.parent; p != null; child = p, p = p.parent) {
            int[] agg = p.agg;
            for (int i = 0, end = child.index << 1; i < end; i += 2) {
                before += agg[i];
                startsBefore += agg[i + 1];
            }
        }
        return rankedAt(leaf, pos, before, startsBefore);
    }

    /** 1-based ordinal rank of a slot in the tree. */
    long ordinal(int slot) {
        Leaf leaf = leafOf(slot);
        long before = indexInLeaf(leaf, slot);
        Node child = leaf;
        for (Inner p = leaf.parent; p != null; child = p, p = p.parent) {
            int[] agg = p.agg;
            for (int i = 0, end = child.index << 1; i < end; i += 2) {
                before += agg[i];
            }
        }
        return before + 1;
    }

    private Ranked rankedAt(Leaf leaf, int pos, long before, long startsBefore) {
        long ordinal = before + 1;
        long dense = startsBefore + startsOf(leaf, 0, pos + 1);
        double s = leaf.scores[pos];
        int q = pos;
        while (q > 0 && leaf.scores[q - 1] == s) {
            q--;
        }
        long competition = q > 0 || flagAt(leaf, 0) == 1
                ? ordinal - (pos - q)
                : 1 + countBefore(s, Long.MIN_VALUE, null, false);
        int slot = leaf.refs[pos];
        return new Ranked(store.entity(slot), s, store.reachedAt(slot), ordinal, competition, dense);
    }

    /** Appends up to {@code limit} entries starting at 0-based position {@code from}. */
    void collect(long from, int limit, List<Ranked> out) {
        if (from < 0 || from >= size || limit <= 0) {
            return;
        }
        long before = 0;
        long startsBefore = 0;
        long remaining = from;
        Node n = root;
        while (n instanceof Inner) {
            Inner in = (Inner) n;
            int i = 0;
            while (remaining >= in.count(i)) {
                remaining -= in.count(i);
                before += in.count(i);
                startsBefore += in.starts(i);
                i++;
            }
            n = in.kids[i];
        }
        Leaf leaf = (Leaf) n;
        int pos = (int) remaining;
        Ranked first = rankedAt(leaf, pos, before + pos, startsBefore);
        out.add(first);
        RankRun run = new RankRun(first.ordinalRank(), first.competitionRank(), first.denseRank());
        run.next(first.entity(), first.score(), first.reachedAt());
        for (int taken = 1; taken < limit; taken++) {
            if (++pos == leaf.size) {
                leaf = leaf.next;
                pos = 0;
                if (leaf == null) {
                    return;
                }
            }
            int slot = leaf.refs[pos];
            out.add(run.next(store.entity(slot), leaf.scores[pos], store.reachedAt(slot)));
        }
    }

    void forEachInOrder(RankIndex.RankedVisitor visitor) {
        RankRun run = RankRun.fromTop();
        for (Leaf leaf = head; leaf != null; leaf = leaf.next) {
            for (int i = 0; i < leaf.size; i++) {
                int slot = leaf.refs[i];
                run.visit(store.entity(slot), leaf.scores[i], store.reachedAt(slot), visitor);
            }
        }
    }

    void forEachInOrderUtf8(RankIndex.Utf8RankedVisitor visitor) {
        RankRun run = RankRun.fromTop();
        for (Leaf leaf = head; leaf != null; leaf = leaf.next) {
            for (int i = 0; i < leaf.size; i++) {
                int slot = leaf.refs[i];
                store.visitId(slot, leaf.scores[i], run, visitor);
            }
        }
    }

    /** Bytes held by the tree's nodes and the leafOf column (compressed oops assumed). */
    long estimatedBytes() {
        long leafBytes = 48 + (16 + 4L * (leafCap + 1)) + (16 + 8L * (leafCap + 1));
        // object + kids (4 B refs) + agg (2 ints) + sepScore (double) + sepRef (int), per kid slot
        long innerBytes = 48 + 4 * 16 + (4 + 8 + 8 + 4L) * (innerCap + 1);
        long bytes = leafCount * leafBytes + innerCount * innerBytes;
        for (Leaf[] page : leafOf) {
            bytes += 4 + (page == null ? 0 : 16 + 4L * page.length);
        }
        return bytes;
    }

    // ------------------------------------------------------------------ test support

    /** Verifies every structural invariant; throws {@link AssertionError} on the first violation. */
    void checkInvariants() {
        int[] leavesSeen = {0};
        long counted = checkNode(root, null, leavesSeen);
        check(counted == size, "size " + size + " but tree holds " + counted);
        // Leaf chain: strictly increasing keys, consistent links, matches tree walk.
        int chain = 0;
        long total = 0;
        Leaf prevLeaf = null;
        int prevSlot = -1;
        double prevScore = 0;
        for (Leaf leaf = head; leaf != null; leaf = leaf.next) {
            chain++;
            check(leaf.prev == prevLeaf, "broken prev link");
            check(leaf.size > 0 || (leaf == root && size == 0), "empty leaf in chain");
            for (int i = 0; i < leaf.size; i++) {
                int slot = leaf.refs[i];
                check(leafOf(slot) == leaf, "leafOf mismatch for ref " + slot);
                check(store.find(store.entity(slot).getBytes(StandardCharsets.UTF_8)) == slot,
                        "hash table does not find ref " + slot);
                if (prevSlot >= 0) {
                    int c = compare(prevScore, store.reachedAt(prevSlot), null, leaf.scores[i], slot);
                    if (prevScore == leaf.scores[i] && store.reachedAt(prevSlot) == store.reachedAt(slot)) {
                        c = store.compareIds(prevSlot, slot);
                    }
                    check(c < 0, "keys not strictly increasing at slot " + slot);
                }
                prevSlot = slot;
                prevScore = leaf.scores[i];
                total++;
            }
            prevLeaf = leaf;
        }
        check(total == size, "leaf chain holds " + total + ", size " + size);
        check(chain == leavesSeen[0], "leaf chain length " + chain + " but tree has " + leavesSeen[0] + " leaves");
        check(chain == leafCount, "leafCount " + leafCount + " but " + chain + " leaves");
    }

    private long checkNode(Node n, Inner parent, int[] leavesSeen) {
        check(n.parent == parent, "bad parent pointer");
        check(parent == null || parent.kids[n.index] == n, "bad index in parent");
        if (n instanceof Leaf) {
            Leaf leaf = (Leaf) n;
            leavesSeen[0]++;
            check(leaf.size <= leafCap, "leaf over capacity");
            check(parent == null || leaf.size >= minLeaf, "leaf under minimum: " + leaf.size);
            check(leaf.starts == startsOf(leaf, 0, leaf.size), "leaf starts wrong");
            return leaf.size;
        }
        Inner in = (Inner) n;
        check(in.size <= innerCap, "inner over capacity");
        check(in.size >= (parent == null ? 2 : minInner), "inner under minimum: " + in.size);
        long total = 0;
        long starts = 0;
        for (int i = 0; i < in.size; i++) {
            Node kid = in.kids[i];
            long c = checkNode(kid, in, leavesSeen);
            check(c == in.count(i), "count mismatch");
            check(startsOf(kid) == in.starts(i), "starts mismatch");
            Leaf first = firstLeaf(kid);
            check(first.refs[0] == in.sepRef[i] && first.scores[0] == in.sepScore[i], "separator is not the child's minimum");
            total += c;
            starts += in.starts(i);
        }
        check(total == in.total && starts == in.totalStarts, "inner totals wrong");
        return total;
    }

    private static Leaf firstLeaf(Node n) {
        while (n instanceof Inner) {
            n = ((Inner) n).kids[0];
        }
        return (Leaf) n;
    }

    private static void check(boolean ok, String message) {
        if (!ok) {
            throw new AssertionError(message);
        }
    }
}
