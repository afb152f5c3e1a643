-- Calendar queries, the media library and removing an account (issue 18);
-- the PostgreSQL file of the same number explains each change.
ALTER TABLE accounts ADD COLUMN deleted_at datetime;
DROP INDEX idx_accounts_external;
CREATE UNIQUE INDEX idx_accounts_external ON accounts (workspace_id, platform, external_id)
    WHERE deleted_at IS NULL;

DROP INDEX idx_deliveries_post;
CREATE INDEX idx_deliveries_post_account ON deliveries (post_id, account_id);

DROP INDEX idx_media_workspace;
CREATE INDEX idx_media_page ON media (workspace_id, id);
