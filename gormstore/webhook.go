package gormstore

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"gorm.io/gorm"

	"github.com/serentak/serentak"
)

// Webhooks (migration 0007, docs/api.md#webhooks): endpoints, the outbox of
// messages written in the transaction of the change they tell of, and the
// attempt log.

// webhookEndpointRow is an endpoint. Secret and PreviousSecret are sealed
// with secretbox (aad: the endpoint's ID); Events is ",a,b," or "" for all.
type webhookEndpointRow struct {
	ID             string `gorm:"primaryKey"`
	WorkspaceID    string `gorm:"not null;index:idx_webhook_endpoints_workspace"`
	URL            string `gorm:"column:url;not null"`
	Description    string `gorm:"not null;default:''"`
	Events         string `gorm:"not null;default:''"`
	Secret         string `gorm:"not null"`
	PreviousSecret string `gorm:"not null;default:''"`
	PreviousUntil  *time.Time
	DisabledAt     *time.Time
	DisabledReason string `gorm:"not null;default:''"`
	FailingSince   *time.Time
	CreatedAt      time.Time     `gorm:"not null"`
	UpdatedAt      time.Time     `gorm:"not null"`
	Workspace      *workspaceRow `gorm:"foreignKey:WorkspaceID"`
}

func (webhookEndpointRow) TableName() string { return "webhook_endpoints" }

// webhookMessageRow is one event for one endpoint. While status is
// sending, NextAttemptAt is the end of the attempt's lease.
type webhookMessageRow struct {
	ID            string `gorm:"primaryKey"`
	WorkspaceID   string `gorm:"not null"`
	EndpointID    string `gorm:"not null"`
	EventType     string `gorm:"not null"`
	SubjectID     string `gorm:"not null"`
	Body          []byte
	Status        string              `gorm:"not null"`
	Attempts      int                 `gorm:"not null;default:0"`
	NextAttemptAt time.Time           `gorm:"not null"`
	CreatedAt     time.Time           `gorm:"not null"`
	Workspace     *workspaceRow       `gorm:"foreignKey:WorkspaceID"`
	Endpoint      *webhookEndpointRow `gorm:"foreignKey:EndpointID"`
}

func (webhookMessageRow) TableName() string { return "webhook_messages" }

// webhookAttemptRow is one line of the attempt log.
type webhookAttemptRow struct {
	ID          string `gorm:"primaryKey"`
	WorkspaceID string `gorm:"not null"`
	EndpointID  string `gorm:"not null"`
	MessageID   string `gorm:"not null"`
	EventType   string `gorm:"not null"`
	StatusCode  int    `gorm:"not null;default:0"`
	Error       string `gorm:"not null;default:''"`
	DurationMS  int64  `gorm:"column:duration_ms;not null;default:0"`
	At          time.Time
	NextRetryAt *time.Time
}

func (webhookAttemptRow) TableName() string { return "webhook_attempts" }

// The message statuses as SQL literals (our constants, never input), so
// the due query's predicate matches idx_webhook_messages_due's.
const (
	sqlMsgPending = "'" + serentak.MessagePending + "'"
	sqlMsgSending = "'" + serentak.MessageSending + "'"
)

// outEvent is one webhook event to write: its type and subject, in a
// workspace.
type outEvent struct{ WorkspaceID, Type, SubjectID string }

// emitSQL writes the messages of a list of events in one INSERT … SELECT:
// one message per event and enabled endpoint of its workspace that
// subscribes to it, so workspaces without endpoints cost the statement's
// indexed reads and write nothing. A message's ID is the event's ID
// followed by the endpoint ID's random part, so one event makes one
// message per endpoint. Its arguments: where an endpoint ID's random part
// starts (SQL counts from 1), next_attempt_at, created_at, then the
// events' IDs, workspaces, types and subjects as PostgreSQL text arrays
// (pgArray).
const emitSQL = "INSERT INTO webhook_messages (id, workspace_id, endpoint_id, event_type, subject_id, status, attempts, next_attempt_at, created_at)" +
	" SELECT ev.id || substr(e.id, ?), e.workspace_id, e.id, ev.type, ev.subject, " + sqlMsgPending + ", 0, ?, ?" +
	" FROM unnest(CAST(? AS text[]), CAST(? AS text[]), CAST(? AS text[]), CAST(? AS text[])) AS ev(id, ws, type, subject)" +
	" JOIN webhook_endpoints e ON e.workspace_id = ev.ws AND e.disabled_at IS NULL AND (e.events = '' OR e.events LIKE '%,' || ev.type || ',%')"

