package gormstore

import (
	"context"
	"errors"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/serentak/serentak"
)

// Notifications (migration 0011, docs/api.md#email): the emails to a
// workspace's admins about a problem, written beside the problem's
// webhook event, and when each account's problem was last told.

// notificationRow is one problem to email about. While a notifier holds
// it, NextAttemptAt is the end of its lease.
type notificationRow struct {
	ID            string `gorm:"primaryKey"`
	WorkspaceID   string `gorm:"not null"`
	EventType     string `gorm:"not null"`
	SubjectID     string `gorm:"not null"`
	Status        string `gorm:"not null"`
	Attempts      int    `gorm:"not null;default:0"`
	NextAttemptAt time.Time
	LastError     string `gorm:"not null;default:''"`
	CreatedAt     time.Time
	DoneAt        *time.Time
	Workspace     *workspaceRow `gorm:"foreignKey:WorkspaceID"`
}

func (notificationRow) TableName() string { return "notifications" }

// notificationSendRow is when an email about an account's problem of a
// kind (notify.Kind) last went out.
type notificationSendRow struct {
	AccountID string `gorm:"primaryKey"`
	Kind      string `gorm:"primaryKey"`
	SentAt    time.Time
}

func (notificationSendRow) TableName() string { return "notification_sends" }

// recordNotifications writes, in tx, a notification for each event that
// emails the admins (serentak.Notified), whether or not any webhook
// endpoint hears of it. emit calls it, so the email and the webhook are
// written by the same code, with the change.
func recordNotifications(tx *gorm.DB, now time.Time, events []outEvent) error {
	var rows []notificationRow
	for _, ev := range events {
		if !serentak.Notified(ev.Type) {
			continue
		}
		rows = append(rows, notificationRow{
			ID: serentak.NewID(serentak.PrefixNotification), WorkspaceID: ev.WorkspaceID, EventType: ev.Type,
			SubjectID: ev.SubjectID, Status: serentak.NotificationPending, NextAttemptAt: now, CreatedAt: now,
		})
	}
	if len(rows) == 0 {
		return nil
	}
	if err := tx.Create(&rows).Error; err != nil {
		return dbError("write notifications", err)
	}
	return nil
}

func toNotification(r notificationRow) serentak.Notification {
	return serentak.Notification{
		ID: r.ID, WorkspaceID: r.WorkspaceID, EventType: r.EventType, SubjectID: r.SubjectID,
		Status: r.Status, Attempts: r.Attempts, NextAttemptAt: r.NextAttemptAt.UTC(), CreatedAt: r.CreatedAt.UTC(),
	}
}

// dueNotificationSQL is a notification to send at now: pending, and not
// held by a lease. Its first clause is idx_notifications_due's predicate.
const dueNotificationSQL = "status = '" + serentak.NotificationPending + "' AND next_attempt_at <= ?"

// DueNotifications lists up to limit notifications to send at now, oldest
// first.
func (s *Store) DueNotifications(ctx context.Context, now time.Time, limit int) ([]serentak.Notification, error) {
	if limit <= 0 {
		limit = DefaultBatch
	}
	var rows []notificationRow
	err := s.db.WithContext(ctx).Where(dueNotificationSQL, dbTime(now)).Order("next_attempt_at, id").Limit(limit).Find(&rows).Error
	if err != nil {
		return nil, dbError("find due notifications", err)
	}
	out := make([]serentak.Notification, len(rows))
	for i, r := range rows {
		out[i] = toNotification(r)
	}
	return out, nil
}

// ClaimNotification takes a due notification until leaseUntil and counts
// the attempt. ok is false when it is not due (done, or held by another
// notifier whose lease has not ended). A notifier that dies holding it
// leaves it to the next after the lease.
func (s *Store) ClaimNotification(ctx context.Context, id string, now, leaseUntil time.Time) (n serentak.Notification, ok bool, err error) {
	err = s.tx(ctx, func(tx *gorm.DB) error {
		res := tx.Model(&notificationRow{}).Where("id = ? AND "+dueNotificationSQL, id, dbTime(now)).
			Updates(map[string]any{"next_attempt_at": dbTime(leaseUntil), "attempts": gorm.Expr("attempts + 1")})
		if res.Error != nil {
			return dbError("claim notification", res.Error)
		}
		if res.RowsAffected == 0 {
			return nil
		}
		var r notificationRow
		if err := tx.Where("id = ?", id).Take(&r).Error; err != nil {
			return dbError("read claimed notification", err)
		}
		n, ok = toNotification(r), true
		return nil
	})
	return n, ok, err
}

