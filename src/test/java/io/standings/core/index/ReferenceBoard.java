package io.standings.core.index;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;

/** Naive reference: a sorted ArrayList, ranks computed by scanning. Independent of the index code. */
final class ReferenceBoard {
    record Row(String entity, double score, long reachedAt) {
    }

    private final Order order;
    private final List<Row> rows = new ArrayList<>();
    final Comparator<Row> keyOrder;

    ReferenceBoard(Order order) {
        this.order = order;
        Comparator<Row> byScore = (a, b) -> order == Order.DESC ? Double.compare(b.score, a.score) : Double.compare(a.score, b.score);
        this.keyOrder = byScore.thenComparingLong(Row::reachedAt).thenComparing(Row::entity, ReferenceBoard::codePointOrder);
    }

    static int codePointOrder(String a, String b) {
        return Arrays.compare(a.codePoints().toArray(), b.codePoints().toArray());
    }

    void upsert(String entity, double score, long reachedAt) {
        remove(entity);
        Row row = new Row(entity, score + 0.0, reachedAt); // -0.0 + 0.0 == +0.0
        int i = 0;
        while (i < rows.size() && keyOrder.compare(rows.get(i), row) < 0) {
            i++;
        }
        rows.add(i, row);
    }

    void remove(String entity) {
        rows.removeIf(r -> r.entity.equals(entity));
    }

    int size() {
        return rows.size();
    }

    List<Row> rows() {
        return rows;
    }

    int indexOf(String entity) {
        for (int i = 0; i < rows.size(); i++) {
            if (rows.get(i).entity.equals(entity)) {
                return i;
            }
        }
        return -1;
    }

    Ranked rankedAt(int i) {
        Row row = rows.get(i);
        long better = 0;
        List<Double> distinctBetter = new ArrayList<>();
        for (Row r : rows) {
            boolean strictlyBetter = order == Order.DESC ? r.score > row.score : r.score < row.score;
            if (strictlyBetter) {
                better++;
                if (!distinctBetter.contains(r.score)) {
                    distinctBetter.add(r.score);
                }
            }
        }
        return new Ranked(row.entity, row.score, row.reachedAt, i + 1, better + 1, distinctBetter.size() + 1);
    }

    List<Ranked> window(int from0, int limit) {
        List<Ranked> out = new ArrayList<>();
        for (int i = from0; i < rows.size() && out.size() < limit; i++) {
            out.add(rankedAt(i));
        }
        return out;
    }

    List<Ranked> all() {
        return window(0, Integer.MAX_VALUE);
    }
}
