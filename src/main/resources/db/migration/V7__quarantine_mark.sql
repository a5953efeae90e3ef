-- Quarantine marks are written when the admin API quarantines or restores an entity, not by the next
-- checkpoint: a Redis loss between the two would otherwise restore an entity's old placement (ranked or
-- held) and lose the admin decision. A recovery places every checkpoint entry by these marks: a marked
-- entity's entries are held, the others ranked. held_score stays the checkpoint's held entries.
ALTER TABLE quarantine_checkpoint RENAME TO quarantine_mark;
ALTER TABLE quarantine_mark RENAME CONSTRAINT quarantine_checkpoint_pkey TO quarantine_mark_pkey;
