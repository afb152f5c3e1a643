-- The schema Serentak had when it stopped using GORM's AutoMigrate. A
-- database made by those builds is adopted as being at this version
-- (migrate.go); never edit this file: write the next migration instead.
--
-- It keeps AutoMigrate's column types (datetime for times, stored as UTC
-- text; numeric for booleans) and its text primary keys without NOT NULL,
-- so that a new database and an adopted one are the same.

CREATE TABLE workspaces (
    id text,
    name text NOT NULL,
    timezone text NOT NULL,
    created_at datetime NOT NULL,
    PRIMARY KEY (id)
);

CREATE TABLE api_keys (
    id text,
    workspace_id text NOT NULL,
    hash text NOT NULL,
    created_at datetime NOT NULL,
    PRIMARY KEY (id),
    CONSTRAINT fk_api_keys_workspace FOREIGN KEY (workspace_id) REFERENCES workspaces (id)
);
CREATE UNIQUE INDEX idx_api_keys_hash ON api_keys (hash);
CREATE INDEX idx_api_keys_workspace ON api_keys (workspace_id);

-- access_token and refresh_token are sealed (secretbox, the account ID as
-- additional data); '' means no token.
CREATE TABLE accounts (
    id text,
    workspace_id text NOT NULL,
    platform text NOT NULL,
    external_id text NOT NULL,
    name text NOT NULL,
    status text NOT NULL,
    status_reason text NOT NULL,
    access_token text NOT NULL,
    refresh_token text NOT NULL,
    token_expires_at datetime,
    created_at datetime NOT NULL,
    updated_at datetime NOT NULL,
    PRIMARY KEY (id),
    CONSTRAINT fk_accounts_workspace FOREIGN KEY (workspace_id) REFERENCES workspaces (id)
);
CREATE UNIQUE INDEX idx_accounts_external ON accounts (workspace_id, platform, external_id);

CREATE TABLE media (
    id text,
    workspace_id text NOT NULL,
    content_type text NOT NULL,
    size integer NOT NULL,
    kind text NOT NULL,
    storage_key text NOT NULL,
    created_at datetime NOT NULL,
    width integer NOT NULL DEFAULT 0,
    height integer NOT NULL DEFAULT 0,
    duration_ms integer NOT NULL DEFAULT 0,
    video_codec text NOT NULL DEFAULT '',
    audio_codec text NOT NULL DEFAULT '',
    frame_rate real NOT NULL DEFAULT 0,
    PRIMARY KEY (id),
    CONSTRAINT fk_media_workspace FOREIGN KEY (workspace_id) REFERENCES workspaces (id)
);
CREATE INDEX idx_media_workspace ON media (workspace_id);

CREATE TABLE posts (
    id text,
    workspace_id text NOT NULL,
    product text,
    caption text NOT NULL,
    hashtags text NOT NULL,
    media text NOT NULL,
    scheduled_at datetime NOT NULL,
    status text NOT NULL,
    created_at datetime NOT NULL,
    updated_at datetime NOT NULL,
    PRIMARY KEY (id),
    CONSTRAINT fk_posts_workspace FOREIGN KEY (workspace_id) REFERENCES workspaces (id)
);
CREATE INDEX idx_posts_page ON posts (workspace_id, scheduled_at, id);
CREATE INDEX idx_posts_status_page ON posts (workspace_id, status, scheduled_at, id);

