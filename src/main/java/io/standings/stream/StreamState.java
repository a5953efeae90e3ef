package io.standings.stream;

/**
 * One state of a stream, computed once per tick for all subscriptions that share it.
 *
 * @param content what decides whether the state changed (compared with {@code equals})
 * @param asOf    the read token taken before the index was read
 * @param json    the event's {@code data:}
 */
record StreamState(Object content, long asOf, String json) {
}
