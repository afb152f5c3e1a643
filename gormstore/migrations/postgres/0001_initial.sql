-- The schema Serentak had when it stopped using GORM's AutoMigrate. A
-- database made by those builds is adopted as being at this version
-- (migrate.go); never edit this file: write the next migration instead.

CREATE TABLE workspaces (
    id text NOT NULL,
    name text NOT NULL,
    timezone text NOT NULL,
    created_at timestamp with time zone NOT NULL,
    CONSTRAINT workspaces_pkey PRIMARY KEY (id)
);

CREATE TABLE api_keys (
    id text NOT NULL,
    workspace_id text NOT NULL,
    hash text NOT NULL,
    created_at timestamp with time zone NOT NULL,
    CONSTRAINT api_keys_pkey PRIMARY KEY (id),
    CONSTRAINT fk_api_keys_workspace FOREIGN KEY (workspace_id) REFERENCES workspaces (id)
);
CREATE UNIQUE INDEX idx_api_keys_hash ON api_keys (hash);
CREATE INDEX idx_api_keys_workspace ON api_keys (workspace_id);

-- access_token and refresh_token are sealed (secretbox, the account ID as
-- additional data); '' means no token.
CREATE TABLE accounts (
    id text NOT NULL,
    workspace_id text NOT NULL,
    platform text NOT NULL,
    external_id text NOT NULL,
    name text NOT NULL,
    status text NOT NULL,
    status_reason text NOT NULL,
    access_token text NOT NULL,
    refresh_token text NOT NULL,
    token_expires_at timestamp with time zone,
    created_at timestamp with time zone NOT NULL,
    updated_at timestamp with time zone NOT NULL,
    CONSTRAINT accounts_pkey PRIMARY KEY (id),
    CONSTRAINT fk_accounts_workspace FOREIGN KEY (workspace_id) REFERENCES workspaces (id)
);
CREATE UNIQUE INDEX idx_accounts_external ON accounts (workspace_id, platform, external_id);

CREATE TABLE media (
    id text NOT NULL,
    workspace_id text NOT NULL,
    content_type text NOT NULL,
    size bigint NOT NULL,
    kind text NOT NULL,
    storage_key text NOT NULL,
    created_at timestamp with time zone NOT NULL,
    width bigint DEFAULT 0 NOT NULL,
    height bigint DEFAULT 0 NOT NULL,
    duration_ms bigint DEFAULT 0 NOT NULL,
    video_codec text DEFAULT '' NOT NULL,
    audio_codec text DEFAULT '' NOT NULL,
    frame_rate numeric DEFAULT 0 NOT NULL,
    CONSTRAINT media_pkey PRIMARY KEY (id),
    CONSTRAINT fk_media_workspace FOREIGN KEY (workspace_id) REFERENCES workspaces (id)
);
CREATE INDEX idx_media_workspace ON media (workspace_id);

-- A delivery's row is written four or five times in a few seconds (claim,
-- checkpoints, outcome) and its post's two or three times. Space left free
-- on each page lets a write that changes no indexed column stay on its
-- page (a HOT update) instead of moving the row and adding an entry to
-- every index: in a 10,000-post burst, HOT updates of deliveries went from
-- 3k to 14k of 50k and the drain gained about 10 %.
CREATE TABLE posts (
    id text NOT NULL,
    workspace_id text NOT NULL,
    product text,
    caption text NOT NULL,
    hashtags text NOT NULL,
    media text NOT NULL,
    scheduled_at timestamp with time zone NOT NULL,
    status text NOT NULL,
    created_at timestamp with time zone NOT NULL,
    updated_at timestamp with time zone NOT NULL,
    CONSTRAINT posts_pkey PRIMARY KEY (id),
    CONSTRAINT fk_posts_workspace FOREIGN KEY (workspace_id) REFERENCES workspaces (id)
) WITH (fillfactor = 80);
CREATE INDEX idx_posts_page ON posts (workspace_id, scheduled_at, id);
CREATE INDEX idx_posts_status_page ON posts (workspace_id, status, scheduled_at, id);

