-- Vacuum the hot tables sooner than the rest (issue 21, docs/retention.md
-- #autovacuum-on-the-hot-tables). Every delivery is updated several times
-- within seconds of its time, so the dead rows of deliveries, posts and
-- webhook_messages come from the newest few thousand while PostgreSQL's
-- default trigger, 50 + 20 % of the table's rows, grows with the whole
-- history: at 10 million deliveries, 2 million dead rows before a vacuum.
-- PostgreSQL's per-table storage parameters are its way to vacuum such a
-- table after 1,000 + 1 % instead (as River and Que advise for their job
-- tables). Autovacuum itself must be on, as it is by default.
ALTER TABLE deliveries SET (autovacuum_vacuum_scale_factor = 0.01, autovacuum_vacuum_threshold = 1000);
ALTER TABLE posts SET (autovacuum_vacuum_scale_factor = 0.01, autovacuum_vacuum_threshold = 1000);
ALTER TABLE webhook_messages SET (autovacuum_vacuum_scale_factor = 0.01, autovacuum_vacuum_threshold = 1000);
