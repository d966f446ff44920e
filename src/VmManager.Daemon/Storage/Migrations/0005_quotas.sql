-- Per-user exceptions to the role's quota (Quotas:Student|Teacher|Admin). One row per source ('admin',
-- or a resource request later) so each can be replaced or withdrawn alone; per field, the most recently
-- set unexpired non-null value wins, and a null field keeps the role default.
CREATE TABLE quota_overrides (
    id              INTEGER PRIMARY KEY,
    user_name       TEXT NOT NULL COLLATE NOCASE,
    source          TEXT NOT NULL,
    max_vms         INTEGER CHECK (max_vms >= 0),
    max_cpus        INTEGER CHECK (max_cpus >= 0),
    max_memory_mib  INTEGER CHECK (max_memory_mib >= 0),
    max_disk_gib    INTEGER CHECK (max_disk_gib >= 0),
    max_running_vms INTEGER CHECK (max_running_vms >= 0),
    expires_at      TEXT,
    set_at          TEXT NOT NULL,
    set_by          TEXT NOT NULL,
    reason          TEXT,
    UNIQUE (user_name, source)
);
