-- Wallet hand-off: one claim session per "Send to wallet", for both flows (OpenID4VCI
-- pre-authorized code and the VC-API exchange). Every secret is stored as its SHA-256 (hex);
-- the session id is public (it names the offer and the exchange).
CREATE TABLE claim_sessions (
    id TEXT PRIMARY KEY,
    credential_id TEXT NOT NULL REFERENCES credentials(id),
    offer_hash TEXT NOT NULL UNIQUE,
    exchange_hash TEXT NOT NULL UNIQUE,
    pre_authorized_code_hash TEXT NOT NULL UNIQUE,
    tx_code_hash TEXT,
    tx_code_failures INTEGER NOT NULL DEFAULT 0,
    access_token_hash TEXT UNIQUE,
    access_token_expires_at TEXT,
    challenge TEXT NOT NULL UNIQUE,
    created_at TEXT NOT NULL,
    expires_at TEXT NOT NULL,
    -- offered → token_issued (OpenID4VCI) → claiming → claimed; failed after too many wrong
    -- transaction codes.
    state TEXT NOT NULL,
    claimed_at TEXT,
    holder_did TEXT,
    issued_credential_id TEXT,
    notification_id TEXT UNIQUE,
    notification_event TEXT,
    created_by TEXT NOT NULL
);
CREATE INDEX claim_sessions_credential ON claim_sessions(credential_id);

-- OpenID4VCI §7: c_nonce values are MACed by the issuer and need no row until used; a used one
-- is kept here until it expires, so it is accepted once.
CREATE TABLE claim_nonces (
    nonce_hash TEXT PRIMARY KEY,
    expires_at TEXT NOT NULL
);

-- One-time claim links mailed to a credential's recipient: in the award email, or asked for on
-- the public credential page.
CREATE TABLE claim_links (
    token_hash TEXT PRIMARY KEY,
    credential_id TEXT NOT NULL REFERENCES credentials(id),
    created_at TEXT NOT NULL,
    expires_at TEXT NOT NULL,
    used_at TEXT,
    -- 1: asked for on the credential's page (these are rate-limited); 0: in the award email.
    requested INTEGER NOT NULL DEFAULT 0
);

-- A credential a holder claimed into a wallet is a copy bound to the holder's DID; it shares
-- the status entries of the credential it was copied from (one revocation covers both).
ALTER TABLE credentials ADD COLUMN source_credential_id TEXT;
