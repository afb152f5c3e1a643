package gormstore

import (
	"context"
	"errors"
	"fmt"

	"gorm.io/gorm"

	"github.com/serentak/serentak"
)

// CreateMedia records an uploaded file (its bytes live in the blob store).
func (s *Store) CreateMedia(ctx context.Context, m serentak.Media) error {
	if m.ID == "" || m.WorkspaceID == "" {
		return errors.New("gormstore: create media: the media ID and workspace ID are required")
	}
	in := m.Inspection
	r := mediaRow{
		ID: m.ID, WorkspaceID: m.WorkspaceID, ContentType: m.ContentType, Size: m.Size,
		Kind: string(m.Kind), StorageKey: m.StorageKey, CreatedAt: dbTime(m.CreatedAt),
		Width: in.Width, Height: in.Height, DurationMS: in.DurationMS,
		VideoCodec: in.VideoCodec, AudioCodec: in.AudioCodec, FrameRate: in.FrameRate,
	}
	if m.CreatedAt.IsZero() {
		r.CreatedAt = s.clock()
	}
	if err := s.db.WithContext(ctx).Create(&r).Error; err != nil {
		return dbError("create media", err)
	}
	return nil
}

// FindMediaByID returns a media item of the workspace.
func (s *Store) FindMediaByID(ctx context.Context, workspaceID, id string) (serentak.Media, error) {
	var r mediaRow
	err := s.db.WithContext(ctx).Where("id = ? AND workspace_id = ?", id, workspaceID).Take(&r).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return serentak.Media{}, serentak.NotFound("media")
	}
	if err != nil {
		return serentak.Media{}, dbError("find media", err)
	}
	return mediaFromRow(r), nil
}

// DeleteMedia removes a media item's record and returns it, so the caller
// can remove its bytes. Media that a delivery not yet published still
// carries is refused (conflict): deleting it would make that delivery fail
// at its scheduled time.
func (s *Store) DeleteMedia(ctx context.Context, workspaceID, id string) (serentak.Media, error) {
	var r mediaRow
	err := s.tx(ctx, func(tx *gorm.DB) error {
		err := tx.Where("id = ? AND workspace_id = ?", id, workspaceID).Take(&r).Error
		if errors.Is(err, gorm.ErrRecordNotFound) {
			return serentak.NotFound("media")
		}
		if err != nil {
			return dbError("find media", err)
		}
		// Content is JSON written by encoding/json, so an upload appears
		// exactly as "id":"med_…"; media IDs are random, so a match is it.
		var postIDs []string
		err = tx.Model(&deliveryRow{}).Distinct("post_id").
			Where("workspace_id = ? AND status IN ? AND content LIKE ?", workspaceID,
				// A post awaiting approval (or rejected, and so perhaps
				// resubmitted) still needs its media.
				[]string{string(serentak.DeliveryScheduled), string(serentak.DeliveryPublishing),
					string(serentak.DeliveryPendingApproval), string(serentak.DeliveryRejected), string(serentak.DeliveryDraft)},
				fmt.Sprintf(`%%"id":%q%%`, id)).
			Limit(3).Pluck("post_id", &postIDs).Error
		if err != nil {
			return dbError("find posts using media", err)
		}
		if len(postIDs) > 0 {
			return serentak.Errorf(serentak.ECodeConflict,
				"media %s is used by post %s, not yet published; cancel that post (or wait until it is published) first", id, postIDs[0])
		}
		if err := tx.Delete(&mediaRow{}, "id = ? AND workspace_id = ?", id, workspaceID).Error; err != nil {
			return dbError("delete media", err)
		}
		return nil
	})
	if err != nil {
		return serentak.Media{}, err
	}
	return mediaFromRow(r), nil
}

func mediaFromRow(r mediaRow) serentak.Media {
	return serentak.Media{
		ID: r.ID, WorkspaceID: r.WorkspaceID, ContentType: r.ContentType, Size: r.Size,
		Kind: serentak.MediaKind(r.Kind), StorageKey: r.StorageKey, CreatedAt: r.CreatedAt.UTC(),
		Inspection: serentak.Inspection{
			Width: r.Width, Height: r.Height, DurationMS: r.DurationMS,
			VideoCodec: r.VideoCodec, AudioCodec: r.AudioCodec, FrameRate: r.FrameRate,
		},
	}
}

// FindMedia pages through the workspace's media, newest first. IDs begin
// with their creation time (serentak.NewID), so the ID alone orders the
// list and is the cursor: the ID of the last item of the previous page.
// next is "" on the last page.
func (s *Store) FindMedia(ctx context.Context, workspaceID, cursor string, limit int) ([]serentak.Media, string, error) {
	return s.mediaPage(ctx, workspaceID, cursor, pageLimit(limit), true)
}

// mediaPage is one page of a workspace's media by ID after cursor (before
// it, newest first), and the cursor of the next page ("" on the last).
func (s *Store) mediaPage(ctx context.Context, workspaceID, cursor string, limit int, newestFirst bool) ([]serentak.Media, string, error) {
	q := s.db.WithContext(ctx).Where("workspace_id = ?", workspaceID)
	return idPage(q, cursor, limit, newestFirst, func(r mediaRow) string { return r.ID }, mediaFromRow, "media")
}
