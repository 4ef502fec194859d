-- A reservation of an Idempotency-Key is a lease: when the request holding it dies (a crash, a
-- kill -9), the key becomes retryable once the lease runs out. The credentials a request stored
-- are recorded with its key in the same transaction, so a retry returns them instead of issuing
-- again; a request whose lease was taken over cannot store anything.
ALTER TABLE idempotency_keys ADD COLUMN lease_id TEXT;
ALTER TABLE idempotency_keys ADD COLUMN lease_until TEXT;
ALTER TABLE idempotency_keys ADD COLUMN credential_ids TEXT;
