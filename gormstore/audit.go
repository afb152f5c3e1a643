package gormstore

import (
	"context"
	"time"

	"github.com/serentak/serentak"
)

// auditRow is an audit entry as stored (migration 0006).
type auditRow struct {
	ID          string `gorm:"primaryKey"`
	WorkspaceID string
	ActorType   string
	ActorID     string
	Action      string
	TargetID    string
	CreatedAt   time.Time
}

func (auditRow) TableName() string { return "audit_entries" }

// AddAudit writes one audit entry: one INSERT.
func (s *Store) AddAudit(ctx context.Context, e serentak.AuditEntry) error {
	r := auditRow{
		ID: e.ID, WorkspaceID: e.WorkspaceID, ActorType: e.Actor.Type, ActorID: e.Actor.ID,
		Action: e.Action, TargetID: e.TargetID, CreatedAt: dbTime(e.CreatedAt),
	}
	if err := s.db.WithContext(ctx).Create(&r).Error; err != nil {
		return dbError("add audit entry", err)
	}
	return nil
}

// FindAudit pages through a workspace's audit entries newest first (by ID,
// which starts with the time in milliseconds); cursor is the last ID of the
// previous page, next is "" on the last page.
func (s *Store) FindAudit(ctx context.Context, workspaceID, cursor string, limit int) ([]serentak.AuditEntry, string, error) {
	q := s.db.WithContext(ctx).Where("workspace_id = ?", workspaceID)
	return idPage(q, cursor, pageLimit(limit), true, func(r auditRow) string { return r.ID }, func(r auditRow) serentak.AuditEntry {
		return serentak.AuditEntry{
			ID: r.ID, WorkspaceID: r.WorkspaceID, Actor: serentak.Actor{Type: r.ActorType, ID: r.ActorID},
			Action: r.Action, TargetID: r.TargetID, CreatedAt: r.CreatedAt.UTC(),
		}
	}, "audit entries")
}
