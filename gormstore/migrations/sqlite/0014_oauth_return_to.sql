-- Where a login started from the web app sends the person back; the
-- PostgreSQL file of the same number explains it.
ALTER TABLE oauth_states ADD COLUMN return_to text NOT NULL DEFAULT '';
