-- Calendar queries, the media library and removing an account (issue 18,
-- docs/api.md#list-filters, #media-library, #removing-an-account).
--
-- A removed account keeps its row, because past deliveries name it
-- (fk_deliveries_account), with its tokens erased and deleted_at set; the
-- store leaves such rows out of every query. Only live accounts are unique
-- per platform account, so connecting the same page or channel again makes
-- a new account.
ALTER TABLE accounts ADD COLUMN deleted_at timestamp with time zone;
DROP INDEX idx_accounts_external;
CREATE UNIQUE INDEX idx_accounts_external ON accounts (workspace_id, platform, external_id)
    WHERE deleted_at IS NULL;

-- The media library pages newest first by ID (IDs begin with their
-- creation time): one range scan of this index per page, however many
-- uploads the workspace has. It replaces idx_media_workspace, its prefix.
DROP INDEX idx_media_workspace;
CREATE INDEX idx_media_page ON media (workspace_id, id);
