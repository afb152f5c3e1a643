-- Posting slots and repeats (docs/api.md#queue-and-repeat). A workspace's
-- queue is its weekly slots: one row per (day, minute of the day) in the
-- workspace's timezone, day 0 = Sunday as Go's time.Weekday. A queued post
-- takes the next slot no live post of the workspace holds; two queued
-- posts are kept apart by locking the workspace's row (FOR NO KEY UPDATE,
-- which the posts' foreign key checks do not wait for). A repeated post
-- names the first post of its series in repeat_of (the first names
-- itself), so an Idempotency-Key replay answers the whole series.
CREATE TABLE queue_slots (
    workspace_id text NOT NULL REFERENCES workspaces (id),
    day          smallint NOT NULL,
    minute       smallint NOT NULL,
    PRIMARY KEY (workspace_id, day, minute)
);
ALTER TABLE posts ADD COLUMN repeat_of text;
CREATE INDEX idx_posts_repeat ON posts (repeat_of, scheduled_at) WHERE repeat_of IS NOT NULL;
