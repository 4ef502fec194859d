-- Issuer database, first version (PostgreSQL): profile, public keys, achievements, credentials,
-- audit log. Private keys never enter the database; they stay in key files (0600).

CREATE TABLE issuer_profile (
    id TEXT PRIMARY KEY,
    profile_json TEXT NOT NULL,
    created_at TEXT NOT NULL
);

CREATE TABLE public_keys (
    key_id TEXT PRIMARY KEY,
    issuer_id TEXT NOT NULL REFERENCES issuer_profile(id),
    algorithm TEXT NOT NULL,
    verification_method TEXT NOT NULL UNIQUE,
    public_key TEXT NOT NULL,
    status TEXT NOT NULL DEFAULT 'active',
    created_at TEXT NOT NULL,
    retired_at TEXT
);

CREATE TABLE achievements (
    id TEXT PRIMARY KEY,
    slug TEXT NOT NULL UNIQUE,
    definition_json TEXT NOT NULL,
    achievement_json TEXT NOT NULL,
    archived BIGINT NOT NULL DEFAULT 0,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);

CREATE TABLE credentials (
    id TEXT PRIMARY KEY,
    achievement_id TEXT NOT NULL REFERENCES achievements(id),
    recipient_lookup TEXT NOT NULL,
    recipient_did TEXT,
    document_json TEXT NOT NULL,
    status TEXT NOT NULL DEFAULT 'active',
    valid_from TEXT NOT NULL,
    valid_until TEXT,
    issued_at TEXT NOT NULL
);
CREATE INDEX credentials_recipient ON credentials(recipient_lookup);
CREATE INDEX credentials_achievement ON credentials(achievement_id);

CREATE TABLE audit_log (
    seq BIGSERIAL PRIMARY KEY,
    at TEXT NOT NULL,
    actor TEXT NOT NULL,
    action TEXT NOT NULL,
    subject TEXT,
    detail_json TEXT
);
CREATE FUNCTION audit_log_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'audit_log is append-only';
END;
$$;
CREATE TRIGGER audit_log_no_update BEFORE UPDATE OR DELETE ON audit_log
FOR EACH ROW EXECUTE FUNCTION audit_log_append_only();
