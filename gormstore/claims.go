package gormstore

import (
	"context"
	"fmt"
	"strings"
	"time"

	"gorm.io/gorm"

	"github.com/serentak/serentak"
)

// Claims are made in batches (batch.go): one UPDATE for all the claims of a
// batch, one read of their accounts, one write of their posts' status, and
// one commit. On PostgreSQL the commit is what a claim made alone waits for
// longest: in a burst, claims made one statement each spent most of their
// time queued on the WAL flush (pg_stat_activity: WALWrite, WALSync), each
// holding a pooled connection. A batch of one is claimAllSQL, a single
// statement with no transaction around it.

// A claim's commit does not wait for the WAL flush, on PostgreSQL
// (synchronous_commit off for the claim's transaction alone, asyncCommitSQL);
// every other write of the hot path does. Losing a claim is safe, and this
// is why. synchronous_commit off loses only the last few hundred
// milliseconds of commits, only when PostgreSQL itself crashes (not when
// our process does), and never leaves the database inconsistent: what is
// lost is lost as if never committed, and WAL is flushed in order, so any
// commit that waits for the flush also makes every earlier commit durable.
//
//   - A claim lost in a crash is as if never made: the delivery is again
//     scheduled or publishing under its previous lease, as before the
//     claim, and its task or the stranded sweep claims it later.
//   - Nothing leaves Serentak on the strength of a claim alone. Before its
//     first non-idempotent platform call an attempt saves its checkpoint,
//     and that save is a lease-guarded write with a durable commit: either
//     it finds the claim (it runs after the claim's commit, so its flush
//     makes the claim durable too, and from then on the attempt stands on
//     durable ground) or the claim is gone, the save answers ErrLeaseLost,
//     and the publisher must not make the call (PublishRequest.SaveFunc).
//     What comes before that save is idempotent by the adapters' contract
//     (reads, unpublished uploads), so doing it again costs nothing.
//   - The post's status set by the claim (publishing) is derived from its
//     deliveries and is lost or kept with the claim.
//
// So exactly-once holds as before: the durable checkpoint before the call
// is what stands between a crash and a second call, and the claim is never
// that. What is saved is a WAL flush per claim batch: the claims' commits
// were the writes that waited longest in a burst (BENCHMARKS.md).
const asyncCommitSQL = "set_config('synchronous_commit', 'off', true)"

// maxClaimBatch bounds one batch, keeping its statement's parameters (four
// per claim) far below SQLite's limit.
const maxClaimBatch = 200

type claimReq struct {
	id         string
	version    int
	leaseUntil time.Time
	token      string
	out        chan claimResult // buffered: the batcher never blocks on it
}

type claimResult struct {
	claim serentak.Claim
	ok    bool
	err   error
}

// runClaims claims a batch in one transaction and answers every request.
func (s *Store) runClaims(ctx context.Context, batch []*claimReq) {
	if len(batch) == 1 && s.dialect == Postgres {
		r := batch[0]
		claim, ok, err := s.claimOne(ctx, r.id, r.version, r.leaseUntil, r.token)
		r.out <- claimResult{claim: claim, ok: ok, err: err}
		return
	}
	results := make([]claimResult, len(batch))
	err := s.tx(ctx, func(tx *gorm.DB) error { return s.claimBatch(tx, batch, results) })
	for i, r := range batch {
		if err != nil {
			results[i] = claimResult{err: err}
		}
		r.out <- results[i]
	}
}

// claimBatchSQL is claimSQL for n claims at once: UPDATE … FROM a VALUES
// list of (id, version, lease_until, lease_token). Its arguments: updated_at,
// the list, then claimableSQL's (the list's columns are column1…column4, so
// claimableSQL's names can only be the delivery's). A delivery named twice
// is claimed once, with one of the tokens; RETURNING says which.
func claimBatchSQL(d Dialect, n int) string {
	row := "(?, ?, ?, ?), "
	if d == Postgres {
		// A VALUES list's parameters have no type of their own there.
		row = "(?::text, ?::bigint, ?::timestamptz, ?::text), "
	}
	values := strings.TrimSuffix(strings.Repeat(row, n), ", ")
	return "UPDATE deliveries SET status = " + sqlPublishing +
		", attempts = attempts + 1, lease_until = v.column3, lease_token = v.column4, retry_at = NULL, updated_at = ?" +
		" FROM (VALUES " + values + ") AS v" +
		" WHERE deliveries.id = v.column1 AND deliveries.version = v.column2 AND " + claimableSQL +
		" RETURNING *"
}

