package gormstore

import (
	"context"

	"gorm.io/gorm"

	"github.com/serentak/serentak"
)

// Leaving a workspace (docs/api.md#leaving-export-and-deletion): its data
// read out in pages for the export, then everything erased.

// FindMediaPage pages through a workspace's media records by ID (the
// export); next is "" on the last page. limit is 1..1000.
func (s *Store) FindMediaPage(ctx context.Context, workspaceID, cursor string, limit int) ([]serentak.Media, string, error) {
	if limit < 1 || limit > 1000 {
		limit = 100
	}
	return s.mediaPage(ctx, workspaceID, cursor, limit, false)
}

// CancelWorkspaceDeliveries cancels every delivery of the workspace that
// has not started (scheduled, awaiting approval, rejected), so nothing
// publishes while the workspace is being deleted. A delivery already
// publishing keeps its lease; its result is erased with the rest.
func (s *Store) CancelWorkspaceDeliveries(ctx context.Context, workspaceID string) error {
	return s.tx(ctx, func(tx *gorm.DB) error {
		var ids []string
		err := tx.Model(&deliveryRow{}).Distinct("post_id").
			Where("workspace_id = ? AND status IN ?", workspaceID, notStarted()).
			Pluck("post_id", &ids).Error
		if err != nil {
			return dbError("find deliveries to cancel", err)
		}
		if len(ids) == 0 {
			return nil
		}
		now := s.clock()
		err = tx.Model(&deliveryRow{}).
			Where("workspace_id = ? AND status IN ?", workspaceID, notStarted()).
			Updates(map[string]any{"status": string(serentak.DeliveryCanceled), "updated_at": now}).Error
		if err != nil {
			return dbError("cancel deliveries", err)
		}
		return s.recomputePostStatuses(tx, ids, now)
	})
}

// DeleteWorkspace erases the workspace and every row that belongs to it,
// in one transaction, children first: the users themselves stay (they may
// belong to other workspaces), their memberships here go. It returns the
// storage keys of the workspace's media, whose bytes the caller deletes
// after the commit (a blob store is not in the transaction). not_found
// when there is no such workspace.
func (s *Store) DeleteWorkspace(ctx context.Context, workspaceID string) ([]string, error) {
	var keys []string
	err := s.tx(ctx, func(tx *gorm.DB) error {
		if err := tx.Model(&mediaRow{}).Where("workspace_id = ?", workspaceID).Pluck("storage_key", &keys).Error; err != nil {
			return dbError("find media", err)
		}
		// Unscoped: removed accounts (soft-deleted) go too, for real.
		accounts := tx.Unscoped().Model(&accountRow{}).Select("id").Where("workspace_id = ?", workspaceID)
		steps := []struct {
			what  string
			model any
			where string
			arg   any
		}{
			{"audit entries", &auditRow{}, "workspace_id = ?", workspaceID},
			{"tracked links", &trackedLinkRow{}, "workspace_id = ?", workspaceID},
			{"delivery metrics", &deliveryMetricsRow{}, "workspace_id = ?", workspaceID},
			{"link-in-bio clicks", &bioClickRow{}, "workspace_id = ?", workspaceID},
			// Their messages and attempts go with them (ON DELETE CASCADE).
			{"webhooks", &webhookEndpointRow{}, "workspace_id = ?", workspaceID},
			{"notifications", &notificationRow{}, "workspace_id = ?", workspaceID},
			{"notification times", &notificationSendRow{}, "account_id IN (?)", accounts},
			{"approval links", &approvalLinkRow{}, "workspace_id = ?", workspaceID},
			{"idempotency keys", &idempotencyRow{}, "workspace_id = ?", workspaceID},
			{"deliveries", &deliveryRow{}, "workspace_id = ?", workspaceID},
			{"posts", &postRow{}, "workspace_id = ?", workspaceID},
			{"reconnect links", &reconnectLinkRow{}, "workspace_id = ?", workspaceID},
			{"oauth states", &oauthStateRow{}, "workspace_id = ?", workspaceID},
			{"account health", &accountHealthRow{}, "account_id IN (?)", accounts},
			{"accounts", &accountRow{}, "workspace_id = ?", workspaceID},
			{"media", &mediaRow{}, "workspace_id = ?", workspaceID},
			{"templates", &templateRow{}, "workspace_id = ?", workspaceID},
			{"queue slots", &queueSlotRow{}, "workspace_id = ?", workspaceID},
			{"memberships", &membershipRow{}, "workspace_id = ?", workspaceID},
			{"API keys", &apiKeyRow{}, "workspace_id = ?", workspaceID},
		}
		for _, st := range steps {
			if err := tx.Unscoped().Where(st.where, st.arg).Delete(st.model).Error; err != nil {
				return dbError("delete "+st.what, err)
			}
		}
		res := tx.Where("id = ?", workspaceID).Delete(&workspaceRow{})
		if res.Error != nil {
			return dbError("delete workspace", res.Error)
		}
		if res.RowsAffected == 0 {
			return serentak.NotFound("workspace")
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return keys, nil
}
