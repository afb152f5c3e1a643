-- Stats and reports (issue 22, docs/api.md#stats-and-reports): a period's
-- published deliveries of one workspace (GET …/stats, the monthly report)
-- are found by this index; without it each such answer read every
-- delivery of every workspace (measured: 50,000 deliveries scanned to
-- answer a month of 4,320).
CREATE INDEX idx_deliveries_published ON deliveries (workspace_id, published_at) WHERE status = 'published';