CREATE TABLE deliveries (
    id text NOT NULL,
    post_id text NOT NULL,
    "position" bigint NOT NULL,
    workspace_id text NOT NULL,
    account_id text NOT NULL,
    platform text NOT NULL,
    status text NOT NULL,
    content text NOT NULL,
    scheduled_at timestamp with time zone NOT NULL,
    version bigint NOT NULL,
    enqueued_at timestamp with time zone,
    lease_until timestamp with time zone,
    lease_token text NOT NULL,
    retry_at timestamp with time zone,
    attempts bigint NOT NULL,
    checkpoint text NOT NULL,
    external_id text NOT NULL,
    permalink text NOT NULL,
    published_at timestamp with time zone,
    error_code text NOT NULL,
    error_message text NOT NULL,
    error_retryable boolean NOT NULL,
    created_at timestamp with time zone NOT NULL,
    updated_at timestamp with time zone NOT NULL,
    CONSTRAINT deliveries_pkey PRIMARY KEY (id),
    CONSTRAINT fk_deliveries_post FOREIGN KEY (post_id) REFERENCES posts (id),
    CONSTRAINT fk_deliveries_workspace FOREIGN KEY (workspace_id) REFERENCES workspaces (id),
    CONSTRAINT fk_deliveries_account FOREIGN KEY (account_id) REFERENCES accounts (id)
) WITH (fillfactor = 70);
CREATE INDEX idx_deliveries_post ON deliveries (post_id);
CREATE INDEX idx_deliveries_account ON deliveries (account_id);
-- The scheduler's three queries, each on a partial index that covers only
-- the rows it can return, however many future or finished deliveries
-- there are. idx_deliveries_leased names lease_until in its predicate,
-- which only the sweep's range implies: the lease-guarded writes (id,
-- token, status publishing) would otherwise match it, and PostgreSQL, with
-- statistics taken while nothing was publishing, chose it over the primary
-- key and scanned every leased row for each write in a burst.
CREATE INDEX idx_deliveries_due ON deliveries (scheduled_at)
    WHERE status = 'scheduled' AND enqueued_at IS NULL;
CREATE INDEX idx_deliveries_enqueued ON deliveries (enqueued_at)
    WHERE status = 'scheduled' AND enqueued_at IS NOT NULL;
CREATE INDEX idx_deliveries_leased ON deliveries (lease_until)
    WHERE status = 'publishing' AND lease_until IS NOT NULL;

CREATE TABLE idempotency_keys (
    workspace_id text NOT NULL,
    idem_key text NOT NULL,
    request_hash text NOT NULL,
    post_id text NOT NULL,
    created_at timestamp with time zone NOT NULL,
    CONSTRAINT idempotency_keys_pkey PRIMARY KEY (workspace_id, idem_key),
    CONSTRAINT fk_idempotency_keys_workspace FOREIGN KEY (workspace_id) REFERENCES workspaces (id),
    CONSTRAINT fk_idempotency_keys_post FOREIGN KEY (post_id) REFERENCES posts (id)
);

CREATE TABLE templates (
    workspace_id text NOT NULL,
    platform text NOT NULL,
    language text NOT NULL,
    template text NOT NULL,
    updated_at timestamp with time zone NOT NULL,
    CONSTRAINT templates_pkey PRIMARY KEY (workspace_id, platform, language),
    CONSTRAINT fk_templates_workspace FOREIGN KEY (workspace_id) REFERENCES workspaces (id)
);

CREATE TABLE oauth_states (
    hash text NOT NULL,
    workspace_id text NOT NULL,
    platform text NOT NULL,
    verifier text NOT NULL,
    account_id text NOT NULL,
    link_hash text NOT NULL,
    expires_at timestamp with time zone NOT NULL,
    used_at timestamp with time zone,
    created_at timestamp with time zone NOT NULL,
    CONSTRAINT oauth_states_pkey PRIMARY KEY (hash),
    CONSTRAINT fk_oauth_states_workspace FOREIGN KEY (workspace_id) REFERENCES workspaces (id)
);
CREATE INDEX idx_oauth_states_expiry ON oauth_states (expires_at);

CREATE TABLE reconnect_links (
    hash text NOT NULL,
    workspace_id text NOT NULL,
    account_id text NOT NULL,
    platform text NOT NULL,
    expires_at timestamp with time zone NOT NULL,
    used_at timestamp with time zone,
    created_at timestamp with time zone NOT NULL,
    CONSTRAINT reconnect_links_pkey PRIMARY KEY (hash),
    CONSTRAINT fk_reconnect_links_workspace FOREIGN KEY (workspace_id) REFERENCES workspaces (id),
    CONSTRAINT fk_reconnect_links_account FOREIGN KEY (account_id) REFERENCES accounts (id)
);
CREATE INDEX idx_reconnect_links_account ON reconnect_links (account_id);

CREATE TABLE account_health (
    account_id text NOT NULL,
    scopes text NOT NULL,
    checked_at timestamp with time zone,
    last_error text NOT NULL,
    refresh_lease_until timestamp with time zone,
    updated_at timestamp with time zone NOT NULL,
    CONSTRAINT account_health_pkey PRIMARY KEY (account_id),
    CONSTRAINT fk_account_health_account FOREIGN KEY (account_id) REFERENCES accounts (id)
);