// claimBatch is one batch's work inside its transaction; it fills results
// (all "nothing to do" on entry) and returns an error only when the whole
// batch failed.
func (s *Store) claimBatch(tx *gorm.DB, batch []*claimReq, results []claimResult) error {
	now := s.clock()
	args := make([]any, 0, 3+4*len(batch))
	args = append(args, now)
	for _, r := range batch {
		args = append(args, r.id, r.version, r.leaseUntil, r.token)
	}
	args = append(args, now, now.Add(ClaimEarly))
	if s.dialect == Postgres {
		// Row locks in ID order, as recomputePostStatuses takes the posts',
		// so that claim batches sharing deliveries with other transactions
		// do not deadlock (SQLite locks the whole database).
		ids := make([]string, len(batch))
		for i, r := range batch {
			ids[i] = r.id
		}
		// The same statement turns synchronous_commit off for this
		// transaction (see above); the CTE runs because it is read.
		lock := "WITH l AS (SELECT id FROM deliveries WHERE id IN ? ORDER BY id FOR UPDATE)" +
			" SELECT " + asyncCommitSQL + ", (SELECT count(*) FROM l)"
		if err := tx.Exec(lock, ids).Error; err != nil {
			return dbError("lock deliveries", err)
		}
	}
	var rows []deliveryRow
	if err := tx.Raw(claimBatchSQL(s.dialect, len(batch)), args...).Scan(&rows).Error; err != nil {
		return dbError("claim deliveries", err)
	}
	if len(rows) == 0 {
		return nil
	}
	accountIDs := make([]string, 0, len(rows))
	postIDs := make([]string, 0, len(rows))
	for _, r := range rows {
		accountIDs = append(accountIDs, r.AccountID)
		postIDs = append(postIDs, r.PostID)
	}
	var accRows []accountRow
	if err := tx.Where("id IN ?", accountIDs).Find(&accRows).Error; err != nil {
		return dbError("find the deliveries' accounts", err)
	}
	accounts := make(map[string]accountRow, len(accRows))
	for _, a := range accRows {
		accounts[a.ID] = a
	}
	// Every post is publishing now (see ClaimDelivery); on PostgreSQL
	// their rows are locked in ID order, as recomputePostStatuses does.
	setPosts := "UPDATE posts SET status = ?, updated_at = ? WHERE id IN ?"
	if s.dialect == Postgres {
		setPosts = "UPDATE posts SET status = ?, updated_at = ? WHERE id IN (SELECT id FROM posts WHERE id IN ? ORDER BY id FOR UPDATE)"
	}
	if err := tx.Exec(setPosts, string(serentak.PostPublishing), now, postIDs).Error; err != nil {
		return dbError("update post status", err)
	}
	byToken := make(map[string]int, len(batch))
	for i, r := range batch {
		byToken[r.token] = i
	}
	for _, r := range rows {
		i, ok := byToken[r.LeaseToken]
		if !ok {
			continue // cannot happen: every row was written with a token of the batch
		}
		results[i] = s.claimed(r, accounts[r.AccountID], r.LeaseToken)
	}
	return nil
}

// claimed turns a claimed row and its account into a claim. An account
// of another workspace cannot happen (a foreign key ties a delivery to its
// account); a missing one is an account removed (DeleteAccount: its
// soft-deleted row is left out of the batch's read) while a delivery of
// it was retrying. The claim then stands until its lease runs out, and the
// error says why nothing was published.
func (s *Store) claimed(r deliveryRow, acc accountRow, token string) claimResult {
	if acc.ID == "" || acc.WorkspaceID != r.WorkspaceID {
		return claimResult{err: fmt.Errorf("gormstore: claim delivery %s: %w", r.ID, serentak.NotFound("account"))}
	}
	d, err := toDelivery(r)
	if err != nil {
		return claimResult{err: err}
	}
	a, err := s.toAccount(acc)
	if err != nil {
		return claimResult{err: fmt.Errorf("gormstore: claim delivery %s: %w", r.ID, err)}
	}
	return claimResult{claim: serentak.Claim{Delivery: d, Account: a, Token: token}, ok: true}
}
