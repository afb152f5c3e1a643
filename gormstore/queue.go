package gormstore

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"gorm.io/gorm"

	"github.com/serentak/serentak"
)

// queueSlotRow is one weekly posting slot of a workspace (migration 0009).
type queueSlotRow struct {
	WorkspaceID string `gorm:"primaryKey"`
	Day         int    `gorm:"primaryKey"`
	Minute      int    `gorm:"primaryKey"`
}

func (queueSlotRow) TableName() string { return "queue_slots" }

// slotHolders are the post statuses that hold a queue slot: a post that
// will still be published at its time. A canceled, finished, rejected or
// deleted post frees it.
var slotHolders = []string{
	string(serentak.PostScheduled), string(serentak.PostPendingApproval), string(serentak.PostPublishing),
}

// PutQueue replaces a workspace's posting slots (not_found when the
// workspace does not exist) and returns them sorted, duplicates merged.
func (s *Store) PutQueue(ctx context.Context, workspaceID string, slots []serentak.QueueSlot) ([]serentak.QueueSlot, error) {
	slots = serentak.SortQueueSlots(slots)
	err := s.tx(ctx, func(tx *gorm.DB) error {
		if _, err := s.lockQueue(tx, workspaceID); err != nil {
			return err
		}
		if err := tx.Where("workspace_id = ?", workspaceID).Delete(&queueSlotRow{}).Error; err != nil {
			return dbError("delete queue slots", err)
		}
		if len(slots) == 0 {
			return nil
		}
		rows := make([]queueSlotRow, len(slots))
		for i, sl := range slots {
			rows[i] = queueSlotRow{WorkspaceID: workspaceID, Day: int(sl.Day), Minute: sl.Minute}
		}
		if err := tx.Create(&rows).Error; err != nil {
			return dbError("create queue slots", err)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return slots, nil
}

// FindQueue returns a workspace's slots and up to n free slot times from
// from on (not_found when the workspace does not exist).
func (s *Store) FindQueue(ctx context.Context, workspaceID string, from time.Time, n int) (serentak.Queue, error) {
	var q serentak.Queue
	err := s.tx(ctx, func(tx *gorm.DB) error {
		var ws workspaceRow
		err := tx.Where("id = ?", workspaceID).Take(&ws).Error
		if errors.Is(err, gorm.ErrRecordNotFound) {
			return serentak.NotFound("workspace")
		}
		if err != nil {
			return dbError("find workspace", err)
		}
		q, err = s.readQueue(tx, workspaceID, ws.Timezone, from, n)
		return err
	})
	return q, err
}

// readQueue reads the slots and computes the next n free times.
func (s *Store) readQueue(tx *gorm.DB, workspaceID, timezone string, from time.Time, n int) (serentak.Queue, error) {
	loc, err := time.LoadLocation(timezone)
	if err != nil {
		return serentak.Queue{}, fmt.Errorf("gormstore: workspace %s has an unknown timezone %q: %w", workspaceID, timezone, err)
	}
	var rows []queueSlotRow
	if err := tx.Where("workspace_id = ?", workspaceID).Order("day, minute").Find(&rows).Error; err != nil {
		return serentak.Queue{}, dbError("find queue slots", err)
	}
	q := serentak.Queue{Timezone: timezone, Slots: make([]serentak.QueueSlot, len(rows))}
	for i, r := range rows {
		q.Slots[i] = serentak.QueueSlot{Day: time.Weekday(r.Day), Minute: r.Minute}
	}
	if len(rows) == 0 || n <= 0 {
		return q, nil
	}
	// Every time a live post of the workspace holds within the horizon:
	// bounded by how many posts a workspace plans a year ahead.
	var held []time.Time
	err = tx.Model(&postRow{}).Distinct("scheduled_at").
		Where("workspace_id = ? AND status IN ? AND scheduled_at >= ? AND scheduled_at < ?",
			workspaceID, slotHolders, dbTime(from), dbTime(from.Add(serentak.QueueHorizon))).
		Pluck("scheduled_at", &held).Error
	if err != nil {
		return serentak.Queue{}, dbError("find the times posts hold", err)
	}
	taken := make(map[int64]bool, len(held))
	for _, t := range held {
		taken[t.UnixMicro()] = true
	}
	q.Next = serentak.NextQueueTimes(q.Slots, loc, from, n, func(t time.Time) bool { return taken[t.UnixMicro()] })
	return q, nil
}

// lockQueue locks the workspace's row for the rest of the transaction and
// returns its timezone: two queued posts of one workspace take their slots
// one after the other. On PostgreSQL, FOR NO KEY UPDATE does not hold up
// the foreign key checks of other inserts (they take KEY SHARE); SQLite
// runs one transaction at a time already.
func (s *Store) lockQueue(tx *gorm.DB, workspaceID string) (string, error) {
	q := "SELECT timezone FROM workspaces WHERE id = ?"
	if s.dialect == Postgres {
		q += " FOR NO KEY UPDATE"
	}
	var tz []string
	if err := tx.Raw(q, workspaceID).Scan(&tz).Error; err != nil {
		return "", dbError("lock the workspace's queue", err)
	}
	if len(tz) == 0 {
		return "", serentak.NotFound("workspace")
	}
	return tz[0], nil
}

// CreateQueuedPost stores a post at the next free slot of its workspace's
// queue from from on, in one transaction with the slot's choice: the post
// gets the slot's time and its deliveries move with it (each keeps its
// distance from the post's time). No slots, or none free within
// serentak.QueueHorizon: validation_failed naming "queue". Idempotency as
// CreatePost.
func (s *Store) CreateQueuedPost(ctx context.Context, p serentak.Post, idem *serentak.IdempotencyKey, from time.Time) (serentak.Post, bool, error) {
	ps, created, err := s.createPosts(ctx, []serentak.Post{p}, idem, func(tx *gorm.DB, ps []serentak.Post) error {
		tz, err := s.lockQueue(tx, p.WorkspaceID)
		if err != nil {
			return err
		}
		q, err := s.readQueue(tx, p.WorkspaceID, tz, from, 1)
		if err != nil {
			return err
		}
		if len(q.Slots) == 0 {
			return serentak.Invalid("the workspace has no posting slots",
				serentak.FieldError{Field: "queue", Code: "no_slots", Message: "the workspace has no posting slots; set them with PUT /v1/workspaces/{ws}/queue, or give scheduled_at"})
		}
		if len(q.Next) == 0 {
			return serentak.Invalid("every posting slot of the coming year is taken",
				serentak.FieldError{Field: "queue", Code: "full", Message: "every posting slot of the coming year is taken; add slots, or give scheduled_at"})
		}
		// Deliveries move with the post: one the YouTube quota put on a
		// later day keeps its distance from the post's time.
		at := q.Next[0]
		shift := at.Sub(ps[0].ScheduledAt)
		ps[0].ScheduledAt = at
		ds := slices.Clone(ps[0].Deliveries)
		for i := range ds {
			ds[i].ScheduledAt = ds[i].ScheduledAt.Add(shift)
		}
		ps[0].Deliveries = ds
		return nil
	})
	if err != nil {
		return serentak.Post{}, false, err
	}
	return ps[0], created, nil
}

// CreatePostSeries stores a repeat series (serentak.RepeatTimes): every
// post and its deliveries in one transaction, each post's RepeatOf set to
// the first's ID, the Idempotency-Key recorded for the first. A replay
// answers the whole series, in time order, with created=false.
func (s *Store) CreatePostSeries(ctx context.Context, ps []serentak.Post, idem *serentak.IdempotencyKey) ([]serentak.Post, bool, error) {
	if len(ps) == 0 {
		return nil, false, errors.New("gormstore: create post series: no posts")
	}
	series := make([]serentak.Post, len(ps))
	for i, p := range ps {
		p.RepeatOf = ps[0].ID
		series[i] = p
	}
	return s.createPosts(ctx, series, idem, nil)
}

// loadSeries returns the posts of first's repeat series in time order, or
// first alone.
func loadSeries(tx *gorm.DB, first serentak.Post) ([]serentak.Post, error) {
	if first.RepeatOf == "" {
		return []serentak.Post{first}, nil
	}
	var ids []string
	err := tx.Model(&postRow{}).Where("workspace_id = ? AND repeat_of = ?", first.WorkspaceID, first.RepeatOf).
		Order("scheduled_at, id").Pluck("id", &ids).Error
	if err != nil {
		return nil, dbError("find the posts of a repeat series", err)
	}
	out := make([]serentak.Post, 0, len(ids))
	for _, id := range ids {
		p, err := loadPost(tx, first.WorkspaceID, id)
		if err != nil {
			return nil, err
		}
		out = append(out, p)
	}
	return out, nil
}

// FindSeriesIDs returns the IDs of the posts of a repeat series, first in
// time order; none when the series is not the workspace's.
func (s *Store) FindSeriesIDs(ctx context.Context, workspaceID, firstID string) ([]string, error) {
	var ids []string
	err := s.db.WithContext(ctx).Model(&postRow{}).Where("workspace_id = ? AND repeat_of = ?", workspaceID, firstID).
		Order("scheduled_at, id").Pluck("id", &ids).Error
	if err != nil {
		return nil, dbError("find the posts of a repeat series", err)
	}
	return ids, nil
}
