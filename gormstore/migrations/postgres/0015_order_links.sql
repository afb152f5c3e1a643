-- Order links that count (issue 22, docs/api.md#order-links-that-count).
--
-- A workspace opts in to tracked order links; its handle names its
-- link-in-bio page, {SERENTAK_PUBLIC_URL}/b/{handle} ('' : none yet;
-- unique among those set).
ALTER TABLE workspaces ADD COLUMN tracked_links boolean NOT NULL DEFAULT false;
ALTER TABLE workspaces ADD COLUMN handle text NOT NULL DEFAULT '';
CREATE UNIQUE INDEX idx_workspaces_handle ON workspaces (handle) WHERE handle <> '';

-- One short code per delivery whose composed text carries
-- {SERENTAK_PUBLIC_URL}/o/{code}; /o/{code} answers 302 to target_url (a
-- wa.me link with its prefilled message and the delivery's reference, ref).
-- clicks counts what the redirect counted (robots and repeats within the
-- window left out); no address or other personal data is kept anywhere.
CREATE TABLE tracked_links (
    code text NOT NULL,
    delivery_id text NOT NULL,
    workspace_id text NOT NULL,
    post_id text NOT NULL,
    platform text NOT NULL,
    target_url text NOT NULL,
    ref text NOT NULL DEFAULT '',
    clicks bigint NOT NULL DEFAULT 0,
    last_click_at timestamp with time zone,
    created_at timestamp with time zone NOT NULL,
    PRIMARY KEY (code),
    CONSTRAINT fk_tracked_links_workspace FOREIGN KEY (workspace_id) REFERENCES workspaces (id) ON DELETE CASCADE
);
CREATE UNIQUE INDEX idx_tracked_links_delivery ON tracked_links (delivery_id);
CREATE INDEX idx_tracked_links_post ON tracked_links (workspace_id, post_id);

-- What the platform reports for a published delivery (views, likes,
-- comments, shares, as the platform names them), as JSON; unavailable
-- says why there is none ('' when there is), e.g. a TikTok post that is
-- not public, or an account connected before the metrics permission.
-- next_fetch_at is when the metrics fetcher takes it next (hourly for two
-- days after publication, then daily for a month, then NULL: done).
CREATE TABLE delivery_metrics (
    delivery_id text NOT NULL,
    workspace_id text NOT NULL,
    post_id text NOT NULL,
    platform text NOT NULL,
    metrics text NOT NULL DEFAULT '{}',
    unavailable text NOT NULL DEFAULT '',
    fetches bigint NOT NULL DEFAULT 0,
    fetched_at timestamp with time zone,
    next_fetch_at timestamp with time zone,
    last_error text NOT NULL DEFAULT '',
    published_at timestamp with time zone NOT NULL,
    updated_at timestamp with time zone NOT NULL,
    PRIMARY KEY (delivery_id),
    CONSTRAINT fk_delivery_metrics_workspace FOREIGN KEY (workspace_id) REFERENCES workspaces (id) ON DELETE CASCADE
);
CREATE INDEX idx_delivery_metrics_due ON delivery_metrics (next_fetch_at) WHERE next_fetch_at IS NOT NULL;
CREATE INDEX idx_delivery_metrics_post ON delivery_metrics (workspace_id, post_id);

-- Clicks on a link-in-bio page's order buttons, per product (its post)
-- and per platform the visitor came from ('other' when unknown), per day
-- in the workspace's timezone (YYYY-MM-DD) so reports can take a month.
CREATE TABLE bio_clicks (
    workspace_id text NOT NULL,
    post_id text NOT NULL,
    source text NOT NULL,
    day text NOT NULL,
    clicks bigint NOT NULL DEFAULT 0,
    PRIMARY KEY (workspace_id, post_id, source, day),
    CONSTRAINT fk_bio_clicks_workspace FOREIGN KEY (workspace_id) REFERENCES workspaces (id) ON DELETE CASCADE
);
