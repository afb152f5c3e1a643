-- The audit log (docs/api.md#audit-log): one row per change in a
-- workspace, written by the API after the change succeeded. actor_type is
-- 'user', 'key' or 'operator'; actor_id the usr_… or key_… ('' for the
-- operator). IDs start with the time in milliseconds, so (workspace_id, id)
-- pages newest first.
CREATE TABLE audit_entries (
    id text,
    workspace_id text NOT NULL,
    actor_type text NOT NULL,
    actor_id text NOT NULL DEFAULT '',
    action text NOT NULL,
    target_id text NOT NULL DEFAULT '',
    created_at datetime NOT NULL,
    PRIMARY KEY (id),
    CONSTRAINT fk_audit_entries_workspace FOREIGN KEY (workspace_id) REFERENCES workspaces (id)
);
CREATE INDEX idx_audit_entries_workspace ON audit_entries (workspace_id, id);
