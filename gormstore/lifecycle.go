package gormstore

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"

	"gorm.io/gorm"

	"github.com/serentak/serentak"
)

// UpdatePost applies a checked edit (serentak.PostEdit) in one
// transaction: the post's fields, each stored delivery recomposed or
// removed, new deliveries added, the post's status recomputed.
//
// Each stored delivery changes only if it is still as the caller read it
// (same version and status, not started): the write is one conditional
// UPDATE (or DELETE) that bumps the version and clears enqueued_at. A
// worker's claim (ClaimDelivery) is a conditional UPDATE on the same row
// and version, so the two are ordered by the row: a claim that came first
// makes the edit's write match nothing, and the delivery is reported
// unchanged (it publishes its old content); an edit that came first makes
// the claim's version stale, and the scheduler queues the new version
// (new content). Never a mix of the two, never both. On PostgreSQL the
// deliveries are written in ID order and the post after them, as claims
// lock them, so the two cannot deadlock.
//
// When no delivery could change (all started, ended, or claimed
// meanwhile), nothing is written and the answer is a conflict.
func (s *Store) UpdatePost(ctx context.Context, workspaceID, id string, e serentak.PostEdit) (serentak.Post, serentak.EditResult, error) {
	var (
		out serentak.Post
		res serentak.EditResult
	)
	err := s.tx(ctx, func(tx *gorm.DB) error {
		res = serentak.EditResult{Changed: []string{}, Removed: []string{}, Unchanged: []serentak.UnchangedDelivery{}}
		if err := postExists(tx, workspaceID, id); err != nil {
			return err
		}
		var before string // the post's status, to tell when the edit holds it for approval
		if err := tx.Model(&postRow{}).Select("status").Where("id = ?", id).Scan(&before).Error; err != nil {
			return dbError("read post status", err)
		}
		now := s.clock()
		p := e.Post
		p.ID, p.WorkspaceID = id, workspaceID
		positions := map[string]int{}
		for i, d := range e.Deliveries {
			positions[d.Delivery.ID] = i
		}
		// Stored deliveries in ID order (the lock order), then the new.
		stored := make([]serentak.DeliveryEdit, 0, len(e.Deliveries)+len(e.Remove))
		var added []serentak.DeliveryEdit
		for _, d := range e.Deliveries {
			if d.New {
				added = append(added, d)
			} else {
				stored = append(stored, d)
			}
		}
		removing := map[string]bool{}
		for _, d := range e.Remove {
			removing[d.Delivery.ID] = true
			stored = append(stored, d)
		}
		slices.SortFunc(stored, func(a, b serentak.DeliveryEdit) int { return strings.Compare(a.Delivery.ID, b.Delivery.ID) })
		for _, d := range stored {
			if !d.Status.Editable() {
				return fmt.Errorf("gormstore: update post %s: delivery %s was read %s, which cannot change", id, d.Delivery.ID, d.Status)
			}
			q := tx.Where("id = ? AND post_id = ? AND version = ? AND status = ?", d.Delivery.ID, id, d.Version, string(d.Status))
			var r *gorm.DB
			if removing[d.Delivery.ID] {
				r = q.Delete(&deliveryRow{})
			} else {
				content, err := json.Marshal(d.Delivery.Content)
				if err != nil {
					return fmt.Errorf("gormstore: encode delivery %s's content: %w", d.Delivery.ID, err)
				}
				r = q.Model(&deliveryRow{}).Updates(map[string]any{
					"content": string(content), "status": string(d.Delivery.Status),
					"scheduled_at": dbTime(d.Delivery.ScheduledAt), "position": positions[d.Delivery.ID],
					"version": gorm.Expr("version + 1"), "enqueued_at": nil, "updated_at": now,
				})
			}
			if r.Error != nil {
				return dbError("edit delivery", r.Error)
			}
			switch {
			case r.RowsAffected == 0:
				u, err := unchangedDelivery(tx, d.Delivery.ID)
				if err != nil {
					return err
				}
				res.Unchanged = append(res.Unchanged, u)
			case removing[d.Delivery.ID]:
				res.Removed = append(res.Removed, d.Delivery.ID)
				if err := tx.Where("delivery_id = ?", d.Delivery.ID).Delete(&trackedLinkRow{}).Error; err != nil {
					return dbError("delete tracked link", err)
				}
			default:
				res.Changed = append(res.Changed, d.Delivery.ID)
				// Recomposed: its text carries the new code, or none.
				if err := replaceTrackedLink(tx, workspaceID, id, d.Delivery, now); err != nil {
					return err
				}
			}
		}
		if len(res.Changed)+len(res.Removed) == 0 && len(added) == 0 {
			return &serentak.Error{Code: serentak.ECodeConflict,
				Message: "nothing left to edit: every delivery of this post has started, ended or been canceled"}
		}
		if len(added) > 0 {
			rows := make([]deliveryRow, 0, len(added))
			for _, d := range added {
				r, err := newDeliveryRow(p, positions[d.Delivery.ID], d.Delivery, now)
				if err != nil {
					return err
				}
				rows = append(rows, r)
				res.Changed = append(res.Changed, d.Delivery.ID)
			}
			if err := s.checkAccounts(tx, workspaceID, rows); err != nil {
				return err
			}
			if err := tx.Create(&rows).Error; err != nil {
				return dbError("add deliveries", err)
			}
			ds := make([]serentak.Delivery, 0, len(added))
			for _, d := range added {
				ds = append(ds, d.Delivery)
			}
			if err := insertTrackedLinks(tx, workspaceID, id, ds, now); err != nil {
				return err
			}
		}
		pr, err := newPostRow(p, now)
		if err != nil {
			return err
		}
		err = tx.Model(&postRow{}).Where("id = ?", id).Updates(map[string]any{
			"product": pr.Product, "caption": pr.Caption, "hashtags": pr.Hashtags, "media": pr.Media,
			"scheduled_at": pr.ScheduledAt, "source": pr.Source, "updated_at": now,
		}).Error
		if err != nil {
			return dbError("edit post", err)
		}
		if err := s.recomputePostStatuses(tx, []string{id}, now); err != nil {
			return err
		}
		if out, err = loadPost(tx, workspaceID, id); err != nil {
			return err
		}
		// An editor's edit in a workspace with approval holds the post
		// again (contract: "edited after approval"): the event comes with
		// the change.
		if out.Status == serentak.PostPendingApproval && before != string(serentak.PostPendingApproval) {
			return s.emit(tx, now, outEvent{workspaceID, serentak.EventPostPendingApproval, id})
		}
		return nil
	})
	return out, res, err
}

