-- PostgreSQL's autovacuum settings for the hot tables (the PostgreSQL file
-- of the same number). SQLite has no autovacuum of dead rows to tune: it
-- reuses freed pages as they are freed. Nothing to do here; the number is
-- kept so both databases count their migrations alike.
SELECT 1;
