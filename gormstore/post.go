package gormstore

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"gorm.io/gorm"

	"github.com/serentak/serentak"
)

// IdempotencyWindow is how long an Idempotency-Key is remembered. After it,
// the key may be used for a new post.
const IdempotencyWindow = 24 * time.Hour

// Page sizes of FindPosts.
const (
	DefaultPostLimit = 20
	MaxPostLimit     = 100
)

// errIdempotencyRace: a concurrent request with the same Idempotency-Key
// committed first; reading the key again returns its post.
var errIdempotencyRace = errors.New("gormstore: idempotency key taken concurrently")

// CreatePost stores a post and its deliveries in one transaction. The
// caller sets the IDs, each delivery's Content, Platform, AccountID and
// ScheduledAt; the post's status is derived from the deliveries' here.
// Every delivery's account must belong to the post's workspace.
//
// With idem, the same key and request hash within IdempotencyWindow
// returns the post made the first time and created=false; the same key with
// another hash is a conflict. Two concurrent requests with one key make one
// post: the primary key of the idempotency table lets one insert win, and
// the other request rolls back and reads the winner's post.
func (s *Store) CreatePost(ctx context.Context, p serentak.Post, idem *serentak.IdempotencyKey) (serentak.Post, bool, error) {
	ps, created, err := s.createPosts(ctx, []serentak.Post{p}, idem, nil)
	if err != nil {
		return serentak.Post{}, false, err
	}
	return ps[0], created, nil
}

// createPosts stores posts and their deliveries in one transaction, the
// Idempotency-Key recorded for the first. prepare, when set, runs in the
// transaction first, before anything is written (a queued post takes its
// slot there). A replay answers the posts the key made: the first post, or
// every post of its repeat series.
func (s *Store) createPosts(ctx context.Context, ps []serentak.Post, idem *serentak.IdempotencyKey, prepare func(tx *gorm.DB, ps []serentak.Post) error) ([]serentak.Post, bool, error) {
	for _, p := range ps {
		if err := checkNewPost(p); err != nil {
			return nil, false, err
		}
	}
	for attempt := 0; ; attempt++ {
		var (
			out     []serentak.Post
			created bool
		)
		err := s.tx(ctx, func(tx *gorm.DB) error {
			if idem != nil {
				first, found, err := s.lookUpIdempotencyKey(tx, ps[0].WorkspaceID, *idem)
				if err != nil || found {
					if found {
						out, err = loadSeries(tx, first)
					}
					return err
				}
			}
			todo := slices.Clone(ps)
			if prepare != nil {
				if err := prepare(tx, todo); err != nil {
					return err
				}
			}
			out = make([]serentak.Post, 0, len(todo))
			for _, p := range todo {
				stored, err := s.insertPost(tx, p)
				if err != nil {
					return err
				}
				out = append(out, stored)
			}
			created = true
			if idem == nil {
				return nil
			}
			err := tx.Create(&idempotencyRow{
				WorkspaceID: ps[0].WorkspaceID, IdemKey: idem.Key, RequestHash: idem.RequestHash,
				PostID: ps[0].ID, CreatedAt: s.clock(),
			}).Error
			if errors.Is(err, gorm.ErrDuplicatedKey) {
				return errIdempotencyRace
			}
			if err != nil {
				return dbError("record idempotency key", err)
			}
			return nil
		})
		if errors.Is(err, errIdempotencyRace) && attempt < 2 {
			continue
		}
		if err != nil {
			return nil, false, err
		}
		return out, created, nil
	}
}

func checkNewPost(p serentak.Post) error {
	if p.ID == "" || p.WorkspaceID == "" {
		return errors.New("gormstore: create post: the post ID and workspace ID are required")
	}
	for i, d := range p.Deliveries {
		if d.ID == "" || d.AccountID == "" || d.Platform == "" {
			return fmt.Errorf("gormstore: create post: delivery %d needs an ID, an account ID and a platform", i)
		}
	}
	return nil
}

