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

-- The calendar (GET …/posts?from=…&to=…&account_id=…) reads a month
-- through idx_posts_page and tests each post for a delivery to the account:
-- one probe by (post_id, account_id). Without it SQLite, which keeps no
-- statistics, probed with idx_deliveries_account and read every delivery
-- of the account for each post (16 s a page with 100,000 posts). It
-- replaces idx_deliveries_post, its prefix, which every other look-up by
-- post uses. post_id and account_id never change, so updates of a delivery
-- stay HOT.
DROP INDEX idx_deliveries_post;
CREATE INDEX idx_deliveries_post_account ON deliveries (post_id, account_id);

-- The media library pages newest first by ID (IDs begin with their
-- creation time): one range scan of this index per page, however many
-- uploads the workspace has. It replaces idx_media_workspace, its prefix.
DROP INDEX idx_media_workspace;
CREATE INDEX idx_media_page ON media (workspace_id, id);
