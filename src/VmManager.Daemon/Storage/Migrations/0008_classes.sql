-- Classes: who teaches whom. Local classes are managed by admins (UI, CLI); directory classes are
-- replaced by each refresh from LDAP, so a student who left a group stops being visible to its teachers.
CREATE TABLE classes (
    id           TEXT NOT NULL PRIMARY KEY COLLATE NOCASE,
    display_name TEXT NOT NULL,
    source       TEXT NOT NULL CHECK (source IN ('local', 'ldap')),
    updated_at   TEXT NOT NULL
);

-- One row per person and part: a user may be a student of one class and a teacher of another. The name
-- and address come from the directory when it is the source, so teachers who never logged in get mail.
CREATE TABLE class_members (
    class_id     TEXT NOT NULL REFERENCES classes (id) ON DELETE CASCADE,
    user_name    TEXT NOT NULL COLLATE NOCASE,
    part         TEXT NOT NULL CHECK (part IN ('student', 'teacher')),
    display_name TEXT,
    email        TEXT,
    PRIMARY KEY (class_id, part, user_name)
);
CREATE INDEX class_members_user ON class_members (user_name, part);

-- A class's quota above the role's default (null fields keep it); a student in several classes gets the highest.
CREATE TABLE class_quotas (
    class_id        TEXT NOT NULL PRIMARY KEY REFERENCES classes (id) ON DELETE CASCADE,
    max_vms         INTEGER CHECK (max_vms >= 0),
    max_cpus        INTEGER CHECK (max_cpus >= 0),
    max_memory_mib  INTEGER CHECK (max_memory_mib >= 0),
    max_disk_gib    INTEGER CHECK (max_disk_gib >= 0),
    max_running_vms INTEGER CHECK (max_running_vms >= 0),
    set_at          TEXT NOT NULL,
    set_by          TEXT NOT NULL
);

-- The last directory refresh: when memberships were last read, and the last failure if the directory was down.
CREATE TABLE class_sync (
    source        TEXT NOT NULL PRIMARY KEY,
    synced_at     TEXT,
    attempted_at  TEXT NOT NULL,
    last_error    TEXT
);
