-- The quarantine as of the checkpoint (issue 5's anti-cheat review, issue 6's recovery): written in the same
-- transaction as entity_score and ingest_checkpoint, read back with them after a Redis loss. A quarantined
-- entity keeps its score but is out of every rank: its entries are not in entity_score (nor in the
-- rankings) but here, so that a Redis loss neither loses them nor, replaying Kafka from the checkpoint,
-- counts the replayed events twice. Both tables are small (entities under review) and rewritten whole by
-- every checkpoint.

-- Every quarantined (board, entity).
CREATE TABLE quarantine_checkpoint (
    board  text             NOT NULL,
    entity text COLLATE "C" NOT NULL,
    PRIMARY KEY (board, entity)
);

-- The held entries of quarantined entities, per board period.
CREATE TABLE held_score (
    board      text             NOT NULL,
    period     text             NOT NULL,
    entity     text COLLATE "C" NOT NULL,
    score      double precision NOT NULL,
    reached_at bigint           NOT NULL,
    PRIMARY KEY (board, period, entity)
);
