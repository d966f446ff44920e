-- Server-side sessions: the cookie only names one, so logout and "log this user out everywhere" take
-- effect at the next request. The id itself is never stored, only its SHA-256.
CREATE TABLE sessions (
    id_hash        TEXT NOT NULL PRIMARY KEY,
    user_name      TEXT NOT NULL COLLATE NOCASE,
    role           TEXT NOT NULL CHECK (role IN ('student', 'teacher', 'admin')),
    display_name   TEXT NOT NULL,
    created_at     TEXT NOT NULL,
    last_seen_at   TEXT NOT NULL,
    expires_at     TEXT NOT NULL,
    revoked_at     TEXT,
    client_address TEXT
);
CREATE INDEX sessions_user ON sessions (user_name, created_at);
CREATE INDEX sessions_expiry ON sessions (expires_at);
