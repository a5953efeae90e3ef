-- Reconciliation performance (issue 6): one table per ranking generation. The reconciler builds generation g
-- of a board period as its own table ranking_<bp_id>_<g> (filled in rank order by one INSERT … SELECT with
-- the window functions, then indexed by one sorted build, then analysed), attaches it in the checkpoint
-- transaction, and drops a replaced generation with DROP TABLE instead of a million-row DELETE (dead tuples,
-- WAL, vacuum). docs/reconciliation.md has the write path.
--
-- Readers still read `ranking` with bp_id and generation: partition pruning (at plan time or, with the
-- generation from ranking_current, at run time) takes them to the one table.

ALTER TABLE ranking RENAME TO ranking_v3;
ALTER TABLE ranking_v3 RENAME CONSTRAINT ranking_pkey TO ranking_v3_pkey;
CREATE TABLE ranking (
    bp_id            integer          NOT NULL,  -- board_period.id
    generation       bigint           NOT NULL,
    ordinal_rank     bigint           NOT NULL,
    competition_rank bigint           NOT NULL,
    dense_rank       bigint           NOT NULL,
    entity           text COLLATE "C" NOT NULL,
    score            double precision NOT NULL,
    reached_at       bigint           NOT NULL
) PARTITION BY RANGE (bp_id, generation);
-- No index on the parent: each generation table has PRIMARY KEY (ordinal_rank), which backs keyset paging
-- once pruning has picked the table (half the size of a (bp_id, generation, ordinal_rank) key whose first
-- two columns are constant in the table, and quicker to build).
DO $$
DECLARE
    g record;
BEGIN
    FOR g IN SELECT DISTINCT bp_id, generation FROM ranking_v3 ORDER BY 1, 2 LOOP
        EXECUTE format('CREATE TABLE %I PARTITION OF ranking FOR VALUES FROM (%s, %s) TO (%s, %s)',
                       'ranking_' || g.bp_id || '_' || g.generation, g.bp_id, g.generation, g.bp_id, g.generation + 1);
        EXECUTE format('ALTER TABLE %I ADD PRIMARY KEY (ordinal_rank)', 'ranking_' || g.bp_id || '_' || g.generation);
    END LOOP;
END
$$;
INSERT INTO ranking SELECT * FROM ranking_v3;
DROP TABLE ranking_v3;
