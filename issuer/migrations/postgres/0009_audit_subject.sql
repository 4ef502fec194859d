-- The public page reads a credential's own audit entries (when it was revoked or suspended).
CREATE INDEX audit_log_subject ON audit_log(subject);
