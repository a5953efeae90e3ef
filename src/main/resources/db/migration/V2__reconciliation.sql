-- Reconciliation (issue 6): the authoritative, durable copy of the live state, written by the reconciler
-- (io.standings.reconcile). docs/reconciliation.md describes the guarantees.
--
-- Entity ids compare by code point everywhere (index, Redis members, here): COLLATE "C".

-- Every entity's score per board period, as of the checkpoint in ingest_checkpoint (same transaction).
CREATE TABLE entity_score (
    board      text             NOT NULL,
    period     text             NOT NULL,
    entity     text COLLATE "C" NOT NULL,
    score      double precision NOT NULL,
    reached_at bigint           NOT NULL,  -- epoch ms of the event that set the score (the tie-break)
    updated_at timestamptz      NOT NULL DEFAULT now(),
    PRIMARY KEY (board, period, entity)
);

-- The last applied offset per partition that entity_score reflects (same meaning as the Redis offsets hash).
CREATE TABLE ingest_checkpoint (
    topic      text        NOT NULL,
    partition  integer     NOT NULL,
    "offset"   bigint      NOT NULL,
    updated_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (topic, partition)
);

-- Rankings, one generation per rewrite of a board period. Readers only read the generation named in
-- ranking_current; the previous one is kept so that a reader paging through it can finish.
CREATE TABLE ranking (
    board            text             NOT NULL,
    period           text             NOT NULL,
    generation       bigint           NOT NULL,
    ordinal_rank     bigint           NOT NULL,
    competition_rank bigint           NOT NULL,
    dense_rank       bigint           NOT NULL,
    entity           text COLLATE "C" NOT NULL,
    score            double precision NOT NULL,
    reached_at       bigint           NOT NULL,
    PRIMARY KEY (board, period, generation, ordinal_rank)   -- keyset paging
);

-- Which generation readers see, per board period: switching is one UPDATE. A closed period's current
-- generation is its frozen final ranking.
CREATE TABLE ranking_current (
    board         text        NOT NULL,
    period        text        NOT NULL,
    generation    bigint      NOT NULL,
    entries       bigint      NOT NULL,
    reconciled_at timestamptz NOT NULL,
    closed_at     timestamptz,           -- set when the period ended and its ranking was frozen
    released_at   timestamptz,           -- set when memory and Redis let go of the closed period
    PRIMARY KEY (board, period)
);
CREATE INDEX ranking_current_closed ON ranking_current (board, period) WHERE closed_at IS NOT NULL;

-- One row per reconcile run.
CREATE TABLE reconcile_run (
    id             bigserial   PRIMARY KEY,
    started        timestamptz NOT NULL,
    finished       timestamptz NOT NULL,
    board_periods  integer     NOT NULL,  -- board periods rewritten
    rows           bigint      NOT NULL,  -- entity_score rows written or deleted
    drift_found    integer     NOT NULL,
    drift_repaired integer     NOT NULL,
    duration_ms    bigint      NOT NULL,
    snapshot_ms    bigint      NOT NULL
);
