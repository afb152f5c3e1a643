package gormstore

import (
	"context"
	"errors"

	"gorm.io/gorm"

	"github.com/serentak/serentak"
)

// CreateMedia records an uploaded file (its bytes live in the blob store).
func (s *Store) CreateMedia(ctx context.Context, m serentak.Media) error {
	if m.ID == "" || m.WorkspaceID == "" {
		return errors.New("gormstore: create media: the media ID and workspace ID are required")
	}
	r := mediaRow{
		ID: m.ID, WorkspaceID: m.WorkspaceID, ContentType: m.ContentType, Size: m.Size,
		Kind: string(m.Kind), StorageKey: m.StorageKey, CreatedAt: dbTime(m.CreatedAt),
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
	return serentak.Media{
		ID: r.ID, WorkspaceID: r.WorkspaceID, ContentType: r.ContentType, Size: r.Size,
		Kind: serentak.MediaKind(r.Kind), StorageKey: r.StorageKey, CreatedAt: r.CreatedAt.UTC(),
	}, nil
}
