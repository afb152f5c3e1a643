-- Webhooks (docs/api.md#webhooks). An endpoint's secret is sealed with
-- secretbox like the platform tokens (aad: the endpoint's ID); after a
-- rotation the previous one keeps signing until previous_until. events is
-- the subscribed event types between commas (",post.failed,delivery.failed,"),
-- '' for all, so the outbox's INSERT … SELECT matches it with LIKE on both
-- databases.
CREATE TABLE webhook_endpoints (
    id text,
    workspace_id text NOT NULL,
    url text NOT NULL,
    description text NOT NULL DEFAULT '',
    events text NOT NULL DEFAULT '',
    secret text NOT NULL,
    previous_secret text NOT NULL DEFAULT '',
    previous_until datetime,
    disabled_at datetime,
    disabled_reason text NOT NULL DEFAULT '',
    failing_since datetime,
    created_at datetime NOT NULL,
    updated_at datetime NOT NULL,
    PRIMARY KEY (id),
    CONSTRAINT fk_webhook_endpoints_workspace FOREIGN KEY (workspace_id) REFERENCES workspaces (id)
);
CREATE INDEX idx_webhook_endpoints_workspace ON webhook_endpoints (workspace_id, id);
-- The outbox: one event for one endpoint, written in the transaction of
-- the change it tells of. body is NULL until the first attempt renders
-- it. While an attempt holds a message (status 'sending'),
-- next_attempt_at is the end of its lease. The dispatcher's query reads
-- only live messages through idx_webhook_messages_due.
CREATE TABLE webhook_messages (
    id text,
    workspace_id text NOT NULL,
    endpoint_id text NOT NULL,
    event_type text NOT NULL,
    subject_id text NOT NULL,
    body blob,
    status text NOT NULL,
    attempts integer NOT NULL DEFAULT 0,
    next_attempt_at datetime NOT NULL,
    created_at datetime NOT NULL,
    PRIMARY KEY (id),
    CONSTRAINT fk_webhook_messages_workspace FOREIGN KEY (workspace_id) REFERENCES workspaces (id),
    CONSTRAINT fk_webhook_messages_endpoint FOREIGN KEY (endpoint_id) REFERENCES webhook_endpoints (id) ON DELETE CASCADE
);
CREATE INDEX idx_webhook_messages_due ON webhook_messages (next_attempt_at) WHERE status IN ('pending', 'sending');
CREATE INDEX idx_webhook_messages_endpoint ON webhook_messages (endpoint_id, id);
-- The attempt log, paged newest first by ID (IDs start with the time).
CREATE TABLE webhook_attempts (
    id text,
    workspace_id text NOT NULL,
    endpoint_id text NOT NULL,
    message_id text NOT NULL,
    event_type text NOT NULL,
    status_code integer NOT NULL DEFAULT 0,
    error text NOT NULL DEFAULT '',
    duration_ms bigint NOT NULL DEFAULT 0,
    at datetime NOT NULL,
    next_retry_at datetime,
    PRIMARY KEY (id),
    CONSTRAINT fk_webhook_attempts_workspace FOREIGN KEY (workspace_id) REFERENCES workspaces (id),
    CONSTRAINT fk_webhook_attempts_endpoint FOREIGN KEY (endpoint_id) REFERENCES webhook_endpoints (id) ON DELETE CASCADE,
    CONSTRAINT fk_webhook_attempts_message FOREIGN KEY (message_id) REFERENCES webhook_messages (id) ON DELETE CASCADE
);
CREATE INDEX idx_webhook_attempts_endpoint ON webhook_attempts (endpoint_id, id);
CREATE INDEX idx_webhook_attempts_message ON webhook_attempts (message_id);