// lookUpIdempotencyKey returns the post a live key made. An expired key is
// deleted so the caller can take it again.
func (s *Store) lookUpIdempotencyKey(tx *gorm.DB, workspaceID string, idem serentak.IdempotencyKey) (serentak.Post, bool, error) {
	var r idempotencyRow
	err := tx.Where("workspace_id = ? AND idem_key = ?", workspaceID, idem.Key).Take(&r).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return serentak.Post{}, false, nil
	}
	if err != nil {
		return serentak.Post{}, false, dbError("find idempotency key", err)
	}
	if !r.CreatedAt.After(s.clock().Add(-IdempotencyWindow)) {
		// Delete exactly the expired record: a fresh one a concurrent
		// request just made must stay.
		err := tx.Where("workspace_id = ? AND idem_key = ? AND created_at = ?", workspaceID, idem.Key, r.CreatedAt).
			Delete(&idempotencyRow{}).Error
		if err != nil {
			return serentak.Post{}, false, dbError("delete expired idempotency key", err)
		}
		return serentak.Post{}, false, nil
	}
	if r.RequestHash != idem.RequestHash {
		return serentak.Post{}, false, &serentak.Error{
			Code:    serentak.ECodeConflict,
			Message: "this Idempotency-Key was already used with a different request body; send a new key for a new post",
		}
	}
	p, err := loadPost(tx, workspaceID, r.PostID)
	return p, err == nil, err
}

func (s *Store) insertPost(tx *gorm.DB, p serentak.Post) (serentak.Post, error) {
	now := s.clock()
	accountIDs := map[string]bool{}
	for _, d := range p.Deliveries {
		accountIDs[d.AccountID] = true
	}
	if len(accountIDs) > 0 {
		ids := make([]string, 0, len(accountIDs))
		for id := range accountIDs {
			ids = append(ids, id)
		}
		var n int64
		if err := tx.Model(&accountRow{}).Where("workspace_id = ? AND id IN ?", p.WorkspaceID, ids).Count(&n).Error; err != nil {
			return serentak.Post{}, dbError("check the post's accounts", err)
		}
		if n != int64(len(ids)) {
			return serentak.Post{}, serentak.NotFound("account")
		}
	}

	created := now
	if !p.CreatedAt.IsZero() {
		created = dbTime(p.CreatedAt)
	}
	rows := make([]deliveryRow, len(p.Deliveries))
	statuses := make([]serentak.DeliveryStatus, len(p.Deliveries))
	for i, d := range p.Deliveries {
		r, err := newDeliveryRow(p, i, d, created)
		if err != nil {
			return serentak.Post{}, err
		}
		rows[i] = r
		statuses[i] = serentak.DeliveryStatus(r.Status)
	}
	pr, err := newPostRow(p, created)
	if err != nil {
		return serentak.Post{}, err
	}
	pr.Status = string(serentak.DerivePostStatus(statuses))
	if err := tx.Create(&pr).Error; err != nil {
		if errors.Is(err, gorm.ErrDuplicatedKey) {
			return serentak.Post{}, serentak.Errorf(serentak.ECodeConflict, "post %s already exists", p.ID)
		}
		return serentak.Post{}, dbError("create post", err)
	}
	if len(rows) > 0 {
		if err := tx.CreateInBatches(&rows, 100).Error; err != nil {
			return serentak.Post{}, dbError("create deliveries", err)
		}
		if err := insertTrackedLinks(tx, p.WorkspaceID, p.ID, p.Deliveries, now); err != nil {
			return serentak.Post{}, err
		}
	}
	if pr.Status == string(serentak.PostPendingApproval) {
		if err := s.emit(tx, now, outEvent{p.WorkspaceID, serentak.EventPostPendingApproval, pr.ID}); err != nil {
			return serentak.Post{}, err
		}
	}
	return toPost(pr, rows)
}

