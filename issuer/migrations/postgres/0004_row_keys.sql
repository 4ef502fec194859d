-- Bulk issuance: a roster row's key, so that re-running a roster never issues a row twice.
ALTER TABLE credentials ADD COLUMN row_key TEXT;
CREATE UNIQUE INDEX credentials_row_key ON credentials(row_key);
