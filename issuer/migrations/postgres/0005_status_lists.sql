-- Status lists (W3C Bitstring Status List v1.0): one row per published list, one row per
-- allocated entry. An index is unique within its list, so two instances can never hand out the
-- same one; `version` counts changes, so a slower publisher never overwrites a newer list.
CREATE TABLE status_lists (
    id TEXT PRIMARY KEY,
    purpose TEXT NOT NULL,
    seq BIGINT NOT NULL,
    size BIGINT NOT NULL,
    is_full BIGINT NOT NULL DEFAULT 0,
    version BIGINT NOT NULL DEFAULT 0,
    published_version BIGINT,
    published_json TEXT,
    etag TEXT,
    published_at TEXT,
    valid_until TEXT,
    created_at TEXT NOT NULL,
    UNIQUE (purpose, seq)
);

CREATE TABLE status_entries (
    list_id TEXT NOT NULL REFERENCES status_lists(id),
    idx BIGINT NOT NULL,
    credential_id TEXT NOT NULL,
    purpose TEXT NOT NULL,
    is_set BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (list_id, idx)
);
CREATE INDEX status_entries_credential ON status_entries(credential_id);