func newPostRow(p serentak.Post, now time.Time) (postRow, error) {
	r := postRow{
		ID: p.ID, WorkspaceID: p.WorkspaceID, Caption: p.Caption,
		ScheduledAt: dbTime(p.ScheduledAt), CreatedAt: now, UpdatedAt: now, Source: string(p.Source),
	}
	if p.RepeatOf != "" {
		r.RepeatOf = &p.RepeatOf
	}
	if p.Product != nil {
		b, err := json.Marshal(p.Product)
		if err != nil {
			return r, fmt.Errorf("gormstore: encode the post's product: %w", err)
		}
		s := string(b)
		r.Product = &s
	}
	var err error
	if r.Hashtags, err = jsonText(p.Hashtags, "[]"); err != nil {
		return r, err
	}
	if r.Media, err = jsonText(p.Media, "[]"); err != nil {
		return r, err
	}
	return r, nil
}

func newDeliveryRow(p serentak.Post, position int, d serentak.Delivery, now time.Time) (deliveryRow, error) {
	content, err := json.Marshal(d.Content)
	if err != nil {
		return deliveryRow{}, fmt.Errorf("gormstore: encode delivery %s's content: %w", d.ID, err)
	}
	cp, err := jsonText(d.Checkpoint, "{}")
	if err != nil {
		return deliveryRow{}, err
	}
	r := deliveryRow{
		ID: d.ID, PostID: p.ID, Position: position, WorkspaceID: p.WorkspaceID,
		AccountID: d.AccountID, Platform: string(d.Platform), Status: string(d.Status),
		Content: string(content), ScheduledAt: dbTime(d.ScheduledAt), Version: d.Version,
		Checkpoint: cp, CreatedAt: now, UpdatedAt: now, Warnings: "[]", TraceParent: d.TraceParent,
	}
	if r.Status == "" {
		r.Status = string(serentak.DeliveryScheduled)
	}
	if r.Version == 0 {
		r.Version = 1
	}
	if d.ScheduledAt.IsZero() {
		r.ScheduledAt = dbTime(p.ScheduledAt)
	}
	return r, nil
}

// jsonText encodes v, or returns empty when v is empty (nil or zero length),
// so empty lists and maps are stored one way.
func jsonText(v any, empty string) (string, error) {
	b, err := json.Marshal(v)
	if err != nil {
		return "", fmt.Errorf("gormstore: encode JSON column: %w", err)
	}
	if s := string(b); s != "null" && s != "[]" && s != "{}" {
		return s, nil
	}
	return empty, nil
}

// FindPostByID returns a post of the workspace with its deliveries.
func (s *Store) FindPostByID(ctx context.Context, workspaceID, id string) (serentak.Post, error) {
	return loadPost(s.db.WithContext(ctx), workspaceID, id)
}

func loadPost(db *gorm.DB, workspaceID, id string) (serentak.Post, error) {
	var pr postRow
	err := db.Where("id = ? AND workspace_id = ? AND deleted_at IS NULL", id, workspaceID).Take(&pr).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return serentak.Post{}, serentak.NotFound("post")
	}
	if err != nil {
		return serentak.Post{}, dbError("find post", err)
	}
	var rows []deliveryRow
	if err := db.Where("post_id = ?", id).Order("position").Find(&rows).Error; err != nil {
		return serentak.Post{}, dbError("find the post's deliveries", err)
	}
	return toPost(pr, rows)
}

// FindPosts returns one page of the workspace's posts, newest scheduled
// first, and the cursor of the next page ("" after the last). Paging is by
// keyset (scheduled_at, id), so a page costs the same however deep it is
// and posts created meanwhile neither repeat nor go missing.
func (s *Store) FindPosts(ctx context.Context, workspaceID string, f serentak.PostFilter) ([]serentak.Post, string, error) {
	limit := f.Limit
	if limit <= 0 {
		limit = DefaultPostLimit
	}
	limit = min(limit, MaxPostLimit)
	db := s.db.WithContext(ctx)
	q, err := postsQuery(db, workspaceID, f)
	if err != nil {
		return nil, "", err
	}
	var prs []postRow
	if err := q.Limit(limit + 1).Find(&prs).Error; err != nil {
		return nil, "", dbError("find posts", err)
	}
	next := ""
	if len(prs) > limit {
		prs = prs[:limit]
		last := prs[limit-1]
		next = encodeCursor(last.ScheduledAt, last.ID, f.Ascending)
	}
	if len(prs) == 0 {
		return []serentak.Post{}, "", nil
	}

	// The page's deliveries in one query, not one per post.
	ids := make([]string, len(prs))
	for i, pr := range prs {
		ids[i] = pr.ID
	}
	var drs []deliveryRow
	if err := db.Where("post_id IN ?", ids).Order("post_id, position").Find(&drs).Error; err != nil {
		return nil, "", dbError("find the posts' deliveries", err)
	}
	byPost := map[string][]deliveryRow{}
	for _, d := range drs {
		byPost[d.PostID] = append(byPost[d.PostID], d)
	}
	posts := make([]serentak.Post, len(prs))
	for i, pr := range prs {
		p, err := toPost(pr, byPost[pr.ID])
		if err != nil {
			return nil, "", err
		}
		posts[i] = p
	}
	return posts, next, nil
}

