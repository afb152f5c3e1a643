-- Emails to a workspace's admins about a problem (issue 17, "People are
-- told too"; docs/api.md#email). A notification is written by the same
-- code and in the same transaction as the webhook event of the problem
-- (post.failed, post.partially_published, account.needs_reauth), so a
-- problem is never lost between the change and the email. The notifier
-- (package notify, in the scheduler role) claims a due one by moving
-- next_attempt_at to the end of its lease and counting the attempt, and
-- ends it sent, skipped (no mail server, nobody to tell, nothing left to
-- tell) or failed (MaxAttempts reached).
CREATE TABLE notifications (
    id text,
    workspace_id text NOT NULL,
    event_type text NOT NULL,
    subject_id text NOT NULL,
    status text NOT NULL,
    attempts integer NOT NULL DEFAULT 0,
    next_attempt_at datetime NOT NULL,
    last_error text NOT NULL DEFAULT '',
    created_at datetime NOT NULL,
    done_at datetime,
    PRIMARY KEY (id),
    CONSTRAINT fk_notifications_workspace FOREIGN KEY (workspace_id) REFERENCES workspaces (id) ON DELETE CASCADE
);
CREATE INDEX idx_notifications_due ON notifications (next_attempt_at) WHERE status = 'pending';
-- When an email about an account's problem last went out (notify.Due: at
-- most one per account and kind in any 24 hours). Also what makes a retry
-- after a partial failure skip the problems already told.
CREATE TABLE notification_sends (
    account_id text NOT NULL,
    kind text NOT NULL,
    sent_at datetime NOT NULL,
    PRIMARY KEY (account_id, kind)
);
