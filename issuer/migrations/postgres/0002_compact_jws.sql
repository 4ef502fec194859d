-- VC-JWT: a credential issued as a compact JWS keeps the token beside its JSON.
ALTER TABLE credentials ADD COLUMN compact_jws TEXT;
