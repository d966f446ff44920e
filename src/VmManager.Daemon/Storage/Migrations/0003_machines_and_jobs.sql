-- VMs and the durable jobs that change them. A VM row is kept (state 'deleted') for the audit trail.
CREATE TABLE machines (
    id                 TEXT NOT NULL PRIMARY KEY,
    owner              TEXT NOT NULL,
    name               TEXT NOT NULL,
    template_id        TEXT NOT NULL,
    cpus               INTEGER NOT NULL CHECK (cpus > 0),
    memory_mib         INTEGER NOT NULL CHECK (memory_mib > 0),
    disk_gib           INTEGER NOT NULL CHECK (disk_gib > 0),
    -- creating, running, stopped, failed, deleting, deleted, gone (removed outside the daemon)
    state              TEXT NOT NULL,
    domain_name        TEXT NOT NULL UNIQUE,
    folder             TEXT NOT NULL,
    login_user         TEXT NOT NULL,
    password_protected TEXT NOT NULL,
    created_at         TEXT NOT NULL,
    expires_at         TEXT NOT NULL,
    deleted_at         TEXT,
    last_error         TEXT
);
-- One live VM per owner and name; deleted rows free the name.
CREATE UNIQUE INDEX machines_owner_name ON machines (owner, name) WHERE state NOT IN ('deleted', 'gone');
CREATE INDEX machines_expiry ON machines (expires_at) WHERE state NOT IN ('deleted', 'gone');

CREATE TABLE jobs (
    id           INTEGER PRIMARY KEY,
    machine_id   TEXT NOT NULL REFERENCES machines (id),
    kind         TEXT NOT NULL,  -- create, start, stop, force-off, reboot, delete
    state        TEXT NOT NULL,  -- queued, running, succeeded, failed
    requested_by TEXT NOT NULL,
    attempt      INTEGER NOT NULL DEFAULT 1,
    created_at   TEXT NOT NULL,
    started_at   TEXT,
    finished_at  TEXT,
    step         TEXT,
    error        TEXT,
    output       TEXT NOT NULL DEFAULT ''
);
-- At most one operation per VM at a time, enforced by the database itself.
CREATE UNIQUE INDEX jobs_one_active_per_machine ON jobs (machine_id) WHERE state IN ('queued', 'running');
CREATE INDEX jobs_state ON jobs (state, id);
CREATE INDEX jobs_machine ON jobs (machine_id, id);