// postsQuery is FindPosts' query without its limit: the workspace's posts
// that f selects, in f's order, after f's cursor. The scheduled-time range
// and the order are served by idx_posts_page (workspace_id, scheduled_at,
// id) — migration 0009 explains the calendar's plan; account and platform
// are a semi-join on the post's deliveries.
func postsQuery(db *gorm.DB, workspaceID string, f serentak.PostFilter) (*gorm.DB, error) {
	q := db.Model(&postRow{}).Where("workspace_id = ? AND deleted_at IS NULL", workspaceID)
	if statuses := f.AllStatuses(); len(statuses) > 0 {
		names := make([]string, len(statuses))
		for i, st := range statuses {
			if !st.Valid() {
				return nil, serentak.Invalid("unknown post status",
					serentak.FieldError{Field: "status", Code: "invalid", Message: fmt.Sprintf("%q is not a post status", st)})
			}
			names[i] = string(st)
		}
		q = q.Where("status IN ?", names)
	}
	if !f.From.IsZero() {
		q = q.Where("scheduled_at >= ?", dbTime(f.From))
	}
	if !f.To.IsZero() {
		q = q.Where("scheduled_at < ?", dbTime(f.To))
	}
	if f.AccountID != "" {
		q = q.Where("EXISTS (SELECT 1 FROM deliveries d WHERE d.post_id = posts.id AND d.account_id = ?)", f.AccountID)
	}
	if f.Platform != "" {
		q = q.Where("EXISTS (SELECT 1 FROM deliveries d WHERE d.post_id = posts.id AND d.platform = ?)", string(f.Platform))
	}
	if f.Cursor != "" {
		at, id, asc, err := decodeCursor(f.Cursor)
		if err != nil {
			return nil, err
		}
		if asc != f.Ascending {
			return nil, serentak.Invalid("invalid cursor",
				serentak.FieldError{Field: "cursor", Code: "invalid", Message: "this cursor belongs to the other order; pass the same order as for the previous page"})
		}
		if f.Ascending {
			q = q.Where("(scheduled_at > ? OR (scheduled_at = ? AND id > ?))", at, at, id)
		} else {
			q = q.Where("(scheduled_at < ? OR (scheduled_at = ? AND id < ?))", at, at, id)
		}
	}
	if f.Ascending {
		return q.Order("scheduled_at, id"), nil
	}
	return q.Order("scheduled_at DESC, id DESC"), nil
}

// A cursor is the last post's scheduled time (Unix microseconds) and ID,
// base64url-encoded: opaque to clients, exact for the keyset comparison.
// An ascending page's cursor starts with "a", so that it is refused in the
// other order rather than silently skipping posts.
func encodeCursor(at time.Time, id string, ascending bool) string {
	prefix := ""
	if ascending {
		prefix = "a"
	}
	return base64.RawURLEncoding.EncodeToString([]byte(prefix + strconv.FormatInt(at.UnixMicro(), 10) + "|" + id))
}

