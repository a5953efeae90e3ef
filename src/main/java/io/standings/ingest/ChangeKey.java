package io.standings.ingest;

/**
 * One (board, period, entity): what a batch folds its events into, and what the next batch looks the pending
 * changes up by.
 */
record ChangeKey(String board, String period, String entity) {

    /**
     * Mixed: entity ids like e000123 and board ids like board-1 differ in their last characters only, and
     * String's hash of such ids varies little in the low bits a hash table indexes by (a record's default hash
     * left buckets of a few hundred thousand keys long enough to be turned into trees).
     */
    @Override
    public int hashCode() {
        int h = entity.hashCode() * 0x9E3779B1 + board.hashCode();
        h = h * 0x9E3779B1 + period.hashCode();
        return h ^ (h >>> 15);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof ChangeKey k && entity.equals(k.entity) && board.equals(k.board) && period.equals(k.period);
    }
}
