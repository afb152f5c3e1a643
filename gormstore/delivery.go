package gormstore

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"time"

	"gorm.io/gorm"

	"github.com/serentak/serentak"
)

// DefaultBatch is the number of deliveries the scheduler's queries return
// when their limit is 0 or less.
const DefaultBatch = 500

// ClaimEarly is how long before a retry's time a claim may take it: Asynq
// keeps times in whole seconds, so the retry task can start up to a second
// early.
const ClaimEarly = 2 * time.Second

// RetryLeaseGrace is how long after its retry time a delivery waiting for a
// retry stays leased. The retry task normally claims it first; only when
// that task was lost does the lease run out and the stranded sweep take it.
const RetryLeaseGrace = 2 * time.Minute

// The status literals in the scheduler's queries are written into the SQL
// (they are our constants, never input) so that the planner can match them
// against the partial indexes' WHERE clauses, which a bound parameter does
// not always allow.
const (
	sqlScheduled  = "'" + string(serentak.DeliveryScheduled) + "'"
	sqlPublishing = "'" + string(serentak.DeliveryPublishing) + "'"
)

// dueColumns are the columns of a serentak.DueDelivery.
const dueColumns = "id, post_id, workspace_id, platform, version, scheduled_at, trace_parent"

// dueQuery is FindDueDeliveries' query, served by idx_deliveries_due.
func dueQuery(db *gorm.DB, before time.Time, limit int) *gorm.DB {
	return db.Model(&deliveryRow{}).
		Select(dueColumns).
		Where("status = "+sqlScheduled+" AND enqueued_at IS NULL AND scheduled_at <= ?", dbTime(before)).
		Order("scheduled_at").Limit(limit)
}

// FindDueDeliveries returns scheduled deliveries not yet enqueued whose time
// is at or before before, earliest first.
func (s *Store) FindDueDeliveries(ctx context.Context, before time.Time, limit int) ([]serentak.DueDelivery, error) {
	if limit <= 0 {
		limit = DefaultBatch
	}
	var rows []deliveryRow
	if err := dueQuery(s.db.WithContext(ctx), before, limit).Find(&rows).Error; err != nil {
		return nil, dbError("find due deliveries", err)
	}
	return toDue(rows), nil
}

// MarkEnqueued records that tasks were enqueued for these deliveries at
// these versions. A delivery rescheduled (or started) since it was read is
// left alone: its new version still needs a task.
func (s *Store) MarkEnqueued(ctx context.Context, ds []serentak.DueDelivery, at time.Time) error {
	if len(ds) == 0 {
		return nil
	}
	byVersion := map[int][]string{}
	for _, d := range ds {
		byVersion[d.Version] = append(byVersion[d.Version], d.ID)
	}
	at = dbTime(at)
	return s.tx(ctx, func(tx *gorm.DB) error {
		for version, ids := range byVersion {
			for len(ids) > 0 {
				n := min(len(ids), 500)
				err := tx.Model(&deliveryRow{}).
					Where("status = "+sqlScheduled+" AND version = ? AND id IN ?", version, ids[:n]).
					Update("enqueued_at", at).Error
				if err != nil {
					return dbError("mark deliveries enqueued", err)
				}
				ids = ids[n:]
			}
		}
		return nil
	})
}

// ResetEnqueued is what the scheduler does after the queue lost its tasks
// (Redis emptied or restarted without its data). It forgets every enqueued
// mark of scheduled deliveries, so the scheduler enqueues them again, and
// brings the lease of every delivery waiting for a retry down to its retry
// time: the retry task is gone too, and otherwise the stranded sweep would
// take it up only RetryLeaseGrace after that time. It returns how many
// deliveries it changed.
func (s *Store) ResetEnqueued(ctx context.Context) (int64, error) {
	var n int64
	err := s.tx(ctx, func(tx *gorm.DB) error {
		res := tx.Model(&deliveryRow{}).
			Where("status = "+sqlScheduled+" AND enqueued_at IS NOT NULL").
			Update("enqueued_at", nil)
		if res.Error != nil {
			return dbError("reset enqueued deliveries", res.Error)
		}
		n = res.RowsAffected
		res = tx.Exec("UPDATE deliveries SET lease_until = retry_at WHERE status = " + sqlPublishing +
			" AND retry_at IS NOT NULL AND lease_until > retry_at")
		if res.Error != nil {
			return dbError("bring retry leases forward", res.Error)
		}
		n += res.RowsAffected
		return nil
	})
	return n, err
}

