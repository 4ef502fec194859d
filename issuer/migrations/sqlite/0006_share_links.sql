-- Short share links (`/s/{code}`) for the public credential page: one random code per
-- credential, unique across the issuer.
CREATE TABLE share_links (
    code TEXT PRIMARY KEY,
    credential_id TEXT NOT NULL UNIQUE,
    created_at TEXT NOT NULL
);
