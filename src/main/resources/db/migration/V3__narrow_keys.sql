-- Reconciliation performance (issue 6): narrow keys. Every board period gets a small integer id, and the
-- two big tables are keyed by it instead of (board, period) text columns, which are compared with the
-- database's default collation (strcoll) on every index step. docs/reconciliation.md has the write path.

CREATE TABLE board_period (
    id     integer GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    board  text NOT NULL,
    period text NOT NULL,
    UNIQUE (board, period)
);
INSERT INTO board_period (board, period)
SELECT board, period FROM entity_score
UNION SELECT board, period FROM ranking_current
UNION SELECT board, period FROM ranking
ORDER BY 1, 2;

-- Scores as of the checkpoint, one partition per board period, named entity_score_<bp_id> and created by
-- the reconciler on a board period's first write (filled, then indexed, then attached: a sorted index build
-- instead of one B-tree insertion per row). No foreign key (a per-row trigger on a bulk write) and no
-- updated_at: only the reconciler writes these rows, and reconcile_run says when. fillfactor leaves room on
-- each page so that a changed score is a HOT update (score and reached_at are not indexed).
ALTER TABLE entity_score RENAME TO entity_score_v2;
ALTER TABLE entity_score_v2 RENAME CONSTRAINT entity_score_pkey TO entity_score_v2_pkey;
CREATE TABLE entity_score (
    bp_id      integer          NOT NULL,  -- board_period.id
    entity     text COLLATE "C" NOT NULL,
    score      double precision NOT NULL,
    reached_at bigint           NOT NULL,  -- epoch ms of the event that set the score (the tie-break)
    PRIMARY KEY (bp_id, entity)
) PARTITION BY LIST (bp_id);
DO $$
DECLARE
    bp integer;
BEGIN
    FOR bp IN SELECT id FROM board_period ORDER BY id LOOP
        EXECUTE format('CREATE TABLE %I PARTITION OF entity_score FOR VALUES IN (%s) WITH (fillfactor = 90)',
                       'entity_score_' || bp, bp);
    END LOOP;
END
$$;
INSERT INTO entity_score (bp_id, entity, score, reached_at)
SELECT b.id, s.entity, s.score, s.reached_at FROM entity_score_v2 s JOIN board_period b USING (board, period);
DROP TABLE entity_score_v2;

-- Rankings, one generation per rewrite of a board period (readers only read ranking_current's generation).
ALTER TABLE ranking RENAME TO ranking_v2;
ALTER TABLE ranking_v2 RENAME CONSTRAINT ranking_pkey TO ranking_v2_pkey;
CREATE TABLE ranking (
    bp_id            integer          NOT NULL,  -- board_period.id
    generation       bigint           NOT NULL,
    ordinal_rank     bigint           NOT NULL,
    competition_rank bigint           NOT NULL,
    dense_rank       bigint           NOT NULL,
    entity           text COLLATE "C" NOT NULL,
    score            double precision NOT NULL,
    reached_at       bigint           NOT NULL,
    PRIMARY KEY (bp_id, generation, ordinal_rank)   -- keyset paging
);
INSERT INTO ranking
SELECT b.id, r.generation, r.ordinal_rank, r.competition_rank, r.dense_rank, r.entity, r.score, r.reached_at
FROM ranking_v2 r JOIN board_period b USING (board, period);
DROP TABLE ranking_v2;

-- ranking_current keeps (board, period) as its key (it is small and read by name) and names the id.
ALTER TABLE ranking_current ADD COLUMN bp_id integer;
UPDATE ranking_current c SET bp_id = b.id FROM board_period b WHERE b.board = c.board AND b.period = c.period;
ALTER TABLE ranking_current ALTER COLUMN bp_id SET NOT NULL;
ALTER TABLE ranking_current ADD UNIQUE (bp_id);
