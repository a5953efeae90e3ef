-- Board definitions: data, managed over the admin API (PUT/DELETE /api/v1/boards/{board}),
-- cached in memory by every instance.
CREATE TABLE board (
    id                 text        PRIMARY KEY CHECK (id ~ '^[a-z0-9][a-z0-9_.-]{0,63}$'),
    sort_order         text        NOT NULL CHECK (sort_order IN ('desc', 'asc')),
    ties               text        NOT NULL CHECK (ties IN ('ordinal', 'competition', 'dense')),
    operator           text        NOT NULL CHECK (operator IN ('set', 'incr', 'best')),
    period             text        NOT NULL DEFAULT 'none' CHECK (period IN ('none', 'daily', 'weekly', 'monthly')),
    time_zone          text        NOT NULL DEFAULT 'UTC',
    decay_half_life_ms bigint      CHECK (decay_half_life_ms > 0),
    created_at         timestamptz NOT NULL DEFAULT now(),
    updated_at         timestamptz NOT NULL DEFAULT now(),
    CHECK (decay_half_life_ms IS NULL OR sort_order = 'desc')
);