CREATE TABLE deliveries (
    id text,
    post_id text NOT NULL,
    position integer NOT NULL,
    workspace_id text NOT NULL,
    account_id text NOT NULL,
    platform text NOT NULL,
    status text NOT NULL,
    content text NOT NULL,
    scheduled_at datetime NOT NULL,
    version integer NOT NULL,
    enqueued_at datetime,
    lease_until datetime,
    lease_token text NOT NULL,
    retry_at datetime,
    attempts integer NOT NULL,
    checkpoint text NOT NULL,
    external_id text NOT NULL,
    permalink text NOT NULL,
    published_at datetime,
    error_code text NOT NULL,
    error_message text NOT NULL,
    error_retryable numeric NOT NULL,
    created_at datetime NOT NULL,
    updated_at datetime NOT NULL,
    PRIMARY KEY (id),
    CONSTRAINT fk_deliveries_post FOREIGN KEY (post_id) REFERENCES posts (id),
    CONSTRAINT fk_deliveries_workspace FOREIGN KEY (workspace_id) REFERENCES workspaces (id),
    CONSTRAINT fk_deliveries_account FOREIGN KEY (account_id) REFERENCES accounts (id)
);
CREATE INDEX idx_deliveries_post ON deliveries (post_id);
CREATE INDEX idx_deliveries_account ON deliveries (account_id);
-- The scheduler's three queries, each on a partial index that covers only
-- the rows it can return, however many future or finished deliveries
-- there are (the PostgreSQL migration says why the lease index names
-- lease_until).
CREATE INDEX idx_deliveries_due ON deliveries (scheduled_at)
    WHERE status = 'scheduled' AND enqueued_at IS NULL;
CREATE INDEX idx_deliveries_enqueued ON deliveries (enqueued_at)
    WHERE status = 'scheduled' AND enqueued_at IS NOT NULL;
CREATE INDEX idx_deliveries_leased ON deliveries (lease_until)
    WHERE status = 'publishing' AND lease_until IS NOT NULL;

CREATE TABLE idempotency_keys (
    workspace_id text,
    idem_key text,
    request_hash text NOT NULL,
    post_id text NOT NULL,
    created_at datetime NOT NULL,
    PRIMARY KEY (workspace_id, idem_key),
    CONSTRAINT fk_idempotency_keys_workspace FOREIGN KEY (workspace_id) REFERENCES workspaces (id),
    CONSTRAINT fk_idempotency_keys_post FOREIGN KEY (post_id) REFERENCES posts (id)
);

CREATE TABLE templates (
    workspace_id text,
    platform text,
    language text,
    template text NOT NULL,
    updated_at datetime NOT NULL,
    PRIMARY KEY (workspace_id, platform, language),
    CONSTRAINT fk_templates_workspace FOREIGN KEY (workspace_id) REFERENCES workspaces (id)
);

CREATE TABLE oauth_states (
    hash text,
    workspace_id text NOT NULL,
    platform text NOT NULL,
    verifier text NOT NULL,
    account_id text NOT NULL,
    link_hash text NOT NULL,
    expires_at datetime NOT NULL,
    used_at datetime,
    created_at datetime NOT NULL,
    PRIMARY KEY (hash),
    CONSTRAINT fk_oauth_states_workspace FOREIGN KEY (workspace_id) REFERENCES workspaces (id)
);
CREATE INDEX idx_oauth_states_expiry ON oauth_states (expires_at);

CREATE TABLE reconnect_links (
    hash text,
    workspace_id text NOT NULL,
    account_id text NOT NULL,
    platform text NOT NULL,
    expires_at datetime NOT NULL,
    used_at datetime,
    created_at datetime NOT NULL,
    PRIMARY KEY (hash),
    CONSTRAINT fk_reconnect_links_workspace FOREIGN KEY (workspace_id) REFERENCES workspaces (id),
    CONSTRAINT fk_reconnect_links_account FOREIGN KEY (account_id) REFERENCES accounts (id)
);
CREATE INDEX idx_reconnect_links_account ON reconnect_links (account_id);

CREATE TABLE account_health (
    account_id text,
    scopes text NOT NULL,
    checked_at datetime,
    last_error text NOT NULL,
    refresh_lease_until datetime,
    updated_at datetime NOT NULL,
    PRIMARY KEY (account_id),
    CONSTRAINT fk_account_health_account FOREIGN KEY (account_id) REFERENCES accounts (id)
);