// FindStrandedDeliveries returns deliveries whose task seems lost: scheduled
// ones enqueued and due more than grace ago but never claimed, and
// publishing ones whose lease ran out (the worker died, or the retry task
// was lost). Earliest scheduled first.
//
// It runs two queries, one per partial index (idx_deliveries_enqueued,
// idx_deliveries_leased), rather than one OR that a planner may not split.
func (s *Store) FindStrandedDeliveries(ctx context.Context, now time.Time, grace time.Duration, limit int) ([]serentak.DueDelivery, error) {
	if limit <= 0 {
		limit = DefaultBatch
	}
	db := s.db.WithContext(ctx)
	cutoff := dbTime(now.Add(-grace))
	var enqueued, leased []deliveryRow
	if err := strandedQuery(db, cutoff, limit).Find(&enqueued).Error; err != nil {
		return nil, dbError("find stranded scheduled deliveries", err)
	}
	if err := leaseExpiredQuery(db, dbTime(now), limit).Find(&leased).Error; err != nil {
		return nil, dbError("find deliveries with expired leases", err)
	}
	rows := append(enqueued, leased...)
	sort.SliceStable(rows, func(i, j int) bool { return rows[i].ScheduledAt.Before(rows[j].ScheduledAt) })
	if len(rows) > limit {
		rows = rows[:limit]
	}
	return toDue(rows), nil
}

// strandedQuery is served by idx_deliveries_enqueued.
func strandedQuery(db *gorm.DB, cutoff time.Time, limit int) *gorm.DB {
	return db.Model(&deliveryRow{}).Select(dueColumns).
		Where("status = "+sqlScheduled+" AND enqueued_at IS NOT NULL AND enqueued_at < ? AND scheduled_at < ?", cutoff, cutoff).
		Order("scheduled_at").Limit(limit)
}

// leaseExpiredQuery is served by idx_deliveries_leased.
func leaseExpiredQuery(db *gorm.DB, now time.Time, limit int) *gorm.DB {
	return db.Model(&deliveryRow{}).Select(dueColumns).
		Where("status = "+sqlPublishing+" AND lease_until < ?", now).
		Order("lease_until").Limit(limit)
}

func toDue(rows []deliveryRow) []serentak.DueDelivery {
	out := make([]serentak.DueDelivery, len(rows))
	for i, r := range rows {
		out[i] = serentak.DueDelivery{ID: r.ID, Platform: serentak.Platform(r.Platform), Version: r.Version, ScheduledAt: r.ScheduledAt.UTC(),
			PostID: r.PostID, WorkspaceID: r.WorkspaceID, TraceParent: r.TraceParent}
	}
	return out
}

