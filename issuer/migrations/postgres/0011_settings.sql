-- What the district changes at run time in the console (the issuer profile's name, description,
-- contact email, image and web page; the sender of its emails). A key present here overrides
-- cairn.toml; every change is audited (settings.change).
CREATE TABLE settings (
    name TEXT PRIMARY KEY,
    value TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