func decodeCursor(c string) (at time.Time, id string, ascending bool, err error) {
	bad := serentak.Invalid("invalid cursor",
		serentak.FieldError{Field: "cursor", Code: "invalid", Message: "pass the next_cursor of a previous page unchanged"})
	b, err := base64.RawURLEncoding.DecodeString(c)
	if err != nil {
		return time.Time{}, "", false, bad
	}
	s := string(b)
	if rest, ok := strings.CutPrefix(s, "a"); ok {
		s, ascending = rest, true
	}
	us, id, ok := strings.Cut(s, "|")
	if !ok || id == "" || strings.HasPrefix(us, "+") {
		return time.Time{}, "", false, bad
	}
	n, err := strconv.ParseInt(us, 10, 64)
	if err != nil {
		return time.Time{}, "", false, bad
	}
	return time.UnixMicro(n).UTC(), id, ascending, nil
}

// CancelPost cancels the deliveries that have not started; started ones are
// left to finish. It returns the post as it now stands.
func (s *Store) CancelPost(ctx context.Context, workspaceID, id string) (serentak.Post, error) {
	var out serentak.Post
	err := s.tx(ctx, func(tx *gorm.DB) error {
		if err := postExists(tx, workspaceID, id); err != nil {
			return err
		}
		now := s.clock()
		err := tx.Model(&deliveryRow{}).
			Where("post_id = ? AND status IN ?", id, notStarted()).
			Updates(map[string]any{"status": string(serentak.DeliveryCanceled), "updated_at": now}).Error
		if err != nil {
			return dbError("cancel deliveries", err)
		}
		if err := s.recomputePostStatuses(tx, []string{id}, now); err != nil {
			return err
		}
		out, err = loadPost(tx, workspaceID, id)
		return err
	})
	return out, err
}

// ReschedulePost moves the deliveries that have not started to at, with a
// new version each (a task already queued for the old version then does
// nothing) and enqueued_at cleared (so the scheduler enqueues the new one).
// Deliveries awaiting approval (or rejected) move too and keep their
// status: moving a post does not approve it. When every delivery has
// started or ended it is a conflict.
func (s *Store) ReschedulePost(ctx context.Context, workspaceID, id string, at time.Time) (serentak.Post, error) {
	return s.reschedule(ctx, workspaceID, id, at, false)
}

// ResubmitPost is ReschedulePost for an editor of a workspace with
// approval_required: the deliveries moved are held in pending_approval
// again, whatever their approval status was (docs/api.md#approval).
func (s *Store) ResubmitPost(ctx context.Context, workspaceID, id string, at time.Time) (serentak.Post, error) {
	return s.reschedule(ctx, workspaceID, id, at, true)
}

func (s *Store) reschedule(ctx context.Context, workspaceID, id string, at time.Time, hold bool) (serentak.Post, error) {
	at = dbTime(at)
	var out serentak.Post
	err := s.tx(ctx, func(tx *gorm.DB) error {
		if err := postExists(tx, workspaceID, id); err != nil {
			return err
		}
		now := s.clock()
		set := map[string]any{
			"scheduled_at": at,
			"version":      gorm.Expr("version + 1"),
			"enqueued_at":  nil,
			"updated_at":   now,
		}
		if hold {
			set["status"] = string(serentak.DeliveryPendingApproval)
		}
		res := tx.Model(&deliveryRow{}).
			Where("post_id = ? AND status IN ?", id, notStarted()).
			Updates(set)
		if res.Error != nil {
			return dbError("reschedule deliveries", res.Error)
		}
		if res.RowsAffected == 0 {
			return &serentak.Error{Code: serentak.ECodeConflict,
				Message: "nothing left to reschedule: every delivery has started or ended"}
		}
		err := tx.Model(&postRow{}).Where("id = ?", id).
			Updates(map[string]any{"scheduled_at": at, "updated_at": now}).Error
		if err != nil {
			return dbError("reschedule post", err)
		}
		if hold {
			if err := s.recomputePostStatuses(tx, []string{id}, now); err != nil {
				return err
			}
		}
		out, err = loadPost(tx, workspaceID, id)
		if err != nil || !hold || out.Status != serentak.PostPendingApproval {
			return err
		}
		// Resubmitted: the approvers have something to look at again.
		return s.emit(tx, now, outEvent{workspaceID, serentak.EventPostPendingApproval, id})
	})
	return out, err
}

