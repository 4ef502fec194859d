-- Achievement images uploaded in the console (PNG re-encoded without its other chunks, or SVG
-- sanitised), served at {issuer.url}/achievements/{slug}/image; the definition's image names it.
CREATE TABLE achievement_images (
    slug TEXT PRIMARY KEY,
    media_type TEXT NOT NULL,
    bytes BYTEA NOT NULL,
    sha256 TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