// emit writes the messages of events in tx, the transaction of the
// changes they tell of, and the notifications of those that email the
// workspace's admins (recordNotifications). A batch of changes (the publishing burst's
// lease-guarded writes, batch.go) passes all its events at once.
//
// On PostgreSQL that is emitSQL, one statement. On SQLite an INSERT …
// SELECT keeps a statement journal (it may write several rows), which in
// the pure-Go SQLite costs an allocation and release of memory pages each
// time, several times the insert itself (BenchmarkCompleteDeliveryBurst);
// there the endpoints are read first, and the messages, if any, inserted
// with VALUES.
func (s *Store) emit(tx *gorm.DB, now time.Time, events ...outEvent) error {
	if len(events) == 0 {
		return nil
	}
	if err := recordNotifications(tx, now, events); err != nil { // notification.go
		return err
	}
	ids := make([]string, len(events))
	for i := range events {
		ids[i] = serentak.PrefixMessage + serentak.NewID("")
	}
	if s.dialect == Postgres {
		ws, types, subjects := make([]string, len(events)), make([]string, len(events)), make([]string, len(events))
		for i, ev := range events {
			ws[i], types[i], subjects[i] = ev.WorkspaceID, ev.Type, ev.SubjectID
		}
		err := tx.Exec(emitSQL, len(serentak.PrefixWebhook)+1, now, now, pgArray(ids), pgArray(ws), pgArray(types), pgArray(subjects)).Error
		if err != nil {
			return dbError("write webhook messages", err)
		}
		return nil
	}
	workspaces := make([]string, len(events))
	for i, ev := range events {
		workspaces[i] = ev.WorkspaceID
	}
	slices.Sort(workspaces)
	var endpoints []struct{ ID, WorkspaceID, Events string }
	err := tx.Model(&webhookEndpointRow{}).Select("id, workspace_id, events").
		Where("workspace_id IN ? AND disabled_at IS NULL", slices.Compact(workspaces)).Scan(&endpoints).Error
	if err != nil {
		return dbError("find webhook endpoints", err)
	}
	var rows []webhookMessageRow
	for i, ev := range events {
		for _, e := range endpoints {
			if e.WorkspaceID != ev.WorkspaceID || e.Events != "" && !strings.Contains(e.Events, ","+ev.Type+",") {
				continue
			}
			rows = append(rows, webhookMessageRow{
				ID: ids[i] + e.ID[len(serentak.PrefixWebhook):], WorkspaceID: ev.WorkspaceID, EndpointID: e.ID,
				EventType: ev.Type, SubjectID: ev.SubjectID, Status: serentak.MessagePending, NextAttemptAt: now, CreatedAt: now,
			})
		}
	}
	if len(rows) == 0 {
		return nil
	}
	if err := tx.CreateInBatches(&rows, 100).Error; err != nil {
		return dbError("write webhook messages", err)
	}
	return nil
}

// pgArray writes values as a PostgreSQL text array literal. They are our
// own IDs and event types (letters, digits, '_' and '.'), never input, so
// quoting each is enough.
func pgArray(values []string) string {
	return `{"` + strings.Join(values, `","`) + `"}`
}

// eventsText stores a list of event types: ",a,b," or "" for all.
func eventsText(events []string) string {
	if len(events) == 0 {
		return ""
	}
	return "," + strings.Join(events, ",") + ","
}

func eventsList(text string) []string {
	text = strings.Trim(text, ",")
	if text == "" {
		return nil
	}
	return strings.Split(text, ",")
}

// toWebhook converts a row; with secrets, the secrets are unsealed, else
// left empty (only the sender needs them; the API shows a secret only
// when it makes one).
func (s *Store) toWebhook(r webhookEndpointRow, secrets bool) (serentak.WebhookEndpoint, error) {
	e := serentak.WebhookEndpoint{
		ID: r.ID, WorkspaceID: r.WorkspaceID, URL: r.URL, Description: r.Description,
		Events: eventsList(r.Events), PreviousUntil: fromDBPtr(r.PreviousUntil),
		DisabledAt: utcPtr(r.DisabledAt), DisabledReason: r.DisabledReason, FailingSince: utcPtr(r.FailingSince),
		CreatedAt: r.CreatedAt.UTC(), UpdatedAt: r.UpdatedAt.UTC(),
	}
	if !secrets {
		return e, nil
	}
	var err error
	if e.Secret, err = s.box.Open(r.Secret, r.ID); err != nil {
		return e, fmt.Errorf("gormstore: webhook %s: secret: %w", r.ID, err)
	}
	if e.PreviousSecret, err = s.box.Open(r.PreviousSecret, r.ID); err != nil {
		return e, fmt.Errorf("gormstore: webhook %s: previous secret: %w", r.ID, err)
	}
	return e, nil
}

