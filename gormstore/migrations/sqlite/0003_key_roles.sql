-- Keys carry a role (serentak.Role); keys made before roles existed could
-- do everything in their workspace, so they become owner keys, as the
-- contract says. name and prefix (the first characters of the secret,
-- safe to show) tell keys apart in GET …/keys. last_used_at is written at
-- most once a minute per key (serentak.KeyUseResolution). A revoked key
-- keeps its row (revoked_at set), so what it did can still name it; the
-- lookup by hash skips it.
ALTER TABLE api_keys ADD COLUMN role text NOT NULL DEFAULT 'owner';
ALTER TABLE api_keys ADD COLUMN name text NOT NULL DEFAULT '';
ALTER TABLE api_keys ADD COLUMN prefix text NOT NULL DEFAULT '';
ALTER TABLE api_keys ADD COLUMN last_used_at datetime;
ALTER TABLE api_keys ADD COLUMN revoked_at datetime;