// ClaimDelivery takes a delivery for one publish attempt, in one
// conditional UPDATE: the version must match, and the delivery must be
// scheduled, or publishing with its lease run out or its retry time come
// (ClaimEarly before it at most). The attempt count grows and a new lease
// token is issued. ok is false, with a nil error, when there is nothing to
// do: another worker won, the version is stale, or the delivery was
// canceled or has ended. Of any number of concurrent claimers one wins.
//
// It is on every publish's path, so it spends few round trips: the UPDATE
// returns the claimed row, and the post's status is set without reading its
// deliveries. A post with a publishing delivery is publishing whatever its
// other deliveries are (serentak.DerivePostStatus; TestClaimFixesPostStatus
// holds it to that). Setting it takes the post's row lock, as
// recomputePostStatuses does, so a concurrent outcome of another delivery
// recomputes before or after it, never across it. Claims made at the same
// moment are made together (claims.go); one made alone is, on PostgreSQL,
// one statement with the account (claimOne).
func (s *Store) ClaimDelivery(ctx context.Context, id string, version int, leaseUntil time.Time) (serentak.Claim, bool, error) {
	r := &claimReq{id: id, version: version, leaseUntil: dbTime(leaseUntil), token: newToken(), out: make(chan claimResult, 1)}
	if err := s.claims.submit(ctx, r); err != nil {
		return serentak.Claim{}, false, fmt.Errorf("gormstore: claim delivery %s: %w", id, err)
	}
	res := <-r.out
	return res.claim, res.ok, res.err
}

// claimOne is a claim made alone on PostgreSQL: claimAllSQL.
func (s *Store) claimOne(ctx context.Context, id string, version int, leaseUntil time.Time, token string) (serentak.Claim, bool, error) {
	now := s.clock()
	args := []any{leaseUntil, token, now, id, version, now, now.Add(ClaimEarly), now}
	// One statement, atomic by itself: no BEGIN and COMMIT round trips.
	var rows []claimedRow
	if err := s.db.WithContext(ctx).Raw(claimAllSQL, args...).Scan(&rows).Error; err != nil {
		return serentak.Claim{}, false, dbError("claim delivery", err)
	}
	if len(rows) == 0 {
		return serentak.Claim{}, false, nil
	}
	res := s.claimed(rows[0].Row, rows[0].Acc, token)
	return res.claim, res.ok, res.err
}

// claimableSQL is the condition of a delivery that may be claimed: it is
// scheduled, or publishing with its lease run out or its retry time come.
// Its arguments: now (for the lease) and now + ClaimEarly (for the retry
// time).
const claimableSQL = "(status = " + sqlScheduled + " OR (status = " + sqlPublishing +
	" AND (lease_until < ? OR (retry_at IS NOT NULL AND retry_at <= ?))))"

// claimSQL is the UPDATE of a claim made alone (inside claimAllSQL;
// claimBatchSQL is its batched form). Its arguments: lease_until,
// lease_token, updated_at, id, version, then claimableSQL's. RETURNING
// saves the SELECT of the claimed row.
const claimSQL = "UPDATE deliveries SET status = " + sqlPublishing +
	", attempts = attempts + 1, lease_until = ?, lease_token = ?, retry_at = NULL, updated_at = ?" +
	" WHERE id = ? AND version = ? AND " + claimableSQL + " RETURNING *"

// claimAllSQL is the whole claim on PostgreSQL in one statement (SQLite
// has no UPDATE in WITH): claimSQL, the post's status (a data-modifying
// WITH runs whether or not it is read) and the delivery's account. Its
// last argument is the post's updated_at. The LEFT JOIN keeps a claimed
// row whose account is missing (acc_id empty), so that it is an error
// rather than "nothing to do".
//
// Its commit does not wait for the WAL flush: the CTE s turns
// synchronous_commit off for the statement's own transaction (see
// claims.go for why a claim may be lost in a crash). s is read by the
// final SELECT (FROM s, d), so it runs.
const claimAllSQL = "WITH s AS (SELECT " + asyncCommitSQL + ")," +
	" d AS (" + claimSQL + ")," +
	" p AS (UPDATE posts SET status = '" + string(serentak.PostPublishing) + "', updated_at = ? WHERE id IN (SELECT post_id FROM d))" +
	" SELECT d.*," +
	" COALESCE(a.id, '') AS acc_id, COALESCE(a.workspace_id, '') AS acc_workspace_id," +
	" COALESCE(a.platform, '') AS acc_platform, COALESCE(a.external_id, '') AS acc_external_id," +
	" COALESCE(a.name, '') AS acc_name, COALESCE(a.status, '') AS acc_status," +
	" COALESCE(a.status_reason, '') AS acc_status_reason, COALESCE(a.access_token, '') AS acc_access_token," +
	" COALESCE(a.refresh_token, '') AS acc_refresh_token, a.token_expires_at AS acc_token_expires_at," +
	" COALESCE(a.created_at, d.created_at) AS acc_created_at, COALESCE(a.updated_at, d.updated_at) AS acc_updated_at" +
	" FROM s, d LEFT JOIN accounts a ON a.id = d.account_id AND a.workspace_id = d.workspace_id"

