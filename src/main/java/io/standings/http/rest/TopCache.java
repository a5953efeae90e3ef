package io.standings.http.rest;

import io.standings.core.index.RankIndex;
import java.lang.ref.WeakReference;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;

/**
 * The serialized top-N answers of the hot read path, one per (board, N), valid while neither the board's
 * index (its identity and {@link RankIndex#version()}) nor the read token {@code asOf} moved. Any batch
 * anywhere moves {@code asOf}, so under ingest an entry lives one batch at most; between batches, and on
 * boards that only get read, every client after the first gets the bytes it got.
 *
 * <p>Exact, not approximate: the key is read before the entries, so a stored answer is never older than
 * its key (at worst newer, and then the next reader sees a different key and recomputes). Bounded: a new
 * key past {@value #MAX_ENTRIES} answers clears the map (concurrent writers may each add one before they see
 * the bound); replacing the answer of a key already held never clears it.
 */
final class TopCache {

    static final int MAX_ENTRIES = 1024;

    private record Key(String board, int limit) {
    }

    /** The index is held weakly: an answer must not keep an index memory has replaced alive. */
    private record Answer(WeakReference<RankIndex> index, long version, long asOf, byte[] json) {
    }

    private final ConcurrentHashMap<Key, Answer> answers = new ConcurrentHashMap<>();

    /** The cached answer for this state of {@code index}, or the one {@code compute} makes (then cached). */
    byte[] get(String board, int limit, RankIndex index, long version, long asOf, Supplier<byte[]> compute) {
        Key key = new Key(board, limit);
        Answer cached = answers.get(key);
        if (cached != null && cached.index.get() == index && cached.version == version && cached.asOf == asOf) {
            return cached.json;
        }
        byte[] json = compute.get();
        if (cached == null && answers.size() >= MAX_ENTRIES) {
            answers.clear();
        }
        answers.put(key, new Answer(new WeakReference<>(index), version, asOf, json));
        return json;
    }
}
