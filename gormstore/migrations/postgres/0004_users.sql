-- People (issue 16): users sign in with an email and a password, hold
-- one role per workspace (memberships), and act through sessions. email
-- is stored lower-cased, so the unique index makes addresses unique
-- case-insensitively. Sessions and password links (invites, resets) keep
-- only the SHA-256 of their secret, looked up by a unique index.
CREATE TABLE users (
    id            text PRIMARY KEY,
    email         text NOT NULL,
    name          text NOT NULL,
    password_hash text NOT NULL DEFAULT '',
    created_at    timestamp with time zone NOT NULL
);
CREATE UNIQUE INDEX idx_users_email ON users (email);

CREATE TABLE sessions (
    id           text PRIMARY KEY,
    user_id      text NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    hash         text NOT NULL,
    created_at   timestamp with time zone NOT NULL,
    last_used_at timestamp with time zone NOT NULL,
    expires_at   timestamp with time zone NOT NULL
);
CREATE UNIQUE INDEX idx_sessions_hash ON sessions (hash);
CREATE INDEX idx_sessions_user ON sessions (user_id);

CREATE TABLE memberships (
    workspace_id text NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
    user_id      text NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    role         text NOT NULL,
    created_at   timestamp with time zone NOT NULL,
    PRIMARY KEY (workspace_id, user_id)
);
CREATE INDEX idx_memberships_user ON memberships (user_id);

CREATE TABLE password_tokens (
    hash       text PRIMARY KEY,
    user_id    text NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    kind       text NOT NULL,
    expires_at timestamp with time zone NOT NULL,
    created_at timestamp with time zone NOT NULL
);
CREATE INDEX idx_password_tokens_user ON password_tokens (user_id);