// claimedRow is a row of claimAllSQL.
type claimedRow struct {
	// The fields are named: GORM does not set unexported embedded ones.
	Row deliveryRow `gorm:"embedded"`
	Acc accountRow  `gorm:"embedded;embeddedPrefix:acc_"`
}

// SaveCheckpoint stores the adapter's checkpoint and extends the lease to
// leaseUntil; a zero leaseUntil leaves the lease as it is. Then no indexed
// column changes, so PostgreSQL can update the row in place (a HOT update)
// instead of adding an entry to each of its indexes.
func (s *Store) SaveCheckpoint(ctx context.Context, c serentak.Claim, cp serentak.Checkpoint, leaseUntil time.Time) error {
	text, err := jsonText(cp, "{}")
	if err != nil {
		return err
	}
	if leaseUntil.IsZero() {
		return s.leaseWrite(ctx, c, false, "", "checkpoint = ?", text)
	}
	return s.leaseWrite(ctx, c, false, "", "checkpoint = ?, lease_until = ?", text, dbTime(leaseUntil))
}

// CompleteDelivery records a publication.
func (s *Store) CompleteDelivery(ctx context.Context, c serentak.Claim, r serentak.Result) error {
	return s.CompleteDeliveryWithCheckpoint(ctx, c, r, nil)
}

// CompleteDeliveryWithCheckpoint records a publication and, when cp is not
// nil, the checkpoint that holds it (the one the adapter kept after its
// call, PublishRequest.KeepFunc), in the same write: what used to be a
// checkpoint write and an outcome write is one.
func (s *Store) CompleteDeliveryWithCheckpoint(ctx context.Context, c serentak.Claim, r serentak.Result, cp serentak.Checkpoint) error {
	at := r.PublishedAt
	if at.IsZero() {
		at = s.now()
	}
	warnings, err := jsonText(r.Warnings, "[]")
	if err != nil {
		return err
	}
	set := "status = ?, external_id = ?, permalink = ?, published_at = ?, error_code = '', error_message = ''," +
		" error_retryable = ?, lease_until = NULL, retry_at = NULL, warnings = ?"
	args := []any{string(serentak.DeliveryPublished), r.ExternalID, r.Permalink, dbTime(at), false, warnings}
	if cp != nil {
		text, err := jsonText(cp, "{}")
		if err != nil {
			return err
		}
		set += ", checkpoint = ?"
		args = append(args, text)
	}
	return s.leaseWriteWith(ctx, c, true, serentak.EventDeliveryPublished, s.newMetricsRow(c.Delivery, r.ExternalID, at), set, args...)
}

// FailDelivery records that the delivery failed for good.
func (s *Store) FailDelivery(ctx context.Context, c serentak.Claim, e serentak.DeliveryError) error {
	return s.leaseWrite(ctx, c, true, serentak.EventDeliveryFailed,
		"status = ?, error_code = ?, error_message = ?, error_retryable = ?, lease_until = NULL, retry_at = NULL",
		string(serentak.DeliveryFailed), e.Code, e.Message, e.Retryable)
}

