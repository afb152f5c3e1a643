-- Frozen: what Serentak created before versioned migrations (commit 33e7ccb,
-- GORM AutoMigrate plus its extra statements), with rows written through that
-- build's Store: clock 2026-12-01T02:00:00Z, tokens sealed with storetest.Key().
-- The upgrade tests (migrate_test.go) load it and check that such a database
-- is adopted with its data intact. Never edit it: it stands for databases
-- already out there.
-- Made with: pg_dump --no-owner --no-privileges --column-inserts, the schema
-- name, SET lines and comments removed.

CREATE TABLE account_health (
    account_id text NOT NULL,
    scopes text NOT NULL,
    checked_at timestamp with time zone,
    last_error text NOT NULL,
    refresh_lease_until timestamp with time zone,
    updated_at timestamp with time zone NOT NULL
);

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
    updated_at timestamp with time zone NOT NULL
);

CREATE TABLE api_keys (
    id text NOT NULL,
    workspace_id text NOT NULL,
    hash text NOT NULL,
    created_at timestamp with time zone NOT NULL
);

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
    updated_at timestamp with time zone NOT NULL
)
WITH (fillfactor='70');

CREATE TABLE idempotency_keys (
    workspace_id text NOT NULL,
    idem_key text NOT NULL,
    request_hash text NOT NULL,
    post_id text NOT NULL,
    created_at timestamp with time zone NOT NULL
);

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
    video_codec text DEFAULT ''::text NOT NULL,
    audio_codec text DEFAULT ''::text NOT NULL,
    frame_rate numeric DEFAULT 0 NOT NULL
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
    created_at timestamp with time zone NOT NULL
);

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
    updated_at timestamp with time zone NOT NULL
)
WITH (fillfactor='80');

CREATE TABLE reconnect_links (
    hash text NOT NULL,
    workspace_id text NOT NULL,
    account_id text NOT NULL,
    platform text NOT NULL,
    expires_at timestamp with time zone NOT NULL,
    used_at timestamp with time zone,
    created_at timestamp with time zone NOT NULL
);

CREATE TABLE schema_fingerprint (
    id bigint NOT NULL,
    fingerprint text NOT NULL,
    migrated_at timestamp with time zone NOT NULL
);

CREATE TABLE templates (
    workspace_id text NOT NULL,
    platform text NOT NULL,
    language text NOT NULL,
    template text NOT NULL,
    updated_at timestamp with time zone NOT NULL
);

CREATE TABLE workspaces (
    id text NOT NULL,
    name text NOT NULL,
    timezone text NOT NULL,
    created_at timestamp with time zone NOT NULL
);

INSERT INTO account_health (account_id, scopes, checked_at, last_error, refresh_lease_until, updated_at) VALUES ('acc_fb', 'pages_manage_posts pages_read_engagement', '2026-12-01 02:00:00+00', '', NULL, '2026-12-01 02:00:00+00');

INSERT INTO accounts (id, workspace_id, platform, external_id, name, status, status_reason, access_token, refresh_token, token_expires_at, created_at, updated_at) VALUES ('acc_fb', 'ws_fixture', 'facebook', 'page-1', 'Keripik Page', 'active', '', 'v1:u6+y4uBJKbG2/+Fa8fZ38PHSdr6P7lQPeP8pV3bQ4AxvVJMuCnzlfoA', 'v1:uegq5/o+PQi+TRR7QVs69tc6lq19rq7C/iqoiOupXIyC3UWmkFJjD/h7', '2027-01-30 02:00:00+00', '2026-12-01 02:00:00+00', '2026-12-01 02:00:00+00');
INSERT INTO accounts (id, workspace_id, platform, external_id, name, status, status_reason, access_token, refresh_token, token_expires_at, created_at, updated_at) VALUES ('acc_ig', 'ws_fixture', 'instagram', 'ig-1', 'keripik.ig', 'active', '', 'v1:UOOnu7twgfPXMFL15btj6KaT6JBmukf+mQCduNQVHzA7IbA6i/yM', '', NULL, '2026-12-01 02:00:00+00', '2026-12-01 02:00:00+00');

INSERT INTO api_keys (id, workspace_id, hash, created_at) VALUES ('key_fixture', 'ws_fixture', 'b3c53c08828847f11b3083a5b1fa83ddf6751112653f0fd9d563754092ec65f7', '2026-12-01 02:00:00+00');

