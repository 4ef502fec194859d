-- Earning an achievement by evidence: a teacher's submissions (one row per attempt), the files
-- and links attached to them, the reviews they are given, and declared reviewer conflicts.
CREATE TABLE submissions (
    id TEXT PRIMARY KEY,
    achievement_slug TEXT NOT NULL,
    -- Lower-cased; the signed-in teacher's address.
    teacher_email TEXT NOT NULL,
    teacher_name TEXT,
    attempt BIGINT NOT NULL,
    -- in-review | tie-break | grantor | earned | not-yet | incomplete | withdrawn.
    state TEXT NOT NULL,
    -- {prompt id: the teacher's text}.
    answers_json TEXT NOT NULL,
    -- What changed since the attempt before (attempt 2 on).
    change_note TEXT,
    submitted_at TEXT NOT NULL,
    decided_at TEXT,
    -- {"outcome": …, "levels": {criterion: level}}.
    decision_json TEXT,
    credential_id TEXT,
    UNIQUE (achievement_slug, teacher_email, attempt)
);
CREATE INDEX submissions_teacher ON submissions(teacher_email);
CREATE INDEX submissions_state ON submissions(state);

-- A file (bytes with their SHA-256, the type its content shows) or a link. Bytes are removed
-- when the submission is withdrawn or its retention period ends; the digest stays.
CREATE TABLE submission_artifacts (
    id TEXT PRIMARY KEY,
    submission_id TEXT NOT NULL REFERENCES submissions(id),
    position BIGINT NOT NULL,
    name TEXT NOT NULL,
    media_type TEXT,
    sha256 TEXT,
    size BIGINT NOT NULL,
    bytes BYTEA,
    url TEXT,
    created_at TEXT NOT NULL,
    deleted_at TEXT
);
CREATE INDEX submission_artifacts_submission ON submission_artifacts(submission_id);

-- One review of a submission: its slot (first, second, tie-break, grantor), its reviewer, and
-- once submitted the recommendation, levels and feedback.
CREATE TABLE reviews (
    id TEXT PRIMARY KEY,
    submission_id TEXT NOT NULL REFERENCES submissions(id),
    slot TEXT NOT NULL,
    reviewer_email TEXT NOT NULL,
    assigned_at TEXT NOT NULL,
    due_at TEXT NOT NULL,
    reminded_at TEXT,
    recommendation TEXT,
    levels_json TEXT,
    feedback_json TEXT,
    overall TEXT,
    submitted_at TEXT,
    UNIQUE (submission_id, slot)
);
CREATE INDEX reviews_reviewer ON reviews(reviewer_email);

-- A reviewer who must not review a teacher's submissions (colleagues, family, their coach).
CREATE TABLE review_conflicts (
    reviewer_email TEXT NOT NULL,
    teacher_email TEXT NOT NULL,
    note TEXT,
    created_at TEXT NOT NULL,
    PRIMARY KEY (reviewer_email, teacher_email)
);

-- A teacher's request that an achievement count toward pay (a salary step or lane, or
-- continuing-education hours), decided by staff before it is earned.
CREATE TABLE preapprovals (
    id TEXT PRIMARY KEY,
    teacher_email TEXT NOT NULL,
    teacher_name TEXT,
    achievement_slug TEXT NOT NULL,
    -- salary-step | ce-hours
    purpose TEXT NOT NULL,
    -- What it counts for: the step, lane or hours, in the teacher's words.
    detail TEXT NOT NULL,
    requested_at TEXT NOT NULL,
    -- pending | approved | denied
    state TEXT NOT NULL,
    decided_by TEXT,
    decided_at TEXT,
    note TEXT
);
CREATE INDEX preapprovals_teacher ON preapprovals(teacher_email);