// FinishNotification records how an attempt ended: status pending with
// the time of the next attempt, or a final status (sent, skipped,
// failed) at done. lastError is kept for the operator (no secret in it).
func (s *Store) FinishNotification(ctx context.Context, id, status string, at time.Time, lastError string) error {
	set := map[string]any{"status": status, "last_error": lastError}
	if status == serentak.NotificationPending {
		set["next_attempt_at"] = dbTime(at)
	} else {
		set["done_at"] = dbTime(at)
	}
	if err := s.db.WithContext(ctx).Model(&notificationRow{}).Where("id = ?", id).Updates(set).Error; err != nil {
		return dbError("finish notification", err)
	}
	return nil
}

// SkipNotifications marks every pending notification skipped, with why:
// what a notifier without a mail server does, so they do not pile up.
func (s *Store) SkipNotifications(ctx context.Context, now time.Time, reason string) (int64, error) {
	res := s.db.WithContext(ctx).Model(&notificationRow{}).Where("status = ?", serentak.NotificationPending).
		Updates(map[string]any{"status": serentak.NotificationSkipped, "last_error": reason, "done_at": dbTime(now)})
	if res.Error != nil {
		return 0, dbError("skip notifications", res.Error)
	}
	return res.RowsAffected, nil
}

// NotificationSentAt is when an email about the account's problem of the
// kind last went out; the zero time when never.
func (s *Store) NotificationSentAt(ctx context.Context, accountID, kind string) (time.Time, error) {
	var r notificationSendRow
	err := s.db.WithContext(ctx).Where("account_id = ? AND kind = ?", accountID, kind).Take(&r).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return time.Time{}, nil
	}
	if err != nil {
		return time.Time{}, dbError("find when a notification was sent", err)
	}
	return r.SentAt.UTC(), nil
}

// SetNotificationSentAt records that an email about the account's
// problem of the kind went out at at.
func (s *Store) SetNotificationSentAt(ctx context.Context, accountID, kind string, at time.Time) error {
	err := s.db.WithContext(ctx).Clauses(clause.OnConflict{
		Columns:   []clause.Column{{Name: "account_id"}, {Name: "kind"}},
		DoUpdates: clause.AssignmentColumns([]string{"sent_at"}),
	}).Create(&notificationSendRow{AccountID: accountID, Kind: kind, SentAt: dbTime(at)}).Error
	if err != nil {
		return dbError("record a notification sent", err)
	}
	return nil
}

// FindManagers lists the people whose effective role in the workspace
// (FindEffectiveRole: their membership's, else their role in the
// organization owning it) has the manage power: its admins and owners.
// An organization admin who is a mere editor of this workspace is not
// one: the membership's role wins.
func (s *Store) FindManagers(ctx context.Context, workspaceID string) ([]serentak.User, error) {
	db := s.db.WithContext(ctx)
	var roles []struct{ UserID, Role string }
	err := db.Raw(`SELECT user_id, role FROM memberships WHERE workspace_id = ?
UNION ALL
SELECT om.user_id, om.role FROM workspaces w JOIN org_memberships om ON om.organization_id = w.organization_id
WHERE w.id = ? AND NOT EXISTS (SELECT 1 FROM memberships m WHERE m.workspace_id = w.id AND m.user_id = om.user_id)`,
		workspaceID, workspaceID).Scan(&roles).Error
	if err != nil {
		return nil, dbError("find the workspace's admins", err)
	}
	var ids []string
	for _, r := range roles {
		if serentak.Role(r.Role).Can(serentak.PowerManage) {
			ids = append(ids, r.UserID)
		}
	}
	if len(ids) == 0 {
		return nil, nil
	}
	var rows []userRow
	if err := db.Where("id IN ?", ids).Order("email").Find(&rows).Error; err != nil {
		return nil, dbError("find the workspace's admins", err)
	}
	out := make([]serentak.User, len(rows))
	for i, r := range rows {
		out[i] = r.user()
		out[i].PasswordHash = "" // not needed to email them
	}
	return out, nil
}
