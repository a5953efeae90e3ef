package io.standings.testing;

import io.standings.core.index.RankKey;
import io.standings.core.index.Order;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * A deliberately naive model of one all-time board, written independently of the service: events are
 * applied one at a time in the order they were produced for each entity, and ranks are computed by
 * sorting everything. Tests compare the service, Redis and PostgreSQL against it.
 */
public final class ReferenceBoard {

    public record Row(String entity, double score, long reachedAt, long ordinal, long competition, long dense) {
    }

    private record State(double score, long reachedAt) {
    }

    private final Order order;
    private final Map<String, State> states = new HashMap<>();

    public ReferenceBoard(Order order) {
        this.order = order;
    }

    public synchronized void set(String entity, double value, long ts) {
        State s = states.get(entity);
        if (s == null || s.score != value) {
            states.put(entity, new State(value + 0.0, ts));
        }
    }

    public synchronized void incr(String entity, double value, long ts) {
        State s = states.get(entity);
        set(entity, (s == null ? 0 : s.score) + value, ts);
    }

    public synchronized void best(String entity, double value, long ts) {
        State s = states.get(entity);
        boolean better = s == null || (order == Order.DESC ? value > s.score : value < s.score);
        if (better) {
            set(entity, value, ts);
        }
    }

    public synchronized void remove(String entity) {
        states.remove(entity);
    }

    public synchronized int size() {
        return states.size();
    }

    /** Every entry in rank order with its three ranks. */
    public synchronized List<Row> ranked() {
        List<Map.Entry<String, State>> all = new ArrayList<>(states.entrySet());
        Comparator<Map.Entry<String, State>> byScore = (a, b) -> order == Order.DESC
                ? Double.compare(b.getValue().score, a.getValue().score)
                : Double.compare(a.getValue().score, b.getValue().score);
        all.sort(byScore.thenComparingLong((Map.Entry<String, State> e) -> e.getValue().reachedAt)
                .thenComparing(Map.Entry::getKey, RankKey.ID_ORDER));
        List<Row> rows = new ArrayList<>(all.size());
        long competition = 0;
        long dense = 0;
        for (int i = 0; i < all.size(); i++) {
            State s = all.get(i).getValue();
            if (i == 0 || s.score != all.get(i - 1).getValue().score) {
                competition = i + 1;
                dense++;
            }
            rows.add(new Row(all.get(i).getKey(), s.score, s.reachedAt, i + 1, competition, dense));
        }
        return rows;
    }
}