// RetryDelivery records a failed attempt to be retried at retryAt. The
// delivery stays publishing; the retry task claims it again from retryAt
// on. Its lease runs until RetryLeaseGrace after retryAt, so the stranded
// sweep steps in only if the retry task was lost.
func (s *Store) RetryDelivery(ctx context.Context, c serentak.Claim, e serentak.DeliveryError, retryAt time.Time) error {
	return s.leaseWrite(ctx, c, true, "",
		"error_code = ?, error_message = ?, error_retryable = ?, retry_at = ?, lease_until = ?",
		e.Code, e.Message, e.Retryable, dbTime(retryAt), dbTime(retryAt.Add(RetryLeaseGrace)))
}

// leaseWrite sets the columns of set (a fixed SET list of the callers
// above, with args for its placeholders) if c is still the delivery's
// current claim (same lease token, still publishing), else returns
// serentak.ErrLeaseLost. With recompute it also recomputes the post's
// status in the same transaction; an event other than ""
// (delivery.published, delivery.failed) is written to the webhook outbox
// there too. The SQL is written out rather than built by GORM from a map:
// these run several times per publish, and GORM's reflection over a map of
// updates cost more than the statement.
func (s *Store) leaseWrite(ctx context.Context, c serentak.Claim, recompute bool, event string, set string, args ...any) error {
	return s.leaseWriteWith(ctx, c, recompute, event, nil, set, args...)
}

// leaseWriteWith is leaseWrite that also inserts metrics, the delivery's
// delivery_metrics row, in the same transaction when the write is made
// (CompleteDelivery; platformmetrics.go).
func (s *Store) leaseWriteWith(ctx context.Context, c serentak.Claim, recompute bool, event string, metrics *deliveryMetricsRow, set string, args ...any) error {
	if c.Delivery.ID == "" || c.Token == "" {
		return errors.New("gormstore: lease-guarded write without a claim")
	}
	w := &leaseWriteReq{
		query:       leaseWriteSQL(set),
		args:        append(args, s.clock(), c.Delivery.ID, c.Token),
		deliveryID:  c.Delivery.ID,
		postID:      c.Delivery.PostID,
		workspaceID: c.Delivery.WorkspaceID,
		recompute:   recompute,
		event:       event,
		metrics:     metrics,
	}
	// Batched with the writes made at the same moment (batch.go).
	w.out = make(chan error, 1)
	if err := s.leaseWrites.submit(ctx, w); err != nil {
		return fmt.Errorf("gormstore: update delivery %s: %w", c.Delivery.ID, err)
	}
	return <-w.out
}

// leaseWriteSQL is a lease-guarded UPDATE setting set (and updated_at),
// with the arguments of set, then updated_at, id and lease token. It finds
// the row by its primary key (TestLeaseGuardedWritesUseThePrimaryKey).
func leaseWriteSQL(set string) string {
	return "UPDATE deliveries SET " + set + ", updated_at = ? WHERE id = ? AND lease_token = ? AND status = " + sqlPublishing
}

// leaseWriteReq is one leaseWrite.
type leaseWriteReq struct {
	query       string
	args        []any
	deliveryID  string
	postID      string // may be empty: then read
	workspaceID string // may be empty: then read, if there is an event
	recompute   bool
	event       string              // the webhook event of the write, or ""
	metrics     *deliveryMetricsRow // inserted with the write, when set
	out         chan error          // buffered: the batcher never blocks on it
}

// update runs the guarded UPDATE: serentak.ErrLeaseLost when it changed nothing.
func (w *leaseWriteReq) update(db *gorm.DB) error {
	res := db.Exec(w.query, w.args...)
	if res.Error != nil {
		return dbError("update delivery", res.Error)
	}
	if res.RowsAffected == 0 {
		return serentak.ErrLeaseLost
	}
	return nil
}

// post is the delivery's post.
func (w *leaseWriteReq) post(tx *gorm.DB) (string, error) {
	if w.postID != "" {
		return w.postID, nil
	}
	var postID string
	if err := tx.Model(&deliveryRow{}).Where("id = ?", w.deliveryID).Pluck("post_id", &postID).Error; err != nil {
		return "", dbError("find the delivery's post", err)
	}
	return postID, nil
}

