package gormstore

import (
	"context"
	"errors"
	"time"

	"gorm.io/gorm"

	"github.com/serentak/serentak"
)

// approvalLinkRow is an approval link (migration 0004): only the hash of
// its token is stored.
type approvalLinkRow struct {
	Hash        string        `gorm:"primaryKey"`
	WorkspaceID string        `gorm:"not null"`
	PostID      string        `gorm:"not null"`
	ExpiresAt   time.Time     `gorm:"not null"`
	UsedAt      *time.Time    ``
	CreatedAt   time.Time     `gorm:"not null"`
	Workspace   *workspaceRow `gorm:"foreignKey:WorkspaceID"`
	Post        *postRow      `gorm:"foreignKey:PostID"`
}

func (approvalLinkRow) TableName() string { return "approval_links" }

// DecidePost approves (the post's deliveries become scheduled) or rejects
// (they become rejected) a post in pending_approval; a post in any other
// status is a conflict. An approved delivery whose time has passed is
// moved to d.At, so it publishes at once. With d.LinkHash the approval
// link is used up in the same transaction: a link used or expired
// already is not_found, and nothing changes.
func (s *Store) DecidePost(ctx context.Context, workspaceID, id string, d serentak.Decision) (serentak.Post, error) {
	at := dbTime(d.At)
	var out serentak.Post
	err := s.tx(ctx, func(tx *gorm.DB) error {
		if err := postExists(tx, workspaceID, id); err != nil {
			return err
		}
		now := s.clock()
		if d.LinkHash != "" {
			res := tx.Model(&approvalLinkRow{}).
				Where("hash = ? AND workspace_id = ? AND post_id = ? AND used_at IS NULL AND expires_at > ?", d.LinkHash, workspaceID, id, at).
				Update("used_at", at)
			if res.Error != nil {
				return dbError("use approval link", res.Error)
			}
			if res.RowsAffected == 0 {
				return serentak.NotFound("approval link")
			}
		}
		pending := string(serentak.DeliveryPendingApproval)
		set := map[string]any{"status": string(serentak.DeliveryRejected), "updated_at": now}
		if d.Approve {
			set = map[string]any{"status": string(serentak.DeliveryScheduled), "version": gorm.Expr("version + 1"),
				"enqueued_at": nil, "updated_at": now}
		}
		res := tx.Model(&deliveryRow{}).Where("post_id = ? AND status = ?", id, pending).Updates(set)
		if res.Error != nil {
			return dbError("decide deliveries", res.Error)
		}
		if res.RowsAffected == 0 {
			return serentak.Errorf(serentak.ECodeConflict, "the post is not awaiting approval")
		}
		if d.Approve { // a time already past publishes at once
			err := tx.Model(&deliveryRow{}).Where("post_id = ? AND status = ? AND scheduled_at < ?", id, string(serentak.DeliveryScheduled), at).
				Update("scheduled_at", at).Error
			if err != nil {
				return dbError("move approved deliveries", err)
			}
			err = tx.Model(&postRow{}).Where("id = ? AND scheduled_at < ?", id, at).Update("scheduled_at", at).Error
			if err != nil {
				return dbError("move approved post", err)
			}
		}
		err := tx.Model(&postRow{}).Where("id = ?", id).
			Updates(map[string]any{"approved_by": d.By, "rejection_comment": d.Comment}).Error
		if err != nil {
			return dbError("record decision", err)
		}
		if err := s.recomputePostStatuses(tx, []string{id}, now); err != nil {
			return err
		}
		event := serentak.EventPostRejected
		if d.Approve {
			event = serentak.EventPostApproved
		}
		if err := s.emit(tx, now, outEvent{workspaceID, event, id}); err != nil {
			return err
		}
		out, err = loadPost(tx, workspaceID, id)
		return err
	})
	return out, err
}

// CreateApprovalLink stores a new approval link of a post of the
// workspace (not_found when there is no such post).
func (s *Store) CreateApprovalLink(ctx context.Context, l serentak.ApprovalLink) error {
	if l.Hash == "" {
		return errors.New("gormstore: create approval link: the hash is required")
	}
	r := approvalLinkRow{Hash: l.Hash, WorkspaceID: l.WorkspaceID, PostID: l.PostID,
		ExpiresAt: dbTime(l.ExpiresAt), CreatedAt: dbTime(l.CreatedAt)}
	if l.CreatedAt.IsZero() {
		r.CreatedAt = s.clock()
	}
	return s.tx(ctx, func(tx *gorm.DB) error {
		if err := postExists(tx, l.WorkspaceID, l.PostID); err != nil {
			return err
		}
		if err := tx.Create(&r).Error; err != nil {
			return dbError("create approval link", err)
		}
		return nil
	})
}

// FindApprovalLink returns the approval link whose token hashes to hash,
// used or expired included (the page tells them apart); not_found when
// there is none.
func (s *Store) FindApprovalLink(ctx context.Context, hash string) (serentak.ApprovalLink, error) {
	var r approvalLinkRow
	err := s.db.WithContext(ctx).Where("hash = ?", hash).Take(&r).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return serentak.ApprovalLink{}, serentak.NotFound("approval link")
	}
	if err != nil {
		return serentak.ApprovalLink{}, dbError("find approval link", err)
	}
	l := serentak.ApprovalLink{Hash: r.Hash, WorkspaceID: r.WorkspaceID, PostID: r.PostID,
		ExpiresAt: r.ExpiresAt.UTC(), CreatedAt: r.CreatedAt.UTC()}
	if r.UsedAt != nil {
		t := r.UsedAt.UTC()
		l.UsedAt = &t
	}
	return l, nil
}
