-- Frozen: what Serentak created before versioned migrations (commit 33e7ccb,
-- GORM AutoMigrate plus its extra statements), with rows written through that
-- build's Store: clock 2026-12-01T02:00:00Z, tokens sealed with storetest.Key().
-- The upgrade tests (migrate_test.go) load it and check that such a database
-- is adopted with its data intact. Never edit it: it stands for databases
-- already out there.
-- Made with: sqlite3 .dump
PRAGMA foreign_keys=OFF;
BEGIN TRANSACTION;
CREATE TABLE `workspaces` (`id` text,`name` text NOT NULL,`timezone` text NOT NULL,`created_at` datetime NOT NULL,PRIMARY KEY (`id`));
INSERT INTO workspaces VALUES('ws_fixture','Toko Keripik','Asia/Jakarta','2026-12-01 02:00:00+00:00');
CREATE TABLE `api_keys` (`id` text,`workspace_id` text NOT NULL,`hash` text NOT NULL,`created_at` datetime NOT NULL,PRIMARY KEY (`id`),CONSTRAINT `fk_api_keys_workspace` FOREIGN KEY (`workspace_id`) REFERENCES `workspaces`(`id`));
INSERT INTO api_keys VALUES('key_fixture','ws_fixture','b3c53c08828847f11b3083a5b1fa83ddf6751112653f0fd9d563754092ec65f7','2026-12-01 02:00:00+00:00');
CREATE TABLE `accounts` (`id` text,`workspace_id` text NOT NULL,`platform` text NOT NULL,`external_id` text NOT NULL,`name` text NOT NULL,`status` text NOT NULL,`status_reason` text NOT NULL,`access_token` text NOT NULL,`refresh_token` text NOT NULL,`token_expires_at` datetime,`created_at` datetime NOT NULL,`updated_at` datetime NOT NULL,PRIMARY KEY (`id`),CONSTRAINT `fk_accounts_workspace` FOREIGN KEY (`workspace_id`) REFERENCES `workspaces`(`id`));
INSERT INTO accounts VALUES('acc_fb','ws_fixture','facebook','page-1','Keripik Page','active','','v1:Udzxoo+AokaVIb/XlP8q6EvrtcFOoE76uy/gBWbURVZsxbGH4osVJzI','v1:gIOJ1x64nUCAH0RLeAShYE3IuoqggLlx8VyzfPbLB8+h8GIz5uFN/pdL','2027-01-30 02:00:00+00:00','2026-12-01 02:00:00+00:00','2026-12-01 02:00:00+00:00');
INSERT INTO accounts VALUES('acc_ig','ws_fixture','instagram','ig-1','keripik.ig','active','','v1:2Ke4h9IEIgBLx/XR4td0nd4lXdAfKdkZeu3Ytb6DupZivyzjN9z6','',NULL,'2026-12-01 02:00:00+00:00','2026-12-01 02:00:00+00:00');
CREATE TABLE `media` (`id` text,`workspace_id` text NOT NULL,`content_type` text NOT NULL,`size` integer NOT NULL,`kind` text NOT NULL,`storage_key` text NOT NULL,`created_at` datetime NOT NULL,`width` integer NOT NULL DEFAULT 0,`height` integer NOT NULL DEFAULT 0,`duration_ms` integer NOT NULL DEFAULT 0,`video_codec` text NOT NULL DEFAULT "",`audio_codec` text NOT NULL DEFAULT "",`frame_rate` real NOT NULL DEFAULT 0,PRIMARY KEY (`id`),CONSTRAINT `fk_media_workspace` FOREIGN KEY (`workspace_id`) REFERENCES `workspaces`(`id`));
INSERT INTO media VALUES('med_fixture','ws_fixture','video/mp4',1234567,'video','media/med_fixture','2026-12-01 02:00:00+00:00',1080,1920,15000,'h264','aac',29.969999999999998863);
CREATE TABLE `posts` (`id` text,`workspace_id` text NOT NULL,`product` text,`caption` text NOT NULL,`hashtags` text NOT NULL,`media` text NOT NULL,`scheduled_at` datetime NOT NULL,`status` text NOT NULL,`created_at` datetime NOT NULL,`updated_at` datetime NOT NULL,PRIMARY KEY (`id`),CONSTRAINT `fk_posts_workspace` FOREIGN KEY (`workspace_id`) REFERENCES `workspaces`(`id`));
INSERT INTO posts VALUES('pst_fixture','ws_fixture','{"name":"Keripik Singkong","price":{"amount":25000,"currency":"IDR"},"url":"https://wa.me/6281234567890"}','Renyah!','["umkm","keripik"]','[{"id":"med_fixture","kind":"video"}]','2026-12-01 01:59:00+00:00','publishing','2026-12-01 02:00:00+00:00','2026-12-01 02:00:00+00:00');
INSERT INTO posts VALUES('pst_later','ws_fixture',NULL,'Besok','[]','[]','2026-12-02 02:00:00+00:00','scheduled','2026-12-01 02:00:00+00:00','2026-12-01 02:00:00+00:00');
CREATE TABLE `deliveries` (`id` text,`post_id` text NOT NULL,`position` integer NOT NULL,`workspace_id` text NOT NULL,`account_id` text NOT NULL,`platform` text NOT NULL,`status` text NOT NULL,`content` text NOT NULL,`scheduled_at` datetime NOT NULL,`version` integer NOT NULL,`enqueued_at` datetime,`lease_until` datetime,`lease_token` text NOT NULL,`retry_at` datetime,`attempts` integer NOT NULL,`checkpoint` text NOT NULL,`external_id` text NOT NULL,`permalink` text NOT NULL,`published_at` datetime,`error_code` text NOT NULL,`error_message` text NOT NULL,`error_retryable` numeric NOT NULL,`created_at` datetime NOT NULL,`updated_at` datetime NOT NULL,PRIMARY KEY (`id`),CONSTRAINT `fk_deliveries_workspace` FOREIGN KEY (`workspace_id`) REFERENCES `workspaces`(`id`),CONSTRAINT `fk_deliveries_account` FOREIGN KEY (`account_id`) REFERENCES `accounts`(`id`),CONSTRAINT `fk_deliveries_post` FOREIGN KEY (`post_id`) REFERENCES `posts`(`id`));
INSERT INTO deliveries VALUES('dlv_fb','pst_fixture',0,'ws_fixture','acc_fb','facebook','published','{"text":"Keripik Singkong Rp25.000","link":"https://wa.me/6281234567890"}','2026-12-01 01:59:00+00:00',1,'2026-12-01 02:00:00+00:00',NULL,'be781c97da95b60b2b8bab932fd16f89',NULL,1,'{"step":"posted"}','123_456','https://facebook.com/123_456','2026-12-01 02:00:00+00:00','','',0,'2026-12-01 02:00:00+00:00','2026-12-01 02:00:00+00:00');
INSERT INTO deliveries VALUES('dlv_ig','pst_fixture',1,'ws_fixture','acc_ig','instagram','scheduled','{"text":"Keripik Singkong Rp25.000"}','2026-12-01 01:59:00+00:00',1,'2026-12-01 02:00:00+00:00',NULL,'',NULL,0,'{}','','',NULL,'','',0,'2026-12-01 02:00:00+00:00','2026-12-01 02:00:00+00:00');
INSERT INTO deliveries VALUES('dlv_later','pst_later',0,'ws_fixture','acc_fb','facebook','scheduled','{"text":"Besok"}','2026-12-02 02:00:00+00:00',1,NULL,NULL,'',NULL,0,'{}','','',NULL,'','',0,'2026-12-01 02:00:00+00:00','2026-12-01 02:00:00+00:00');
CREATE TABLE `idempotency_keys` (`workspace_id` text,`idem_key` text,`request_hash` text NOT NULL,`post_id` text NOT NULL,`created_at` datetime NOT NULL,PRIMARY KEY (`workspace_id`,`idem_key`),CONSTRAINT `fk_idempotency_keys_workspace` FOREIGN KEY (`workspace_id`) REFERENCES `workspaces`(`id`),CONSTRAINT `fk_idempotency_keys_post` FOREIGN KEY (`post_id`) REFERENCES `posts`(`id`));
INSERT INTO idempotency_keys VALUES('ws_fixture','idem-1','hash-1','pst_fixture','2026-12-01 02:00:00+00:00');
CREATE TABLE `templates` (`workspace_id` text,`platform` text,`language` text,`template` text NOT NULL,`updated_at` datetime NOT NULL,PRIMARY KEY (`workspace_id`,`platform`,`language`),CONSTRAINT `fk_templates_workspace` FOREIGN KEY (`workspace_id`) REFERENCES `workspaces`(`id`));
INSERT INTO templates VALUES('ws_fixture','facebook','id','{"order_label":"Pesan di"}','2026-12-01 02:00:00+00:00');
CREATE TABLE `oauth_states` (`hash` text,`workspace_id` text NOT NULL,`platform` text NOT NULL,`verifier` text NOT NULL,`account_id` text NOT NULL,`link_hash` text NOT NULL,`expires_at` datetime NOT NULL,`used_at` datetime,`created_at` datetime NOT NULL,PRIMARY KEY (`hash`),CONSTRAINT `fk_oauth_states_workspace` FOREIGN KEY (`workspace_id`) REFERENCES `workspaces`(`id`));
INSERT INTO oauth_states VALUES('f36b45ae818809ee24ae2489edabfe3cf2a12627b6929c07fc7a3b885d414d44','ws_fixture','youtube','v1:+zDZRtTG/CInUP3WRBqjLWbI0CCmegeEOHqzxV3D/+0/CxNpmRo','','','2026-12-01 02:10:00+00:00',NULL,'2026-12-01 02:00:00+00:00');
CREATE TABLE `reconnect_links` (`hash` text,`workspace_id` text NOT NULL,`account_id` text NOT NULL,`platform` text NOT NULL,`expires_at` datetime NOT NULL,`used_at` datetime,`created_at` datetime NOT NULL,PRIMARY KEY (`hash`),CONSTRAINT `fk_reconnect_links_workspace` FOREIGN KEY (`workspace_id`) REFERENCES `workspaces`(`id`),CONSTRAINT `fk_reconnect_links_account` FOREIGN KEY (`account_id`) REFERENCES `accounts`(`id`));
INSERT INTO reconnect_links VALUES('8e9fa224f488a601af1b14e867eb6bf8496025b1bb5c0a78d1b94d3c7122efec','ws_fixture','acc_ig','instagram','2026-12-08 02:00:00+00:00',NULL,'2026-12-01 02:00:00+00:00');
CREATE TABLE `account_health` (`account_id` text,`scopes` text NOT NULL,`checked_at` datetime,`last_error` text NOT NULL,`refresh_lease_until` datetime,`updated_at` datetime NOT NULL,PRIMARY KEY (`account_id`),CONSTRAINT `fk_account_health_account` FOREIGN KEY (`account_id`) REFERENCES `accounts`(`id`));
INSERT INTO account_health VALUES('acc_fb','pages_manage_posts pages_read_engagement','2026-12-01 02:00:00+00:00','',NULL,'2026-12-01 02:00:00+00:00');
CREATE TABLE `schema_fingerprint` (`id` integer,`fingerprint` text NOT NULL,`migrated_at` datetime NOT NULL,PRIMARY KEY (`id`));
INSERT INTO schema_fingerprint VALUES(1,'bf751a4f6587463524bc5a4923c33af2fa9be96c7451b5528f72d68d78133bbc','2026-12-01 02:00:00+00:00');
CREATE UNIQUE INDEX `idx_api_keys_hash` ON `api_keys`(`hash`);
CREATE INDEX `idx_api_keys_workspace` ON `api_keys`(`workspace_id`);
CREATE UNIQUE INDEX `idx_accounts_external` ON `accounts`(`workspace_id`,`platform`,`external_id`);
CREATE INDEX `idx_media_workspace` ON `media`(`workspace_id`);
CREATE INDEX `idx_posts_status_page` ON `posts`(`workspace_id`,`status`,`scheduled_at`,`id`);
CREATE INDEX `idx_posts_page` ON `posts`(`workspace_id`,`scheduled_at`,`id`);
CREATE INDEX `idx_deliveries_leased` ON `deliveries`(`lease_until`) WHERE status = 'publishing' AND lease_until IS NOT NULL;
CREATE INDEX `idx_deliveries_enqueued` ON `deliveries`(`enqueued_at`) WHERE status = 'scheduled' AND enqueued_at IS NOT NULL;
CREATE INDEX `idx_deliveries_due` ON `deliveries`(`scheduled_at`) WHERE status = 'scheduled' AND enqueued_at IS NULL;
CREATE INDEX `idx_deliveries_account` ON `deliveries`(`account_id`);
CREATE INDEX `idx_deliveries_post` ON `deliveries`(`post_id`);
CREATE INDEX `idx_oauth_states_expiry` ON `oauth_states`(`expires_at`);
CREATE INDEX `idx_reconnect_links_account` ON `reconnect_links`(`account_id`);
COMMIT;