func utcPtr(t *time.Time) *time.Time {
	if t == nil {
		return nil
	}
	v := t.UTC()
	return &v
}

// CreateWebhook stores a new endpoint of the workspace (not_found when
// there is no such workspace) and returns it, its secret included.
func (s *Store) CreateWebhook(ctx context.Context, e serentak.WebhookEndpoint) (serentak.WebhookEndpoint, error) {
	if e.ID == "" || e.Secret == "" {
		return e, errors.New("gormstore: create webhook: the ID and the secret are required")
	}
	now := s.clock()
	r := webhookEndpointRow{
		ID: e.ID, WorkspaceID: e.WorkspaceID, URL: e.URL, Description: e.Description,
		Events: eventsText(e.Events), Secret: s.box.Seal(e.Secret, e.ID),
		CreatedAt: now, UpdatedAt: now,
	}
	err := s.tx(ctx, func(tx *gorm.DB) error {
		var n int64
		if err := tx.Model(&workspaceRow{}).Where("id = ?", e.WorkspaceID).Count(&n).Error; err != nil {
			return dbError("find workspace", err)
		}
		if n == 0 {
			return serentak.NotFound("workspace")
		}
		if err := tx.Create(&r).Error; err != nil {
			return dbError("create webhook", err)
		}
		return nil
	})
	if err != nil {
		return serentak.WebhookEndpoint{}, err
	}
	return s.toWebhook(r, true)
}

// FindWebhooks lists the workspace's endpoints, oldest first, without
// their secrets.
func (s *Store) FindWebhooks(ctx context.Context, workspaceID string) ([]serentak.WebhookEndpoint, error) {
	var rows []webhookEndpointRow
	if err := s.db.WithContext(ctx).Where("workspace_id = ?", workspaceID).Order("id").Find(&rows).Error; err != nil {
		return nil, dbError("find webhooks", err)
	}
	out := make([]serentak.WebhookEndpoint, len(rows))
	for i, r := range rows {
		out[i], _ = s.toWebhook(r, false)
	}
	return out, nil
}

// FindWebhookByID returns an endpoint of the workspace without its
// secrets (not_found otherwise).
func (s *Store) FindWebhookByID(ctx context.Context, workspaceID, id string) (serentak.WebhookEndpoint, error) {
	r, err := findWebhookRow(s.db.WithContext(ctx), workspaceID, id)
	if err != nil {
		return serentak.WebhookEndpoint{}, err
	}
	return s.toWebhook(r, false)
}

func findWebhookRow(db *gorm.DB, workspaceID, id string) (webhookEndpointRow, error) {
	var r webhookEndpointRow
	err := db.Where("id = ? AND workspace_id = ?", id, workspaceID).Take(&r).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return r, serentak.NotFound("webhook")
	}
	if err != nil {
		return r, dbError("find webhook", err)
	}
	return r, nil
}

// UpdateWebhook writes an endpoint's URL, description, events and whether
// it is disabled (DisabledAt, DisabledReason). Enabling a disabled
// endpoint also forgets when it started failing, so it gets a full
// WebhookDisableAfter again, and its waiting messages are sent. not_found
// when the workspace has no such endpoint.
func (s *Store) UpdateWebhook(ctx context.Context, e serentak.WebhookEndpoint) (serentak.WebhookEndpoint, error) {
	var out serentak.WebhookEndpoint
	err := s.tx(ctx, func(tx *gorm.DB) error {
		set := map[string]any{
			"url": e.URL, "description": e.Description, "events": eventsText(e.Events),
			"updated_at": s.clock(),
		}
		if e.DisabledAt != nil {
			// A disabled endpoint stays disabled since its first time.
			set["disabled_at"] = gorm.Expr("COALESCE(disabled_at, ?)", dbTime(*e.DisabledAt))
			set["disabled_reason"] = gorm.Expr("CASE WHEN disabled_at IS NULL THEN ? ELSE disabled_reason END", e.DisabledReason)
		} else {
			set["failing_since"] = gorm.Expr("CASE WHEN disabled_at IS NULL THEN failing_since END")
			set["disabled_at"] = nil
			set["disabled_reason"] = ""
		}
		res := tx.Model(&webhookEndpointRow{}).Where("id = ? AND workspace_id = ?", e.ID, e.WorkspaceID).Updates(set)
		if res.Error != nil {
			return dbError("update webhook", res.Error)
		}
		if res.RowsAffected == 0 {
			return serentak.NotFound("webhook")
		}
		r, err := findWebhookRow(tx, e.WorkspaceID, e.ID)
		if err != nil {
			return err
		}
		out, err = s.toWebhook(r, false)
		return err
	})
	return out, err
}

