package gormstore

import (
	"context"
	"errors"

	"gorm.io/gorm"

	"github.com/serentak/serentak"
)

// CreateWorkspace stores a workspace and its first API key (only the key's
// hash) together.
func (s *Store) CreateWorkspace(ctx context.Context, ws serentak.Workspace, key serentak.APIKey) error {
	if ws.ID == "" || key.ID == "" || key.Hash == "" {
		return errors.New("gormstore: create workspace: the workspace ID, key ID and key hash are required")
	}
	now := s.clock()
	wr := workspaceRow{ID: ws.ID, Name: ws.Name, Timezone: ws.Timezone, CreatedAt: dbTime(ws.CreatedAt)}
	if wr.Timezone == "" {
		wr.Timezone = serentak.DefaultTimezone
	}
	if ws.CreatedAt.IsZero() {
		wr.CreatedAt = now
	}
	kr := apiKeyRow{ID: key.ID, WorkspaceID: ws.ID, Hash: key.Hash, CreatedAt: dbTime(key.CreatedAt)}
	if key.CreatedAt.IsZero() {
		kr.CreatedAt = now
	}
	return s.tx(ctx, func(tx *gorm.DB) error {
		if err := tx.Create(&wr).Error; err != nil {
			if errors.Is(err, gorm.ErrDuplicatedKey) {
				return serentak.Errorf(serentak.ECodeConflict, "workspace %s already exists", ws.ID)
			}
			return dbError("create workspace", err)
		}
		if err := tx.Create(&kr).Error; err != nil {
			return dbError("create API key", err)
		}
		return nil
	})
}

// FindWorkspaceByID returns a workspace.
func (s *Store) FindWorkspaceByID(ctx context.Context, id string) (serentak.Workspace, error) {
	var r workspaceRow
	err := s.db.WithContext(ctx).Where("id = ?", id).Take(&r).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return serentak.Workspace{}, serentak.NotFound("workspace")
	}
	if err != nil {
		return serentak.Workspace{}, dbError("find workspace", err)
	}
	return serentak.Workspace{ID: r.ID, Name: r.Name, Timezone: r.Timezone, CreatedAt: r.CreatedAt.UTC()}, nil
}

// FindAPIKeyByHash returns the key whose secret hashes to hash
// (serentak.HashSecret).
func (s *Store) FindAPIKeyByHash(ctx context.Context, hash string) (serentak.APIKey, error) {
	var r apiKeyRow
	err := s.db.WithContext(ctx).Where("hash = ?", hash).Take(&r).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return serentak.APIKey{}, serentak.NotFound("api key")
	}
	if err != nil {
		return serentak.APIKey{}, dbError("find API key", err)
	}
	return serentak.APIKey{ID: r.ID, WorkspaceID: r.WorkspaceID, Hash: r.Hash, CreatedAt: r.CreatedAt.UTC()}, nil
}

// CreateAPIKey stores another key of an existing workspace.
func (s *Store) CreateAPIKey(ctx context.Context, key serentak.APIKey) error {
	if key.ID == "" || key.WorkspaceID == "" || key.Hash == "" {
		return errors.New("gormstore: create API key: the key ID, workspace ID and hash are required")
	}
	kr := apiKeyRow{ID: key.ID, WorkspaceID: key.WorkspaceID, Hash: key.Hash, CreatedAt: dbTime(key.CreatedAt)}
	if key.CreatedAt.IsZero() {
		kr.CreatedAt = s.clock()
	}
	return s.tx(ctx, func(tx *gorm.DB) error {
		var n int64
		if err := tx.Model(&workspaceRow{}).Where("id = ?", key.WorkspaceID).Count(&n).Error; err != nil {
			return dbError("find workspace", err)
		}
		if n == 0 {
			return serentak.NotFound("workspace")
		}
		if err := tx.Create(&kr).Error; err != nil {
			return dbError("create API key", err)
		}
		return nil
	})
}
