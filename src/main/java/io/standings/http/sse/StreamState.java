package io.standings.http.sse;

/**
 * One state of a stream, computed once per tick for all subscriptions that share it.
 *
 * @param content what decides whether the state changed (compared with {@code equals})
 * @param asOf    the read token taken before the index was read
 * @param event   the event: encoded once per state, however many clients get it
 * @param changedNanos {@code System.nanoTime()} when the change it shows was applied; 0 for a state
 *                     computed on connect
 */
record StreamState(Object content, long asOf, EncodedEvent event, long changedNanos) {

    StreamState changedAt(long nanos) {
        return new StreamState(content, asOf, event, nanos);
    }
}