// DeleteWebhook deletes an endpoint with its messages and attempt log
// (ON DELETE CASCADE); not_found when the workspace has no such endpoint.
func (s *Store) DeleteWebhook(ctx context.Context, workspaceID, id string) error {
	res := s.db.WithContext(ctx).Where("id = ? AND workspace_id = ?", id, workspaceID).Delete(&webhookEndpointRow{})
	if res.Error != nil {
		return dbError("delete webhook", res.Error)
	}
	if res.RowsAffected == 0 {
		return serentak.NotFound("webhook")
	}
	return nil
}

// RotateWebhookSecret makes secret the endpoint's secret; the one it
// replaces keeps signing until serentak.WebhookRotationOverlap from now
// (a secret still in its overlap is dropped: two rotations in a day leave
// the newest two). It returns the endpoint with both secrets.
func (s *Store) RotateWebhookSecret(ctx context.Context, workspaceID, id, secret string) (serentak.WebhookEndpoint, error) {
	if secret == "" {
		return serentak.WebhookEndpoint{}, errors.New("gormstore: rotate webhook secret: the new secret is required")
	}
	var out serentak.WebhookEndpoint
	err := s.tx(ctx, func(tx *gorm.DB) error {
		now := s.clock()
		// Both columns are sealed with the endpoint's ID as aad, so the
		// sealed secret moves as it is.
		res := tx.Exec("UPDATE webhook_endpoints SET previous_secret = secret, previous_until = ?, secret = ?, updated_at = ?"+
			" WHERE id = ? AND workspace_id = ?",
			now.Add(serentak.WebhookRotationOverlap), s.box.Seal(secret, id), now, id, workspaceID)
		if res.Error != nil {
			return dbError("rotate webhook secret", res.Error)
		}
		if res.RowsAffected == 0 {
			return serentak.NotFound("webhook")
		}
		r, err := findWebhookRow(tx, workspaceID, id)
		if err != nil {
			return err
		}
		out, err = s.toWebhook(r, true)
		return err
	})
	return out, err
}

// FindWebhookAttempts pages through an endpoint's attempt log newest first
// (by ID, which starts with the time); cursor is the last ID of the
// previous page, next is "" on the last page. not_found when the
// workspace has no such endpoint.
func (s *Store) FindWebhookAttempts(ctx context.Context, workspaceID, endpointID, cursor string, limit int) ([]serentak.Attempt, string, error) {
	db := s.db.WithContext(ctx)
	if _, err := findWebhookRow(db, workspaceID, endpointID); err != nil {
		return nil, "", err
	}
	q := db.Where("endpoint_id = ? AND workspace_id = ?", endpointID, workspaceID)
	return idPage(q, cursor, pageLimit(limit), true, func(r webhookAttemptRow) string { return r.ID }, func(r webhookAttemptRow) serentak.Attempt {
		return serentak.Attempt{
			ID: r.ID, WorkspaceID: r.WorkspaceID, EndpointID: r.EndpointID, MessageID: r.MessageID,
			EventType: r.EventType, StatusCode: r.StatusCode, Error: r.Error,
			Duration: time.Duration(r.DurationMS) * time.Millisecond, At: r.At.UTC(), NextRetryAt: utcPtr(r.NextRetryAt),
		}
	}, "webhook attempts")
}

