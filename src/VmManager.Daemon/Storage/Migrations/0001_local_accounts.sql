-- Accounts for installs without LDAP, and the demo mode. Hashes come from ASP.NET's PasswordHasher (PBKDF2).
CREATE TABLE local_accounts (
    user_name     TEXT NOT NULL PRIMARY KEY COLLATE NOCASE,
    display_name  TEXT NOT NULL,
    email         TEXT,
    role          TEXT NOT NULL CHECK (role IN ('student', 'teacher', 'admin')),
    password_hash TEXT NOT NULL,
    created_at    TEXT NOT NULL
);
