// Package chaos proves Serentak's publishing guarantee by breaking things.
//
// Its tests build the real serentak binary once, start real `api`,
// `worker` and `scheduler` processes against one database (a fresh
// PostgreSQL schema when SERENTAK_TEST_DATABASE_URL is set, else one SQLite
// file shared by the processes) and a Redis of their own (redis-server on a
// free port, or the in-process one when redis-server is not installed),
// point them at strict fake platforms running in the test, and then kill
// workers with SIGKILL (also in the middle of a YouTube upload chunk and
// of a TikTok upload, which must resume from the stored session), empty or
// kill Redis, kill the API right after it answered, cut the database off,
// and make the platforms fail or drop the connection after doing the work.
//
// Every scenario ends with a Report counted from the platforms' own
// records: published, duplicates (the same post twice on a page or
// account; for YouTube and TikTok, a second video made for one delivery), lost (accepted, not on the platform, not failed with a reason)
// and stuck (not final by the deadline). The last three must be zero.
// A webhook receiver in the test, with an endpoint on the scenario's
// workspace, must also have got the event of every final post and delivery
// at least once (a retry of one webhook-id is allowed), each signature
// verified independently.
//
//	go test ./chaos/                                  # short form (CI)
//	SERENTAK_CHAOS_PUBLISHES=120 go test -v ./chaos/  # long form, 120 posts under worker kills
//	go test -v ./chaos/ -chaos.long                   # long form, default sizes
//
// Set SERENTAK_TEST_DATABASE_URL (a postgres:// URL) for PostgreSQL, which
// also turns on the database-cut scenario and the injected rate limits
// (each costs the minute Meta asks to wait).
//
// The package has no code outside its tests except a TCP proxy that can cut
// the database off.
package chaos