// checkAccounts makes sure every new delivery's account is the
// workspace's.
func (s *Store) checkAccounts(tx *gorm.DB, workspaceID string, rows []deliveryRow) error {
	ids := make([]string, 0, len(rows))
	for _, r := range rows {
		ids = append(ids, r.AccountID)
	}
	slices.Sort(ids)
	ids = slices.Compact(ids)
	var n int64
	if err := tx.Model(&accountRow{}).Where("workspace_id = ? AND id IN ?", workspaceID, ids).Count(&n).Error; err != nil {
		return dbError("check the post's accounts", err)
	}
	if n != int64(len(ids)) {
		return serentak.NotFound("account")
	}
	return nil
}

// unchangedDelivery says why an edit's conditional write matched nothing.
func unchangedDelivery(tx *gorm.DB, id string) (serentak.UnchangedDelivery, error) {
	var r deliveryRow
	err := tx.Select("id", "status").Where("id = ?", id).Take(&r).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return serentak.UnchangedDelivery{ID: id, Status: serentak.DeliveryCanceled,
			Reason: "removed by another edit meanwhile"}, nil
	}
	if err != nil {
		return serentak.UnchangedDelivery{}, dbError("read delivery", err)
	}
	u := serentak.UnchangedDelivery{ID: id, Status: serentak.DeliveryStatus(r.Status)}
	switch u.Status {
	case serentak.DeliveryPublishing:
		u.Reason = "started: a worker is publishing it, with the content it had before this edit"
	case serentak.DeliveryPublished:
		u.Reason = "already published"
	case serentak.DeliveryFailed:
		u.Reason = "already failed"
	case serentak.DeliveryCanceled:
		u.Reason = "canceled"
	default:
		u.Reason = "changed by another request meanwhile; read the post and edit again"
	}
	return u, nil
}

// DeletePost deletes a post: its deliveries that have not started are
// canceled, and the post is marked deleted, so that it answers not_found
// from then on. Deliveries publishing at that moment finish and keep their
// record (the worker's writes need them); what is on the platforms stays.
func (s *Store) DeletePost(ctx context.Context, workspaceID, id string) error {
	return s.tx(ctx, func(tx *gorm.DB) error {
		if err := postExists(tx, workspaceID, id); err != nil {
			return err
		}
		now := s.clock()
		err := tx.Model(&deliveryRow{}).
			Where("post_id = ? AND status IN ?", id, notStarted()).
			Updates(map[string]any{"status": string(serentak.DeliveryCanceled), "version": gorm.Expr("version + 1"),
				"enqueued_at": nil, "updated_at": now}).Error
		if err != nil {
			return dbError("cancel deliveries", err)
		}
		if err := s.recomputePostStatuses(tx, []string{id}, now); err != nil {
			return err
		}
		if err := tx.Model(&postRow{}).Where("id = ?", id).Update("deleted_at", now).Error; err != nil {
			return dbError("delete post", err)
		}
		return nil
	})
}
