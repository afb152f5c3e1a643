package gormstore

import (
	"context"
	"errors"
	"slices"
	"time"

	"gorm.io/gorm"

	"github.com/serentak/serentak"
)

// Tracked order links (docs/api.md#order-links-that-count): a delivery
// composed with one carries its code; the row is written in the
// transaction that writes the delivery, and clicks are added in batches
// by the API's redirect (AddLinkClicks).

// insertTrackedLinks stores the tracked links of the deliveries that have
// one. A code already taken (35 random bits: about one post in a
// thousand million, among a million links) fails the whole write as a
// conflict, to be sent again: the composed text already carries it.
func insertTrackedLinks(tx *gorm.DB, workspaceID, postID string, ds []serentak.Delivery, now time.Time) error {
	var rows []trackedLinkRow
	for _, d := range ds {
		if l := d.TrackedLink; l != nil {
			rows = append(rows, trackedLinkRow{
				Code: l.Code, DeliveryID: d.ID, WorkspaceID: workspaceID, PostID: postID,
				Platform: string(d.Platform), TargetURL: l.Target, Ref: l.Ref, CreatedAt: now,
			})
		}
	}
	if len(rows) == 0 {
		return nil
	}
	err := tx.Create(&rows).Error
	if errors.Is(err, gorm.ErrDuplicatedKey) {
		return serentak.Errorf(serentak.ECodeConflict, "a tracked link's code was taken meanwhile; send the request again")
	}
	if err != nil {
		return dbError("create tracked links", err)
	}
	return nil
}

// replaceTrackedLink gives a recomposed delivery its new tracked link, or
// none: a delivery not yet started has never been published, so its old
// code was never shown to anyone and no click is lost.
func replaceTrackedLink(tx *gorm.DB, workspaceID, postID string, d serentak.Delivery, now time.Time) error {
	if err := tx.Where("delivery_id = ?", d.ID).Delete(&trackedLinkRow{}).Error; err != nil {
		return dbError("delete tracked link", err)
	}
	return insertTrackedLinks(tx, workspaceID, postID, []serentak.Delivery{d}, now)
}

// FindTrackedLink returns the tracked link of code, in no workspace's
// scope: the code is the public address /o/{code} answers, and what it
// answers (the order link) is already public in the post.
func (s *Store) FindTrackedLink(ctx context.Context, code string) (serentak.TrackedLink, error) {
	var r trackedLinkRow
	err := s.db.WithContext(ctx).Select("code", "target_url", "ref", "clicks", "last_click_at").Where("code = ?", code).Take(&r).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return serentak.TrackedLink{}, serentak.NotFound("link")
	}
	if err != nil {
		return serentak.TrackedLink{}, dbError("find tracked link", err)
	}
	return serentak.TrackedLink{Code: r.Code, Target: r.TargetURL, Ref: r.Ref, Clicks: r.Clicks, LastClickAt: fromDBPtr(r.LastClickAt)}, nil
}

// AddLinkClicks adds clicks to the tracked links by code, and sets their
// last_click_at to at, in one transaction: clicks = clicks + n, so that
// several API processes add to one count. Codes are written in order, as
// every writer does, so two flushes cannot deadlock on PostgreSQL. A code
// that no longer exists (its workspace deleted) is skipped.
func (s *Store) AddLinkClicks(ctx context.Context, clicks map[string]int64, at time.Time) error {
	codes := make([]string, 0, len(clicks))
	for code, n := range clicks {
		if n > 0 {
			codes = append(codes, code)
		}
	}
	if len(codes) == 0 {
		return nil
	}
	slices.Sort(codes)
	at = dbTime(at)
	return s.tx(ctx, func(tx *gorm.DB) error {
		for _, code := range codes {
			err := tx.Model(&trackedLinkRow{}).Where("code = ?", code).Updates(map[string]any{
				"clicks":        gorm.Expr("clicks + ?", clicks[code]),
				"last_click_at": gorm.Expr("CASE WHEN last_click_at IS NULL OR last_click_at < ? THEN ? ELSE last_click_at END", at, at),
			}).Error
			if err != nil {
				return dbError("add link clicks", err)
			}
		}
		return nil
	})
}