func postExists(tx *gorm.DB, workspaceID, id string) error {
	var n int64
	if err := tx.Model(&postRow{}).Where("id = ? AND workspace_id = ? AND deleted_at IS NULL", id, workspaceID).Count(&n).Error; err != nil {
		return dbError("find post", err)
	}
	if n == 0 {
		return serentak.NotFound("post")
	}
	return nil
}

// recomputePostStatuses derives each post's status from its deliveries.
// It runs in the transaction that changed their deliveries, after the
// changes. It first locks the posts' rows, so two transactions changing
// deliveries of one post recompute one after the other, and the second (a
// new statement under READ COMMITTED) sees the first's deliveries. On
// PostgreSQL the rows are locked in ID order, so that transactions
// recomputing several posts at once take the ones they share in the same
// order and cannot deadlock; SQLite's transaction already holds the
// database's one write lock. Then each post is written once, with its
// status and updated_at (its deliveries changed): one statement per
// status, whatever the number of posts. Locking with SELECT … FOR UPDATE
// rather than a first UPDATE leaves one new row version per post instead
// of two.
//
// A post reaching an end (published, partially published, failed) writes
// its webhook event, all the posts' together.
func (s *Store) recomputePostStatuses(tx *gorm.DB, postIDs []string, now time.Time) error {
	return s.recomputePostStatusesWith(tx, postIDs, now)
}

// recomputePostStatusesWith is recomputePostStatuses writing events to the
// outbox with the posts' own, in one INSERT.
//
// On PostgreSQL the posts are locked first, in ID order, and their
// deliveries read by a second statement. One statement cannot do both: a
// SELECT … FOR UPDATE OF posts that waits for another transaction's lock
// re-reads the locked post's row once it gets it (EvalPlanQual), but not
// the deliveries it joined, which stay as its snapshot saw them, before
// the other transaction's outcome. Two deliveries of one post finishing
// at once then each see the other still publishing, and the post is left
// "publishing" for good (TestConcurrentOutcomesEndThePost). The second
// statement takes a new snapshot (READ COMMITTED), after the lock, so the
// later of the two sees both outcomes. On SQLite the transaction already
// holds the database's one write lock, so one statement reads what is
// committed.
func (s *Store) recomputePostStatusesWith(tx *gorm.DB, postIDs []string, now time.Time, events ...outEvent) error {
	ids := slices.Clone(postIDs)
	slices.Sort(ids)
	ids = slices.Compact(ids)
	var rows []struct{ ID, WorkspaceID, Status, DeliveryStatus string }
	if s.dialect == Postgres {
		var posts []struct{ ID, WorkspaceID, Status string }
		if err := tx.Raw("SELECT id, workspace_id, status FROM posts WHERE id IN ? ORDER BY id FOR UPDATE", ids).Scan(&posts).Error; err != nil {
			return dbError("lock posts", err)
		}
		var ds []struct{ PostID, Status string }
		if err := tx.Raw("SELECT post_id, status FROM deliveries WHERE post_id IN ? ORDER BY post_id", ids).Scan(&ds).Error; err != nil {
			return dbError("read delivery statuses", err)
		}
		byPost := make(map[string][]string, len(posts))
		for _, d := range ds {
			byPost[d.PostID] = append(byPost[d.PostID], d.Status)
		}
		for _, p := range posts {
			if len(byPost[p.ID]) == 0 {
				byPost[p.ID] = []string{""} // a post without deliveries is still locked and written
			}
			for _, st := range byPost[p.ID] {
				rows = append(rows, struct{ ID, WorkspaceID, Status, DeliveryStatus string }{p.ID, p.WorkspaceID, p.Status, st})
			}
		}
	} else {
		read := "SELECT p.id, p.workspace_id, p.status, COALESCE(d.status, '') AS delivery_status FROM posts p" +
			" LEFT JOIN deliveries d ON d.post_id = p.id WHERE p.id IN ? ORDER BY p.id"
		if err := tx.Raw(read, ids).Scan(&rows).Error; err != nil {
			return dbError("read posts and their delivery statuses", err)
		}
	}
	var locked []struct{ ID, WorkspaceID, Status string }
	statuses := make(map[string][]serentak.DeliveryStatus, len(ids))
	for _, r := range rows {
		if len(locked) == 0 || locked[len(locked)-1].ID != r.ID {
			locked = append(locked, struct{ ID, WorkspaceID, Status string }{r.ID, r.WorkspaceID, r.Status})
		}
		if r.DeliveryStatus != "" {
			statuses[r.ID] = append(statuses[r.ID], serentak.DeliveryStatus(r.DeliveryStatus))
		}
	}
	byStatus := map[serentak.PostStatus][]string{}
	for _, p := range locked {
		st := serentak.DerivePostStatus(statuses[p.ID])
		byStatus[st] = append(byStatus[st], p.ID)
		// A post reaching an end tells of it once: the row lock makes
		// the status read here the one this transaction replaces.
		if event := postEndEvent(st); event != "" && string(st) != p.Status {
			events = append(events, outEvent{p.WorkspaceID, event, p.ID})
		}
	}
	for st, ids := range byStatus {
		if err := tx.Exec("UPDATE posts SET status = ?, updated_at = ? WHERE id IN ?", string(st), now, ids).Error; err != nil {
			return dbError("update post status", err)
		}
	}
	return s.emit(tx, now, events...)
}

