package gormstore

import (
	"context"
	"errors"
	"time"

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
	wr := workspaceRow{ID: ws.ID, Name: ws.Name, Timezone: ws.Timezone, CreatedAt: dbTime(ws.CreatedAt),
		Language: ws.Language, ApprovalRequired: ws.ApprovalRequired}
	if ws.OrganizationID != "" {
		wr.OrganizationID = &ws.OrganizationID
	}
	if wr.Language == "" {
		wr.Language = serentak.DefaultLanguage
	}
	if wr.Timezone == "" {
		wr.Timezone = serentak.DefaultTimezone
	}
	if ws.CreatedAt.IsZero() {
		wr.CreatedAt = now
	}
	key.WorkspaceID = ws.ID
	kr := keyRow(key, now)
	return s.tx(ctx, func(tx *gorm.DB) error {
		if ws.OrganizationID != "" {
			if _, err := findOrganization(tx, ws.OrganizationID); err != nil {
				return err
			}
		}
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
	return r.workspace(), nil
}

func (r workspaceRow) workspace() serentak.Workspace {
	ws := serentak.Workspace{ID: r.ID, Name: r.Name, Timezone: r.Timezone, Language: r.Language,
		ApprovalRequired: r.ApprovalRequired, TrackedLinks: r.TrackedLinks, Handle: r.Handle, CreatedAt: r.CreatedAt.UTC()}
	if r.OrganizationID != nil {
		ws.OrganizationID = *r.OrganizationID
	}
	return ws
}

// UpdateWorkspace writes a workspace's settings (name, timezone,
// language, approval_required, tracked_links, handle) and returns it as
// stored. A handle another workspace holds is a conflict naming the field
// "handle" (the unique index decides, so two at once cannot both take it).
func (s *Store) UpdateWorkspace(ctx context.Context, ws serentak.Workspace) (serentak.Workspace, error) {
	if ws.Language == "" {
		ws.Language = serentak.DefaultLanguage
	}
	res := s.db.WithContext(ctx).Model(&workspaceRow{}).Where("id = ?", ws.ID).Updates(map[string]any{
		"name": ws.Name, "timezone": ws.Timezone, "language": ws.Language, "approval_required": ws.ApprovalRequired,
		"tracked_links": ws.TrackedLinks, "handle": ws.Handle,
	})
	if errors.Is(res.Error, gorm.ErrDuplicatedKey) {
		return serentak.Workspace{}, &serentak.Error{Code: serentak.ECodeConflict, Message: "this handle is taken by another workspace",
			Details: []serentak.FieldError{{Field: "handle", Code: "taken", Message: "another workspace has this handle; choose another"}}}
	}
	if res.Error != nil {
		return serentak.Workspace{}, dbError("update workspace", res.Error)
	}
	if res.RowsAffected == 0 {
		return serentak.Workspace{}, serentak.NotFound("workspace")
	}
	return s.FindWorkspaceByID(ctx, ws.ID)
}

// FindWorkspaceByHandle returns the workspace whose link-in-bio page is
// /b/{handle} (not_found when none is; "" is never one).
func (s *Store) FindWorkspaceByHandle(ctx context.Context, handle string) (serentak.Workspace, error) {
	// A handle that could never be set names no workspace, and is not
	// sent to the database: a URL's %00 would be an error there
	// (PostgreSQL's text holds no NUL), not a 404.
	if serentak.HandleProblem(handle) != "" {
		return serentak.Workspace{}, serentak.NotFound("workspace")
	}
	var r workspaceRow
	err := s.db.WithContext(ctx).Where("handle = ?", handle).Take(&r).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return serentak.Workspace{}, serentak.NotFound("workspace")
	}
	if err != nil {
		return serentak.Workspace{}, dbError("find workspace by handle", err)
	}
	return r.workspace(), nil
}

// FindWorkspaces returns one page of every workspace, by ID (the
// operator's list), and the cursor of the next page ("" at the end): the
// last ID of the page. limit is 1..100.
func (s *Store) FindWorkspaces(ctx context.Context, cursor string, limit int) ([]serentak.Workspace, string, error) {
	q := s.db.WithContext(ctx).Model(&workspaceRow{})
	return idPage(q, cursor, pageLimit(limit), false, func(r workspaceRow) string { return r.ID }, workspaceRow.workspace, "workspaces")
}

// keyRow is key as stored. A key without a role is an owner key (the
// workspace's first key), as keys were before roles existed.
func keyRow(key serentak.APIKey, now time.Time) apiKeyRow {
	r := apiKeyRow{
		ID: key.ID, WorkspaceID: key.WorkspaceID, Hash: key.Hash, CreatedAt: dbTime(key.CreatedAt),
		Role: string(key.Role), Name: key.Name, Prefix: key.Prefix,
	}
	if key.CreatedAt.IsZero() {
		r.CreatedAt = now
	}
	if r.Role == "" {
		r.Role = string(serentak.RoleOwner)
	}
	return r
}

func (r apiKeyRow) key() serentak.APIKey {
	k := serentak.APIKey{
		ID: r.ID, WorkspaceID: r.WorkspaceID, Hash: r.Hash, Role: serentak.Role(r.Role),
		Name: r.Name, Prefix: r.Prefix, CreatedAt: r.CreatedAt.UTC(),
	}
	if r.LastUsedAt != nil {
		t := r.LastUsedAt.UTC()
		k.LastUsedAt = &t
	}
	return k
}

// FindAPIKeyByHash returns the live (not revoked) key whose secret hashes
// to hash (serentak.HashSecret): one lookup by a unique index, on every
// authenticated request.
func (s *Store) FindAPIKeyByHash(ctx context.Context, hash string) (serentak.APIKey, error) {
	var r apiKeyRow
	err := s.db.WithContext(ctx).Where("hash = ? AND revoked_at IS NULL", hash).Take(&r).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return serentak.APIKey{}, serentak.NotFound("api key")
	}
	if err != nil {
		return serentak.APIKey{}, dbError("find API key", err)
	}
	return r.key(), nil
}

