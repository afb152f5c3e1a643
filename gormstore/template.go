package gormstore

import (
	"context"
	"encoding/json"
	"errors"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/serentak/serentak"
)

// templateRow is a workspace's own wording of composed posts for one
// platform (or "all") in one language. The fields are one JSON object
// (serentak.Template's JSON names), so a new template field needs no
// migration.
type templateRow struct {
	WorkspaceID string        `gorm:"primaryKey"`
	Platform    string        `gorm:"primaryKey"`
	Language    string        `gorm:"primaryKey"`
	Template    string        `gorm:"type:text;not null"`
	UpdatedAt   time.Time     `gorm:"not null"`
	Workspace   *workspaceRow `gorm:"foreignKey:WorkspaceID"`
}

func (templateRow) TableName() string { return "templates" }

// PutTemplate creates or replaces the workspace's override of
// (o.Platform, o.Language). It answers not_found when the workspace does
// not exist.
func (s *Store) PutTemplate(ctx context.Context, workspaceID string, o serentak.TemplateOverride) (serentak.TemplateOverride, error) {
	if workspaceID == "" || o.Platform == "" || o.Language == "" {
		return serentak.TemplateOverride{}, errors.New("gormstore: put template: the workspace ID, platform and language are required")
	}
	raw, err := json.Marshal(o.Template)
	if err != nil {
		return serentak.TemplateOverride{}, dbError("encode template", err)
	}
	r := templateRow{WorkspaceID: workspaceID, Platform: string(o.Platform), Language: o.Language,
		Template: string(raw), UpdatedAt: dbTime(o.UpdatedAt)}
	if o.UpdatedAt.IsZero() {
		r.UpdatedAt = s.clock()
	}
	err = s.tx(ctx, func(tx *gorm.DB) error {
		// Checked, not left to the foreign key, so a missing workspace is
		// the same not_found on both databases.
		var n int64
		if err := tx.Model(&workspaceRow{}).Where("id = ?", workspaceID).Count(&n).Error; err != nil {
			return dbError("find workspace", err)
		}
		if n == 0 {
			return serentak.NotFound("workspace")
		}
		err := tx.Clauses(clause.OnConflict{
			Columns:   []clause.Column{{Name: "workspace_id"}, {Name: "platform"}, {Name: "language"}},
			DoUpdates: clause.AssignmentColumns([]string{"template", "updated_at"}),
		}).Create(&r).Error
		if err != nil {
			return dbError("put template", err)
		}
		return nil
	})
	if err != nil {
		return serentak.TemplateOverride{}, err
	}
	return templateFromRow(r)
}

// FindTemplates returns the workspace's overrides, by platform then
// language.
func (s *Store) FindTemplates(ctx context.Context, workspaceID string) ([]serentak.TemplateOverride, error) {
	var rows []templateRow
	err := s.db.WithContext(ctx).Where("workspace_id = ?", workspaceID).
		Order("platform").Order("language").Find(&rows).Error
	if err != nil {
		return nil, dbError("find templates", err)
	}
	out := make([]serentak.TemplateOverride, 0, len(rows))
	for _, r := range rows {
		o, err := templateFromRow(r)
		if err != nil {
			return nil, err
		}
		out = append(out, o)
	}
	return out, nil
}

// DeleteTemplate removes one override; not_found when the workspace has
// none for (platform, language).
func (s *Store) DeleteTemplate(ctx context.Context, workspaceID string, platform serentak.Platform, language string) error {
	res := s.db.WithContext(ctx).
		Where("workspace_id = ? AND platform = ? AND language = ?", workspaceID, string(platform), language).
		Delete(&templateRow{})
	if res.Error != nil {
		return dbError("delete template", res.Error)
	}
	if res.RowsAffected == 0 {
		return serentak.NotFound("template")
	}
	return nil
}

func templateFromRow(r templateRow) (serentak.TemplateOverride, error) {
	var t serentak.Template
	if err := json.Unmarshal([]byte(r.Template), &t); err != nil {
		return serentak.TemplateOverride{}, dbError("decode template of workspace "+r.WorkspaceID, err)
	}
	t.Language = r.Language
	return serentak.TemplateOverride{Platform: serentak.Platform(r.Platform), Language: r.Language, Template: t, UpdatedAt: r.UpdatedAt.UTC()}, nil
}