// RetryWebhookAttempt sends the message of an attempt again at once,
// whatever its status (a manual retry: succeeded and failed messages
// too): it becomes pending, due now. An attempt in flight loses its lease
// and records nothing. not_found when the endpoint has no such attempt.
func (s *Store) RetryWebhookAttempt(ctx context.Context, workspaceID, endpointID, attemptID string) (serentak.Message, error) {
	var out serentak.Message
	err := s.tx(ctx, func(tx *gorm.DB) error {
		var messageID string
		err := tx.Model(&webhookAttemptRow{}).Where("id = ? AND endpoint_id = ? AND workspace_id = ?", attemptID, endpointID, workspaceID).
			Pluck("message_id", &messageID).Error
		if err != nil {
			return dbError("find webhook attempt", err)
		}
		if messageID == "" {
			return serentak.NotFound("webhook delivery attempt")
		}
		err = tx.Model(&webhookMessageRow{}).Where("id = ?", messageID).
			Updates(map[string]any{"status": serentak.MessagePending, "next_attempt_at": s.clock()}).Error
		if err != nil {
			return dbError("retry webhook message", err)
		}
		var r webhookMessageRow
		if err := tx.Where("id = ?", messageID).Take(&r).Error; err != nil {
			return dbError("read webhook message", err)
		}
		out = toMessage(r)
		return nil
	})
	return out, err
}

// CreateWebhookTest writes a webhook.test message for the endpoint, due
// now, whatever events it subscribes to; not_found when the workspace has
// no such endpoint. A disabled endpoint's test waits until it is enabled.
func (s *Store) CreateWebhookTest(ctx context.Context, workspaceID, endpointID string) (serentak.Message, error) {
	now := s.clock()
	r := webhookMessageRow{
		ID:          serentak.PrefixMessage + serentak.NewID("") + endpointID[len(serentak.PrefixWebhook):],
		WorkspaceID: workspaceID, EndpointID: endpointID, EventType: serentak.EventWebhookTest, SubjectID: endpointID,
		Status: serentak.MessagePending, NextAttemptAt: now, CreatedAt: now,
	}
	err := s.tx(ctx, func(tx *gorm.DB) error {
		if _, err := findWebhookRow(tx, workspaceID, endpointID); err != nil {
			return err
		}
		if err := tx.Create(&r).Error; err != nil {
			return dbError("create webhook test message", err)
		}
		return nil
	})
	if err != nil {
		return serentak.Message{}, err
	}
	return toMessage(r), nil
}

func toMessage(r webhookMessageRow) serentak.Message {
	return serentak.Message{
		ID: r.ID, WorkspaceID: r.WorkspaceID, EndpointID: r.EndpointID, EventType: r.EventType,
		SubjectID: r.SubjectID, Body: r.Body, Status: r.Status, Attempts: r.Attempts,
		NextAttemptAt: r.NextAttemptAt.UTC(), CreatedAt: r.CreatedAt.UTC(),
	}
}

// dueMessagesSQL is the condition of a message to send at now (twice):
// pending and due, or sending with its lease ended. Its first clause is
// idx_webhook_messages_due's predicate, so the index serves it.
const dueMessagesSQL = "m.status IN (" + sqlMsgPending + ", " + sqlMsgSending + ") AND m.next_attempt_at <= ?" +
	" AND (m.status = " + sqlMsgPending + " OR m.next_attempt_at < ?)"

// DueMessages lists up to limit messages to send now: status pending with
// NextAttemptAt <= now, or sending whose lease ended before now, of
// enabled endpoints, oldest NextAttemptAt first.
func (s *Store) DueMessages(ctx context.Context, now time.Time, limit int) ([]serentak.Message, error) {
	if limit <= 0 {
		limit = DefaultBatch
	}
	now = dbTime(now)
	var rows []webhookMessageRow
	err := s.db.WithContext(ctx).Raw("SELECT m.* FROM webhook_messages m JOIN webhook_endpoints e ON e.id = m.endpoint_id"+
		" WHERE "+dueMessagesSQL+" AND e.disabled_at IS NULL ORDER BY m.next_attempt_at, m.id LIMIT ?", now, now, limit).
		Scan(&rows).Error
	if err != nil {
		return nil, dbError("find due webhook messages", err)
	}
	out := make([]serentak.Message, len(rows))
	for i, r := range rows {
		out[i] = toMessage(r)
	}
	return out, nil
}