// CreateAPIKey stores another key of an existing workspace.
func (s *Store) CreateAPIKey(ctx context.Context, key serentak.APIKey) error {
	if key.ID == "" || key.WorkspaceID == "" || key.Hash == "" {
		return errors.New("gormstore: create API key: the key ID, workspace ID and hash are required")
	}
	if key.Role != "" && !key.Role.Valid() {
		return serentak.Errorf(serentak.ECodeValidation, "unknown role %q", key.Role)
	}
	kr := keyRow(key, s.clock())
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

// FindAPIKeys lists a workspace's live keys, oldest first.
func (s *Store) FindAPIKeys(ctx context.Context, workspaceID string) ([]serentak.APIKey, error) {
	var rows []apiKeyRow
	err := s.db.WithContext(ctx).Where("workspace_id = ? AND revoked_at IS NULL", workspaceID).
		Order("created_at, id").Find(&rows).Error
	if err != nil {
		return nil, dbError("find API keys", err)
	}
	keys := make([]serentak.APIKey, len(rows))
	for i, r := range rows {
		keys[i] = r.key()
	}
	return keys, nil
}

// RevokeAPIKey ends a key of a workspace at once: FindAPIKeyByHash no
// longer finds it, on any process. not_found when the workspace has no
// such live key.
func (s *Store) RevokeAPIKey(ctx context.Context, workspaceID, id string) error {
	res := s.db.WithContext(ctx).Model(&apiKeyRow{}).
		Where("id = ? AND workspace_id = ? AND revoked_at IS NULL", id, workspaceID).
		Update("revoked_at", s.clock())
	if res.Error != nil {
		return dbError("revoke API key", res.Error)
	}
	if res.RowsAffected == 0 {
		return serentak.NotFound("key")
	}
	return nil
}

// TouchAPIKey records that a key was used at the time at, unless a use
// within serentak.KeyUseResolution before it is recorded already: a
// conditional UPDATE by primary key, which writes nothing when another
// process recorded the same minute.
func (s *Store) TouchAPIKey(ctx context.Context, id string, at time.Time) error {
	at = dbTime(at)
	err := s.db.WithContext(ctx).Model(&apiKeyRow{}).
		Where("id = ? AND (last_used_at IS NULL OR last_used_at <= ?)", id, at.Add(-serentak.KeyUseResolution)).
		Update("last_used_at", at).Error
	if err != nil {
		return dbError("record API key use", err)
	}
	return nil
}