INSERT INTO deliveries (id, post_id, "position", workspace_id, account_id, platform, status, content, scheduled_at, version, enqueued_at, lease_until, lease_token, retry_at, attempts, checkpoint, external_id, permalink, published_at, error_code, error_message, error_retryable, created_at, updated_at) VALUES ('dlv_later', 'pst_later', 0, 'ws_fixture', 'acc_fb', 'facebook', 'scheduled', '{"text":"Besok"}', '2026-12-02 02:00:00+00', 1, NULL, NULL, '', NULL, 0, '{}', '', '', NULL, '', '', false, '2026-12-01 02:00:00+00', '2026-12-01 02:00:00+00');
INSERT INTO deliveries (id, post_id, "position", workspace_id, account_id, platform, status, content, scheduled_at, version, enqueued_at, lease_until, lease_token, retry_at, attempts, checkpoint, external_id, permalink, published_at, error_code, error_message, error_retryable, created_at, updated_at) VALUES ('dlv_ig', 'pst_fixture', 1, 'ws_fixture', 'acc_ig', 'instagram', 'scheduled', '{"text":"Keripik Singkong Rp25.000"}', '2026-12-01 01:59:00+00', 1, '2026-12-01 02:00:00+00', NULL, '', NULL, 0, '{}', '', '', NULL, '', '', false, '2026-12-01 02:00:00+00', '2026-12-01 02:00:00+00');
INSERT INTO deliveries (id, post_id, "position", workspace_id, account_id, platform, status, content, scheduled_at, version, enqueued_at, lease_until, lease_token, retry_at, attempts, checkpoint, external_id, permalink, published_at, error_code, error_message, error_retryable, created_at, updated_at) VALUES ('dlv_fb', 'pst_fixture', 0, 'ws_fixture', 'acc_fb', 'facebook', 'published', '{"text":"Keripik Singkong Rp25.000","link":"https://wa.me/6281234567890"}', '2026-12-01 01:59:00+00', 1, '2026-12-01 02:00:00+00', NULL, '6094211e4e2951fef4d2eb99300bfd16', NULL, 1, '{"step":"posted"}', '123_456', 'https://facebook.com/123_456', '2026-12-01 02:00:00+00', '', '', false, '2026-12-01 02:00:00+00', '2026-12-01 02:00:00+00');

INSERT INTO idempotency_keys (workspace_id, idem_key, request_hash, post_id, created_at) VALUES ('ws_fixture', 'idem-1', 'hash-1', 'pst_fixture', '2026-12-01 02:00:00+00');

INSERT INTO media (id, workspace_id, content_type, size, kind, storage_key, created_at, width, height, duration_ms, video_codec, audio_codec, frame_rate) VALUES ('med_fixture', 'ws_fixture', 'video/mp4', 1234567, 'video', 'media/med_fixture', '2026-12-01 02:00:00+00', 1080, 1920, 15000, 'h264', 'aac', 29.97);

INSERT INTO oauth_states (hash, workspace_id, platform, verifier, account_id, link_hash, expires_at, used_at, created_at) VALUES ('f36b45ae818809ee24ae2489edabfe3cf2a12627b6929c07fc7a3b885d414d44', 'ws_fixture', 'youtube', 'v1:LqpizadUx1KPEz+qGoKucpIAriZ7WT8rQ1o1Z+5UBpW/gMaw2/g', '', '', '2026-12-01 02:10:00+00', NULL, '2026-12-01 02:00:00+00');

INSERT INTO posts (id, workspace_id, product, caption, hashtags, media, scheduled_at, status, created_at, updated_at) VALUES ('pst_later', 'ws_fixture', NULL, 'Besok', '[]', '[]', '2026-12-02 02:00:00+00', 'scheduled', '2026-12-01 02:00:00+00', '2026-12-01 02:00:00+00');
INSERT INTO posts (id, workspace_id, product, caption, hashtags, media, scheduled_at, status, created_at, updated_at) VALUES ('pst_fixture', 'ws_fixture', '{"name":"Keripik Singkong","price":{"amount":25000,"currency":"IDR"},"url":"https://wa.me/6281234567890"}', 'Renyah!', '["umkm","keripik"]', '[{"id":"med_fixture","kind":"video"}]', '2026-12-01 01:59:00+00', 'publishing', '2026-12-01 02:00:00+00', '2026-12-01 02:00:00+00');

INSERT INTO reconnect_links (hash, workspace_id, account_id, platform, expires_at, used_at, created_at) VALUES ('8e9fa224f488a601af1b14e867eb6bf8496025b1bb5c0a78d1b94d3c7122efec', 'ws_fixture', 'acc_ig', 'instagram', '2026-12-08 02:00:00+00', NULL, '2026-12-01 02:00:00+00');

INSERT INTO schema_fingerprint (id, fingerprint, migrated_at) VALUES (1, 'bf751a4f6587463524bc5a4923c33af2fa9be96c7451b5528f72d68d78133bbc', '2026-12-01 02:00:00+00');

INSERT INTO templates (workspace_id, platform, language, template, updated_at) VALUES ('ws_fixture', 'facebook', 'id', '{"order_label":"Pesan di"}', '2026-12-01 02:00:00+00');

INSERT INTO workspaces (id, name, timezone, created_at) VALUES ('ws_fixture', 'Toko Keripik', 'Asia/Jakarta', '2026-12-01 02:00:00+00');

ALTER TABLE ONLY account_health
    ADD CONSTRAINT account_health_pkey PRIMARY KEY (account_id);

ALTER TABLE ONLY accounts
    ADD CONSTRAINT accounts_pkey PRIMARY KEY (id);

ALTER TABLE ONLY api_keys
    ADD CONSTRAINT api_keys_pkey PRIMARY KEY (id);