// outEvent is the write's webhook event about its delivery.
func (w *leaseWriteReq) outEvent(tx *gorm.DB) (outEvent, error) {
	ws := w.workspaceID
	if ws == "" {
		if err := tx.Model(&deliveryRow{}).Where("id = ?", w.deliveryID).Pluck("workspace_id", &ws).Error; err != nil {
			return outEvent{}, dbError("find the delivery's workspace", err)
		}
	}
	return outEvent{ws, w.event, w.deliveryID}, nil
}

// runLeaseWrites makes a batch of lease-guarded writes in one transaction
// (batch.go). A write whose lease was lost changes nothing and
// answers serentak.ErrLeaseLost without failing the others; each post touched is
// recomputed once, after every write. Any other error fails the batch.
func (s *Store) runLeaseWrites(ctx context.Context, batch []*leaseWriteReq) {
	if len(batch) == 1 && !batch[0].recompute && batch[0].event == "" {
		// A checkpoint written alone is one statement, atomic by itself:
		// no BEGIN and COMMIT round trips around it.
		w := batch[0]
		w.out <- w.update(s.db.WithContext(ctx))
		return
	}
	results := make([]error, len(batch))
	err := s.tx(ctx, func(tx *gorm.DB) error {
		var posts []string
		var events []outEvent
		var metrics []*deliveryMetricsRow
		for i, w := range batch {
			results[i] = w.update(tx)
			if errors.Is(results[i], serentak.ErrLeaseLost) {
				continue
			}
			if results[i] != nil {
				return results[i]
			}
			if w.metrics != nil {
				metrics = append(metrics, w.metrics)
			}
			if w.event != "" {
				ev, err := w.outEvent(tx)
				if err != nil {
					return err
				}
				events = append(events, ev)
			}
			if !w.recompute {
				continue
			}
			postID, err := w.post(tx)
			if err != nil {
				return err
			}
			posts = append(posts, postID)
		}
		// One INSERT for the burst's publications' metrics rows.
		if err := insertMetricsRows(tx, metrics); err != nil {
			return err
		}
		now := s.clock()
		if len(posts) == 0 {
			return s.emit(tx, now, events...)
		}
		// The deliveries' events are written with their posts' (one
		// INSERT for all).
		return s.recomputePostStatusesWith(tx, posts, now, events...)
	})
	for i, w := range batch {
		if err != nil {
			results[i] = err
		}
		w.out <- results[i]
	}
}

// maxLeaseWriteBatch bounds one batch of lease-guarded writes, and so how
// long one transaction holds its rows.
const maxLeaseWriteBatch = 200

// pgLeaseWriteLoops is how many batches of lease-guarded writes run at once
// on PostgreSQL: several, so that the pool's connections work in parallel,
// and fewer than the pool (10), leaving connections for claims and reads.
const pgLeaseWriteLoops = 4

func toDelivery(r deliveryRow) (serentak.Delivery, error) {
	d := serentak.Delivery{
		ID: r.ID, PostID: r.PostID, WorkspaceID: r.WorkspaceID, AccountID: r.AccountID,
		Platform: serentak.Platform(r.Platform), Status: serentak.DeliveryStatus(r.Status),
		ScheduledAt: r.ScheduledAt.UTC(), Version: r.Version, Attempts: r.Attempts,
		ExternalID: r.ExternalID, Permalink: r.Permalink, PublishedAt: fromDBPtr(r.PublishedAt),
		CreatedAt: r.CreatedAt.UTC(), UpdatedAt: r.UpdatedAt.UTC(), TraceParent: r.TraceParent,
	}
	if err := json.Unmarshal([]byte(r.Content), &d.Content); err != nil {
		return d, fmt.Errorf("gormstore: delivery %s: decode content: %w", r.ID, err)
	}
	if err := json.Unmarshal([]byte(r.Checkpoint), &d.Checkpoint); err != nil {
		return d, fmt.Errorf("gormstore: delivery %s: decode checkpoint: %w", r.ID, err)
	}
	if len(d.Checkpoint) == 0 {
		d.Checkpoint = nil
	}
	if r.Warnings != "" && r.Warnings != "[]" {
		if err := json.Unmarshal([]byte(r.Warnings), &d.Warnings); err != nil {
			return d, fmt.Errorf("gormstore: delivery %s: decode warnings: %w", r.ID, err)
		}
	}
	if r.ErrorCode != "" || r.ErrorMessage != "" {
		d.Error = &serentak.DeliveryError{Code: r.ErrorCode, Message: r.ErrorMessage, Retryable: r.ErrorRetryable}
	}
	return d, nil
}

