-- Approval (docs/api.md#approval). A workspace's language ('id' or 'en')
-- is that of composed text and of the pages shown to the merchant;
-- approval_required holds an editor's posts in pending_approval. A post
-- keeps who approved or rejected it ('key_…', 'operator', 'link') and the
-- comment of a rejection. An approval link is single use and expires; only
-- the hash of its token is stored (serentak.HashSecret).
ALTER TABLE workspaces ADD COLUMN language text NOT NULL DEFAULT 'id';
ALTER TABLE workspaces ADD COLUMN approval_required numeric NOT NULL DEFAULT false;
ALTER TABLE posts ADD COLUMN approved_by text NOT NULL DEFAULT '';
ALTER TABLE posts ADD COLUMN rejection_comment text NOT NULL DEFAULT '';
CREATE TABLE approval_links (
    hash text,
    workspace_id text NOT NULL,
    post_id text NOT NULL,
    expires_at datetime NOT NULL,
    used_at datetime,
    created_at datetime NOT NULL,
    PRIMARY KEY (hash),
    CONSTRAINT fk_approval_links_workspace FOREIGN KEY (workspace_id) REFERENCES workspaces (id),
    CONSTRAINT fk_approval_links_post FOREIGN KEY (post_id) REFERENCES posts (id)
);
