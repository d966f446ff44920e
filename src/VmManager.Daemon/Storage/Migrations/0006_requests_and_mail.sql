-- Who can be written to: the address and name each user had at their latest login (LDAP mail, or the local
-- account's email). Kept apart from sessions, which are pruned a day after they expire while a VM lease or
-- a pending request may outlive them.
CREATE TABLE user_contacts (
    user_name    TEXT NOT NULL PRIMARY KEY COLLATE NOCASE,
    display_name TEXT NOT NULL,
    email        TEXT,
    updated_at   TEXT NOT NULL
);

-- A student's request for more quota, more lifetime for one VM, or a template (handled by hand).
CREATE TABLE resource_requests (
    id             INTEGER PRIMARY KEY,
    requester      TEXT NOT NULL COLLATE NOCASE,
    -- The requester's role when asking: the approved extra is added to that role's effective quota.
    requester_role TEXT NOT NULL CHECK (requester_role IN ('student', 'teacher', 'admin')),
    kind           TEXT NOT NULL CHECK (kind IN ('vms', 'cpus', 'memoryMiB', 'diskGiB', 'lifetimeHours', 'template')),
    amount         INTEGER CHECK (amount > 0),
    machine_id     TEXT REFERENCES machines (id),
    template       TEXT,
    until          TEXT NOT NULL,
    reason         TEXT NOT NULL,
    status         TEXT NOT NULL CHECK (status IN ('pending', 'approved', 'refused', 'expired')),
    created_at     TEXT NOT NULL,
    decided_at     TEXT,
    decided_by     TEXT,
    comment        TEXT
);
CREATE INDEX resource_requests_requester ON resource_requests (requester, created_at);
CREATE INDEX resource_requests_pending ON resource_requests (until) WHERE status = 'pending';

-- Every e-mail, written in the transaction of the event that causes it and sent afterwards by the
-- outbox sender: one row per recipient, so a retry resends exactly one message.
CREATE TABLE mail_outbox (
    id              INTEGER PRIMARY KEY,
    created_at      TEXT NOT NULL,
    -- What caused it, for the admin: request:42, lease:<vm-id>.
    cause           TEXT NOT NULL,
    to_address      TEXT NOT NULL,
    to_name         TEXT,
    subject         TEXT NOT NULL,
    body            TEXT NOT NULL,
    state           TEXT NOT NULL CHECK (state IN ('pending', 'sent', 'failed')),
    attempts        INTEGER NOT NULL DEFAULT 0,
    next_attempt_at TEXT NOT NULL,
    sent_at         TEXT,
    last_error      TEXT,
    last_error_at   TEXT
);
CREATE INDEX mail_outbox_due ON mail_outbox (next_attempt_at, id) WHERE state = 'pending';
CREATE INDEX mail_outbox_state ON mail_outbox (state, created_at);

-- Lease warnings per VM and threshold (seconds before expiry). 'armed' once the VM was seen with more
-- time left than the threshold, 'sent' once warned; seeing it outside the window again (an extension)
-- re-arms it. A VM never seen outside a window (a 2-hour VM and the 24-hour warning) is not warned.
CREATE TABLE lease_warnings (
    machine_id        TEXT NOT NULL REFERENCES machines (id),
    threshold_seconds INTEGER NOT NULL CHECK (threshold_seconds > 0),
    state             TEXT NOT NULL CHECK (state IN ('armed', 'sent')),
    changed_at        TEXT NOT NULL,
    PRIMARY KEY (machine_id, threshold_seconds)
);
