-- The console's people: staff who sign in, their roles, their sessions, and sign-ins under way.
-- Every secret (session cookies, sign-in states, emailed links) is stored as its SHA-256 only.
CREATE TABLE staff_users (
    -- Lower-cased; the OpenID provider's `email` claim or the address a link was mailed to.
    email TEXT PRIMARY KEY,
    name TEXT,
    -- admin | staff | reviewer | auditor (cairn_issuer::Role).
    role TEXT NOT NULL,
    created_at TEXT NOT NULL,
    disabled_at TEXT
);

CREATE TABLE staff_sessions (
    id_hash TEXT PRIMARY KEY,
    email TEXT NOT NULL REFERENCES staff_users(email),
    -- oidc | link: how the person proved who they are.
    method TEXT NOT NULL,
    created_at TEXT NOT NULL,
    last_seen_at TEXT NOT NULL,
    -- The absolute end; the idle end is last_seen_at plus the configured idle time.
    expires_at TEXT NOT NULL,
    ended_at TEXT
);
CREATE INDEX staff_sessions_email ON staff_sessions(email);

-- OpenID Connect sign-ins under way: the `state` sent to the provider, bound to the browser
-- that started it (the hash of its sign-in cookie); used once.
CREATE TABLE sign_in_flows (
    state_hash TEXT PRIMARY KEY,
    browser_hash TEXT NOT NULL,
    created_at TEXT NOT NULL,
    expires_at TEXT NOT NULL,
    used_at TEXT
);

-- One-time sign-in links mailed to staff outside the district's directory.
CREATE TABLE sign_in_links (
    token_hash TEXT PRIMARY KEY,
    email TEXT NOT NULL,
    created_at TEXT NOT NULL,
    expires_at TEXT NOT NULL,
    used_at TEXT
);
CREATE INDEX sign_in_links_email ON sign_in_links(email, created_at);