// CountDeliveries counts the platform's deliveries, of every workspace,
// whose time is in [from, to) and that publish or have published: the
// API's count of YouTube uploads already planned for one quota day (the
// allowance is the install's, docs/platforms/youtube.md#rate-limits-and-quotas).
// Canceled and failed deliveries are not counted.
func (s *Store) CountDeliveries(ctx context.Context, platform serentak.Platform, from, to time.Time) (int, error) {
	var n int64
	err := s.db.WithContext(ctx).Model(&deliveryRow{}).
		Where("platform = ? AND status IN ? AND scheduled_at >= ? AND scheduled_at < ?", string(platform),
			[]string{string(serentak.DeliveryScheduled), string(serentak.DeliveryPublishing), string(serentak.DeliveryPublished)},
			dbTime(from), dbTime(to)).
		Count(&n).Error
	if err != nil {
		return 0, dbError("count deliveries", err)
	}
	return int(n), nil
}

// FindDeliveryByID returns a delivery of the workspace (not_found
// otherwise): what a delivery.* webhook event is about.
func (s *Store) FindDeliveryByID(ctx context.Context, workspaceID, id string) (serentak.Delivery, error) {
	var r deliveryRow
	err := s.db.WithContext(ctx).Where("id = ? AND workspace_id = ?", id, workspaceID).Take(&r).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return serentak.Delivery{}, serentak.NotFound("delivery")
	}
	if err != nil {
		return serentak.Delivery{}, dbError("find delivery", err)
	}
	return toDelivery(r)
}

// CountDueDeliveries counts, by platform, the deliveries whose time has
// come (scheduled_at <= now) and that no worker has started: the
// scheduler role's serentak_queue_due gauge. It adds the two parts
// dueCountQueries counts.
func (s *Store) CountDueDeliveries(ctx context.Context, now time.Time) (map[serentak.Platform]int, error) {
	out := map[serentak.Platform]int{}
	for _, q := range dueCountQueries(s.db.WithContext(ctx), now) {
		var rows []struct {
			Platform string
			N        int
		}
		if err := q.Scan(&rows).Error; err != nil {
			return nil, dbError("count due deliveries", err)
		}
		for _, r := range rows {
			out[serentak.Platform(r.Platform)] += r.N
		}
	}
	return out, nil
}

// dueCountQueries count the deliveries due and not started by platform,
// keyed by the partial index that serves each (0001_initial.sql): those
// not enqueued yet, and those enqueued. One query over both would match
// neither index and scan every scheduled delivery, however far ahead.
func dueCountQueries(db *gorm.DB, now time.Time) map[string]*gorm.DB {
	q := func(enqueued string) *gorm.DB {
		return db.Session(&gorm.Session{}).Model(&deliveryRow{}).Select("platform, COUNT(*) AS n").
			Where("status = "+sqlScheduled+" AND enqueued_at "+enqueued+" AND scheduled_at <= ?", dbTime(now)).
			Group("platform")
	}
	return map[string]*gorm.DB{"idx_deliveries_due": q("IS NULL"), "idx_deliveries_enqueued": q("IS NOT NULL")}
}