ALTER TABLE ONLY deliveries
    ADD CONSTRAINT deliveries_pkey PRIMARY KEY (id);

ALTER TABLE ONLY idempotency_keys
    ADD CONSTRAINT idempotency_keys_pkey PRIMARY KEY (workspace_id, idem_key);

ALTER TABLE ONLY media
    ADD CONSTRAINT media_pkey PRIMARY KEY (id);

ALTER TABLE ONLY oauth_states
    ADD CONSTRAINT oauth_states_pkey PRIMARY KEY (hash);

ALTER TABLE ONLY posts
    ADD CONSTRAINT posts_pkey PRIMARY KEY (id);

ALTER TABLE ONLY reconnect_links
    ADD CONSTRAINT reconnect_links_pkey PRIMARY KEY (hash);

ALTER TABLE ONLY schema_fingerprint
    ADD CONSTRAINT schema_fingerprint_pkey PRIMARY KEY (id);

ALTER TABLE ONLY templates
    ADD CONSTRAINT templates_pkey PRIMARY KEY (workspace_id, platform, language);

ALTER TABLE ONLY workspaces
    ADD CONSTRAINT workspaces_pkey PRIMARY KEY (id);

CREATE UNIQUE INDEX idx_accounts_external ON accounts USING btree (workspace_id, platform, external_id);

CREATE UNIQUE INDEX idx_api_keys_hash ON api_keys USING btree (hash);

CREATE INDEX idx_api_keys_workspace ON api_keys USING btree (workspace_id);

CREATE INDEX idx_deliveries_account ON deliveries USING btree (account_id);

CREATE INDEX idx_deliveries_due ON deliveries USING btree (scheduled_at) WHERE ((status = 'scheduled'::text) AND (enqueued_at IS NULL));

CREATE INDEX idx_deliveries_enqueued ON deliveries USING btree (enqueued_at) WHERE ((status = 'scheduled'::text) AND (enqueued_at IS NOT NULL));

CREATE INDEX idx_deliveries_leased ON deliveries USING btree (lease_until) WHERE ((status = 'publishing'::text) AND (lease_until IS NOT NULL));

CREATE INDEX idx_deliveries_post ON deliveries USING btree (post_id);

CREATE INDEX idx_media_workspace ON media USING btree (workspace_id);

CREATE INDEX idx_oauth_states_expiry ON oauth_states USING btree (expires_at);

CREATE INDEX idx_posts_page ON posts USING btree (workspace_id, scheduled_at, id);

CREATE INDEX idx_posts_status_page ON posts USING btree (workspace_id, status, scheduled_at, id);

CREATE INDEX idx_reconnect_links_account ON reconnect_links USING btree (account_id);

ALTER TABLE ONLY account_health
    ADD CONSTRAINT fk_account_health_account FOREIGN KEY (account_id) REFERENCES accounts(id);

ALTER TABLE ONLY accounts
    ADD CONSTRAINT fk_accounts_workspace FOREIGN KEY (workspace_id) REFERENCES workspaces(id);

ALTER TABLE ONLY api_keys
    ADD CONSTRAINT fk_api_keys_workspace FOREIGN KEY (workspace_id) REFERENCES workspaces(id);

ALTER TABLE ONLY deliveries
    ADD CONSTRAINT fk_deliveries_account FOREIGN KEY (account_id) REFERENCES accounts(id);

ALTER TABLE ONLY deliveries
    ADD CONSTRAINT fk_deliveries_post FOREIGN KEY (post_id) REFERENCES posts(id);

ALTER TABLE ONLY deliveries
    ADD CONSTRAINT fk_deliveries_workspace FOREIGN KEY (workspace_id) REFERENCES workspaces(id);

ALTER TABLE ONLY idempotency_keys
    ADD CONSTRAINT fk_idempotency_keys_post FOREIGN KEY (post_id) REFERENCES posts(id);

ALTER TABLE ONLY idempotency_keys
    ADD CONSTRAINT fk_idempotency_keys_workspace FOREIGN KEY (workspace_id) REFERENCES workspaces(id);

ALTER TABLE ONLY media
    ADD CONSTRAINT fk_media_workspace FOREIGN KEY (workspace_id) REFERENCES workspaces(id);

ALTER TABLE ONLY oauth_states
    ADD CONSTRAINT fk_oauth_states_workspace FOREIGN KEY (workspace_id) REFERENCES workspaces(id);

ALTER TABLE ONLY posts
    ADD CONSTRAINT fk_posts_workspace FOREIGN KEY (workspace_id) REFERENCES workspaces(id);

ALTER TABLE ONLY reconnect_links
    ADD CONSTRAINT fk_reconnect_links_account FOREIGN KEY (account_id) REFERENCES accounts(id);

ALTER TABLE ONLY reconnect_links
    ADD CONSTRAINT fk_reconnect_links_workspace FOREIGN KEY (workspace_id) REFERENCES workspaces(id);

ALTER TABLE ONLY templates
    ADD CONSTRAINT fk_templates_workspace FOREIGN KEY (workspace_id) REFERENCES workspaces(id);

