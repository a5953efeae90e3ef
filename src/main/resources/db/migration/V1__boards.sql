-- Board definitions (issue 4 manages them over the admin API; this slice creates the table).
CREATE TABLE board (
    id              text        PRIMARY KEY CHECK (id ~ '^[a-z0-9][a-z0-9_.-]{0,63}$'),
    sort_order      text        NOT NULL CHECK (sort_order IN ('desc', 'asc')),
    ties            text        NOT NULL CHECK (ties IN ('ordinal', 'competition', 'dense')),
    operator        text        NOT NULL CHECK (operator IN ('set', 'incr', 'best')),
    period          text        NOT NULL DEFAULT 'none' CHECK (period IN ('none', 'daily', 'weekly', 'monthly')),
    time_zone       text        NOT NULL DEFAULT 'UTC',
    decay_half_life interval,
    created_at      timestamptz NOT NULL DEFAULT now(),
    updated_at      timestamptz NOT NULL DEFAULT now()
);
