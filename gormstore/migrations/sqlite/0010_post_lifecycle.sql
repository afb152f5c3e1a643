-- A post's whole life (docs/api.md#a-posts-whole-life). source is the
-- request the post was made from (JSON), merged with each edit's, so that
-- an edit names only what changes; '' for posts made before it, whose
-- edit starts from their stored fields. deleted_at marks a deleted post:
-- it answers 404 from then on, while its deliveries that had started
-- finish and keep their record.
ALTER TABLE posts ADD COLUMN source text NOT NULL DEFAULT '';
ALTER TABLE posts ADD COLUMN deleted_at datetime;
