-- Erasure tombstones: an entity erased from every board (DELETE /api/v1/entities/{entity}) and the Kafka
-- position the live state had reached when it was erased ("topic/partition" → last applied offset). Its
-- rows are deleted from entity_score, held_score, quarantine_checkpoint and every ranking generation in the
-- same transaction that writes the tombstone. A Redis-loss recovery replays Kafka from the checkpoint: the
-- tombstone makes it skip the entity's events at or below that position, so the entity does not come back.
-- A tombstone is deleted by the first checkpoint whose offsets reach its position: no replay can start
-- before it any more, and the id is gone from this table too.
CREATE TABLE erasure (
    entity    text COLLATE "C" PRIMARY KEY,
    erased_at timestamptz      NOT NULL DEFAULT now(),
    offsets   jsonb            NOT NULL
);