// postEndEvent is the webhook event of a post reaching status st, or ""
// when st is not an end that tells of publication.
func postEndEvent(st serentak.PostStatus) string {
	switch st {
	case serentak.PostPublished:
		return serentak.EventPostPublished
	case serentak.PostPartiallyPublished:
		return serentak.EventPostPartiallyPublished
	case serentak.PostFailed:
		return serentak.EventPostFailed
	}
	return ""
}

func toPost(r postRow, ds []deliveryRow) (serentak.Post, error) {
	p := serentak.Post{
		ID: r.ID, WorkspaceID: r.WorkspaceID, Caption: r.Caption,
		ScheduledAt: r.ScheduledAt.UTC(), Status: serentak.PostStatus(r.Status),
		ApprovedBy: r.ApprovedBy, RejectionComment: r.RejectionComment,
		CreatedAt: r.CreatedAt.UTC(), UpdatedAt: r.UpdatedAt.UTC(),
	}
	if r.RepeatOf != nil {
		p.RepeatOf = *r.RepeatOf
	}
	if r.Source != "" {
		p.Source = []byte(r.Source)
	}
	if r.Product != nil {
		p.Product = new(serentak.Product)
		if err := json.Unmarshal([]byte(*r.Product), p.Product); err != nil {
			return p, fmt.Errorf("gormstore: post %s: decode product: %w", r.ID, err)
		}
	}
	if err := json.Unmarshal([]byte(r.Hashtags), &p.Hashtags); err != nil {
		return p, fmt.Errorf("gormstore: post %s: decode hashtags: %w", r.ID, err)
	}
	if err := json.Unmarshal([]byte(r.Media), &p.Media); err != nil {
		return p, fmt.Errorf("gormstore: post %s: decode media: %w", r.ID, err)
	}
	if len(p.Hashtags) == 0 {
		p.Hashtags = nil
	}
	if len(p.Media) == 0 {
		p.Media = nil
	}
	p.Deliveries = make([]serentak.Delivery, len(ds))
	for i, d := range ds {
		var err error
		if p.Deliveries[i], err = toDelivery(d); err != nil {
			return p, err
		}
	}
	return p, nil
}

// FindPostByIdempotencyKey returns the post a live Idempotency-Key made
// (found=false when the key is new or expired), or a conflict error when the
// key was used with another body. The API asks before validating, so a
// replay answers the first result even when its body would no longer pass
// (its scheduled_at has since gone by, say).
func (s *Store) FindPostByIdempotencyKey(ctx context.Context, workspaceID string, idem serentak.IdempotencyKey) (p serentak.Post, found bool, err error) {
	err = s.tx(ctx, func(tx *gorm.DB) error {
		p, found, err = s.lookUpIdempotencyKey(tx, workspaceID, idem)
		return err
	})
	return p, found, err
}
