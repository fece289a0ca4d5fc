/// Every schema version, oldest first. Never edit a released migration: add a new one.
///
/// Portable SQL only: TEXT ids (UUIDs), BIGINT unix seconds for times, BOOLEAN (an integer on SQLite),
/// JSON kept as TEXT; CHECK constraints guard what the domain relies on.
public enum Schema {
    public static let migrations: [Migration] = [
        Migration(
            version: 1, name: "initial schema",
            statements: [
                """
                CREATE TABLE universities (
                    id TEXT PRIMARY KEY,
                    name TEXT NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
                    subdomain TEXT NOT NULL UNIQUE CHECK (length(subdomain) BETWEEN 2 AND 63),
                    allowed_domains TEXT NOT NULL DEFAULT '[]',
                    default_silver BIGINT NOT NULL DEFAULT 0 CHECK (default_silver >= 0),
                    default_gold BIGINT NOT NULL DEFAULT 0 CHECK (default_gold >= 0),
                    created_at BIGINT NOT NULL,
                    updated_at BIGINT NOT NULL
                )
                """,
                """
                CREATE TABLE users (
                    id TEXT PRIMARY KEY,
                    university_id TEXT NOT NULL REFERENCES universities (id),
                    email TEXT NOT NULL,
                    name TEXT NOT NULL DEFAULT '',
                    email_verified BOOLEAN NOT NULL DEFAULT FALSE,
                    google_id TEXT,
                    role TEXT NOT NULL DEFAULT 'student' CHECK (role IN ('student', 'university_admin', 'platform_admin')),
                    is_pro BOOLEAN NOT NULL DEFAULT FALSE,
                    created_at BIGINT NOT NULL,
                    UNIQUE (university_id, email)
                )
                """,
                "CREATE UNIQUE INDEX users_google_id ON users (university_id, google_id) WHERE google_id IS NOT NULL",
                """
                CREATE TABLE credit_wallets (
                    user_id TEXT PRIMARY KEY REFERENCES users (id),
                    university_id TEXT NOT NULL REFERENCES universities (id),
                    silver BIGINT NOT NULL DEFAULT 0 CHECK (silver >= 0),
                    gold BIGINT NOT NULL DEFAULT 0 CHECK (gold >= 0),
                    updated_at BIGINT NOT NULL
                )
                """,
                """
                CREATE TABLE runs (
                    id TEXT PRIMARY KEY,
                    university_id TEXT NOT NULL REFERENCES universities (id),
                    user_id TEXT NOT NULL REFERENCES users (id),
                    kind TEXT NOT NULL CHECK (kind IN ('job_pack', 'skill_mapper')),
                    status TEXT NOT NULL CHECK (status IN ('queued', 'running', 'succeeded', 'failed')),
                    cost_currency TEXT NOT NULL CHECK (cost_currency IN ('silver', 'gold')),
                    cost_amount BIGINT NOT NULL CHECK (cost_amount >= 0),
                    attempts INTEGER NOT NULL DEFAULT 0 CHECK (attempts >= 0),
                    max_attempts INTEGER NOT NULL DEFAULT 3 CHECK (max_attempts >= 1),
                    idempotency_key TEXT,
                    request_hash TEXT NOT NULL,
                    error_reason TEXT,
                    result_json TEXT,
                    enqueued_at BIGINT,
                    started_at BIGINT,
                    heartbeat_at BIGINT,
                    finished_at BIGINT,
                    created_at BIGINT NOT NULL,
                    updated_at BIGINT NOT NULL
                )
                """,
                "CREATE UNIQUE INDEX runs_idempotency ON runs (user_id, idempotency_key) WHERE idempotency_key IS NOT NULL",
                "CREATE INDEX runs_owner ON runs (university_id, user_id, created_at, id)",
                "CREATE INDEX runs_status ON runs (status, updated_at)",
                """
                CREATE TABLE credit_transactions (
                    id TEXT PRIMARY KEY,
                    user_id TEXT NOT NULL REFERENCES users (id),
                    university_id TEXT NOT NULL REFERENCES universities (id),
                    feature TEXT,
                    currency TEXT NOT NULL CHECK (currency IN ('silver', 'gold')),
                    amount BIGINT NOT NULL,
                    type TEXT NOT NULL CHECK (type IN ('debit', 'refund', 'topup', 'system')),
                    run_id TEXT REFERENCES runs (id),
                    status TEXT NOT NULL CHECK (status IN ('pending', 'completed', 'failed')),
                    metadata TEXT NOT NULL DEFAULT '{}',
                    idempotency_key TEXT,
                    created_at BIGINT NOT NULL
                )
                """,
                "CREATE UNIQUE INDEX credit_transactions_one_refund ON credit_transactions (run_id) WHERE type = 'refund'",
                "CREATE UNIQUE INDEX credit_transactions_idempotency ON credit_transactions (user_id, idempotency_key) WHERE idempotency_key IS NOT NULL",
                "CREATE INDEX credit_transactions_owner ON credit_transactions (university_id, user_id, created_at, id)",
                """
                CREATE TABLE job_pack_requests (
                    run_id TEXT PRIMARY KEY REFERENCES runs (id),
                    university_id TEXT NOT NULL REFERENCES universities (id),
                    user_id TEXT NOT NULL REFERENCES users (id),
                    job_title TEXT NOT NULL,
                    company TEXT NOT NULL,
                    job_description TEXT NOT NULL,
                    resume_text TEXT NOT NULL,
                    model TEXT NOT NULL,
                    created_at BIGINT NOT NULL
                )
                """,
                """
                CREATE TABLE skill_mapper_runs (
                    run_id TEXT PRIMARY KEY REFERENCES runs (id),
                    university_id TEXT NOT NULL REFERENCES universities (id),
                    user_id TEXT NOT NULL REFERENCES users (id),
                    profile_portal_url TEXT NOT NULL DEFAULT '',
                    profile_text TEXT NOT NULL DEFAULT '',
                    resume_text TEXT NOT NULL DEFAULT '',
                    created_at BIGINT NOT NULL
                )
                """,
                """
                CREATE TABLE otp_requests (
                    id TEXT PRIMARY KEY,
                    university_id TEXT NOT NULL REFERENCES universities (id),
                    email TEXT NOT NULL,
                    code_hash TEXT NOT NULL,
                    attempts INTEGER NOT NULL DEFAULT 0 CHECK (attempts >= 0),
                    consumed BOOLEAN NOT NULL DEFAULT FALSE,
                    expires_at BIGINT NOT NULL,
                    created_at BIGINT NOT NULL
                )
                """,
                "CREATE INDEX otp_requests_email ON otp_requests (university_id, email, created_at)",
                """
                CREATE TABLE sessions (
                    token_hash TEXT PRIMARY KEY,
                    user_id TEXT NOT NULL REFERENCES users (id),
                    university_id TEXT NOT NULL REFERENCES universities (id),
                    created_at BIGINT NOT NULL,
                    expires_at BIGINT NOT NULL,
                    revoked_at BIGINT
                )
                """,
                "CREATE INDEX sessions_user ON sessions (university_id, user_id)",
            ]),
        Migration(
            version: 2, name: "ledger rows by run",
            statements: [
                // Completing or refunding a run updates its debit row; without this every completion scanned the ledger.
                "CREATE INDEX credit_transactions_run ON credit_transactions (run_id)"
            ]),
        Migration(
            version: 3, name: "tools: plans, model usage, PDFs, portal hosts, synchronous tool calls",
            statements: [
                "ALTER TABLE runs ADD COLUMN plan TEXT NOT NULL DEFAULT 'free' CHECK (plan IN ('free', 'pro'))",
                "ALTER TABLE runs ADD COLUMN usage_model TEXT NOT NULL DEFAULT ''",
                "ALTER TABLE runs ADD COLUMN usage_prompt_tokens BIGINT NOT NULL DEFAULT 0",
                "ALTER TABLE runs ADD COLUMN usage_completion_tokens BIGINT NOT NULL DEFAULT 0",
                "ALTER TABLE runs ADD COLUMN usage_cached_tokens BIGINT NOT NULL DEFAULT 0",
                "ALTER TABLE runs ADD COLUMN usage_model_calls INTEGER NOT NULL DEFAULT 0",
                // Base64 text, so both engines keep it the same way; written with the run's success.
                """
                CREATE TABLE run_pdfs (
                    run_id TEXT PRIMARY KEY REFERENCES runs (id),
                    pdf_base64 TEXT NOT NULL,
                    size_bytes BIGINT NOT NULL CHECK (size_bytes > 0),
                    created_at BIGINT NOT NULL
                )
                """,
                "ALTER TABLE universities ADD COLUMN profile_portal_hosts TEXT NOT NULL DEFAULT '[]'",
                """
                CREATE TABLE tool_calls (
                    id TEXT PRIMARY KEY,
                    university_id TEXT NOT NULL REFERENCES universities (id),
                    user_id TEXT NOT NULL REFERENCES users (id),
                    feature TEXT NOT NULL CHECK (feature IN ('internship_finder', 'referral_trainer')),
                    status TEXT NOT NULL CHECK (status IN ('pending', 'succeeded', 'failed')),
                    cost_currency TEXT NOT NULL CHECK (cost_currency IN ('silver', 'gold')),
                    cost_amount BIGINT NOT NULL CHECK (cost_amount >= 0),
                    debit_id TEXT NOT NULL,
                    idempotency_key TEXT,
                    request_hash TEXT NOT NULL,
                    result_json TEXT,
                    error_reason TEXT,
                    created_at BIGINT NOT NULL,
                    finished_at BIGINT
                )
                """,
                "CREATE UNIQUE INDEX tool_calls_idempotency ON tool_calls (user_id, idempotency_key) WHERE idempotency_key IS NOT NULL",
                "CREATE INDEX tool_calls_pending ON tool_calls (status, created_at)",
            ]),
        Migration(
            version: 4,
            name: "rows name a member of their university: one foreign key to the user, none to the university",
            statements: [],
            // Each foreign-key check takes FOR KEY SHARE on the row it finds. With one key to
            // universities and one to users, every start locked its university's one row three times,
            // where the starts of all its students met. One composite key to users (university_id, id)
            // locks only the student's own row, and says more: the user belongs to that university.
            postgresStatements: ["ALTER TABLE users ADD CONSTRAINT users_university_member UNIQUE (university_id, id)"]
                + memberTables.map { table in
                    """
                    ALTER TABLE \(table) DROP CONSTRAINT \(table)_university_id_fkey, DROP CONSTRAINT \(table)_user_id_fkey,
                        ADD CONSTRAINT \(table)_member_fkey FOREIGN KEY (university_id, user_id) REFERENCES users (university_id, id)
                    """
                },
            // SQLite takes no row locks, and changing a foreign key there means rebuilding the table:
            // it keeps its two keys and says the membership rule with a trigger on each table.
            sqliteStatements: memberTables.flatMap { table in
                ["INSERT", "UPDATE OF university_id, user_id"].enumerated().map { index, event in
                    """
                    CREATE TRIGGER \(table)_member_\(index == 0 ? "insert" : "update") BEFORE \(event) ON \(table)
                    WHEN NOT EXISTS (SELECT 1 FROM users WHERE id = NEW.user_id AND university_id = NEW.university_id)
                    BEGIN SELECT RAISE(ABORT, '\(table): the user is not a member of that university'); END
                    """
                }
            }),
    ]

    /// The tables whose rows name a user and that user's university.
    private static let memberTables = [
        "credit_wallets", "runs", "credit_transactions", "job_pack_requests", "skill_mapper_runs", "sessions",
        "tool_calls",
    ]
}