// ClaimMessage takes a due message for one attempt until leaseUntil
// (status sending). ok is false when it is not due (already sent, held by
// another attempt whose lease has not ended, endpoint disabled, or its
// workspace deleted). The endpoint comes with its secrets unsealed.
func (s *Store) ClaimMessage(ctx context.Context, id string, now, leaseUntil time.Time) (m serentak.Message, e serentak.WebhookEndpoint, ok bool, err error) {
	now = dbTime(now)
	err = s.tx(ctx, func(tx *gorm.DB) error {
		res := tx.Exec("UPDATE webhook_messages AS m SET status = "+sqlMsgSending+", next_attempt_at = ? WHERE m.id = ? AND "+dueMessagesSQL+
			" AND EXISTS (SELECT 1 FROM webhook_endpoints e WHERE e.id = m.endpoint_id AND e.disabled_at IS NULL)",
			dbTime(leaseUntil), id, now, now)
		if res.Error != nil {
			return dbError("claim webhook message", res.Error)
		}
		if res.RowsAffected == 0 {
			return nil
		}
		var mr webhookMessageRow
		if err := tx.Where("id = ?", id).Take(&mr).Error; err != nil {
			return dbError("read claimed webhook message", err)
		}
		var er webhookEndpointRow
		if err := tx.Where("id = ?", mr.EndpointID).Take(&er).Error; err != nil {
			return dbError("read webhook of claimed message", err)
		}
		m = toMessage(mr)
		var err error
		if e, err = s.toWebhook(er, true); err != nil {
			return err
		}
		ok = true
		return nil
	})
	if err != nil {
		return serentak.Message{}, serentak.WebhookEndpoint{}, false, err
	}
	return m, e, ok, nil
}

// webhookDisabledReason is the DisabledReason of an endpoint disabled for
// failing.
var webhookDisabledReason = fmt.Sprintf("every attempt failed for %v: fix the receiver, then enable the endpoint again (PATCH with \"disabled\": false)",
	serentak.WebhookDisableAfter)

// RecordAttempt writes attempt a and the message's new state (m.Body,
// m.Status, m.Attempts, m.NextAttemptAt) in one transaction, only if the
// message is still sending with the attempt count it was claimed with
// (m.Attempts-1); otherwise serentak.ErrLeaseLost. It also keeps the
// endpoint's FailingSince (cleared by a success, set by the first failure)
// and disables the endpoint (DisabledAt, DisabledReason) when a failure
// comes WebhookDisableAfter or more after FailingSince.
func (s *Store) RecordAttempt(ctx context.Context, m serentak.Message, a serentak.Attempt) error {
	at := dbTime(a.At)
	if a.At.IsZero() {
		at = s.clock()
	}
	next := dbTime(m.NextAttemptAt)
	if m.NextAttemptAt.IsZero() {
		next = at
	}
	if a.ID == "" {
		a.ID = serentak.NewID(serentak.PrefixAttempt)
	}
	return s.tx(ctx, func(tx *gorm.DB) error {
		// The body is kept once written: every attempt sends the same bytes.
		res := tx.Exec("UPDATE webhook_messages SET body = COALESCE(body, ?), status = ?, attempts = ?, next_attempt_at = ?"+
			" WHERE id = ? AND status = "+sqlMsgSending+" AND attempts = ?",
			m.Body, m.Status, m.Attempts, next, m.ID, m.Attempts-1)
		if res.Error != nil {
			return dbError("record webhook message", res.Error)
		}
		if res.RowsAffected == 0 {
			return serentak.ErrLeaseLost
		}
		r := webhookAttemptRow{
			ID: a.ID, WorkspaceID: m.WorkspaceID, EndpointID: m.EndpointID, MessageID: m.ID, EventType: m.EventType,
			StatusCode: a.StatusCode, Error: a.Error, DurationMS: a.Duration.Milliseconds(), At: at, NextRetryAt: dbTimePtr(ptrTime(a.NextRetryAt)),
		}
		if err := tx.Create(&r).Error; err != nil {
			return dbError("record webhook attempt", err)
		}
		if m.Status == serentak.MessageSucceeded {
			err := tx.Exec("UPDATE webhook_endpoints SET failing_since = NULL WHERE id = ? AND failing_since IS NOT NULL", m.EndpointID).Error
			if err != nil {
				return dbError("clear webhook failure", err)
			}
			return nil
		}
		// SET's right-hand sides read the row as it was.
		err := tx.Exec("UPDATE webhook_endpoints SET failing_since = COALESCE(failing_since, ?),"+
			" disabled_at = CASE WHEN disabled_at IS NULL AND failing_since <= ? THEN ? ELSE disabled_at END,"+
			" disabled_reason = CASE WHEN disabled_at IS NULL AND failing_since <= ? THEN ? ELSE disabled_reason END"+
			" WHERE id = ?",
			at, at.Add(-serentak.WebhookDisableAfter), at, at.Add(-serentak.WebhookDisableAfter), webhookDisabledReason, m.EndpointID).Error
		if err != nil {
			return dbError("record webhook failure", err)
		}
		return nil
	})
}

func ptrTime(t *time.Time) time.Time {
	if t == nil {
		return time.Time{}
	}
	return *t
}
