-- Posting slots and repeats (docs/api.md#queue-and-repeat). A workspace's
-- queue is its weekly slots: one row per (day, minute of the day) in the
-- workspace's timezone, day 0 = Sunday as Go's time.Weekday. A queued post
-- takes the next slot no live post of the workspace holds; SQLite runs one
-- transaction at a time, so two queued posts cannot take the same slot. A
-- repeated post names the first post of its series in repeat_of (the
-- first names itself), so an Idempotency-Key replay answers the whole
-- series.
CREATE TABLE queue_slots (
    workspace_id text NOT NULL,
    day          integer NOT NULL,
    minute       integer NOT NULL,
    PRIMARY KEY (workspace_id, day, minute),
    CONSTRAINT fk_queue_slots_workspace FOREIGN KEY (workspace_id) REFERENCES workspaces (id)
);
ALTER TABLE posts ADD COLUMN repeat_of text;
CREATE INDEX idx_posts_repeat ON posts (repeat_of, scheduled_at) WHERE repeat_of IS NOT NULL;
