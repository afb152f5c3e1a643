package gormstore

import (
	"context"
	"errors"
	"fmt"

	"gorm.io/gorm"

	"github.com/serentak/serentak"
)

// errAccountRace: a concurrent UpsertAccount created the same account
// between our look-up and our insert; looking it up again finds it.
var errAccountRace = errors.New("gormstore: account created concurrently")

// UpsertAccount stores a connected account, keyed by (workspace, platform,
// external ID). A new account takes a.ID and created is true. An existing
// one keeps its ID and is updated in place: name, tokens, and status back to
// active. A stored refresh token is never replaced by an empty one (some
// platforms send it only on the first authorization). The account returned
// is the stored one, tokens included.
func (s *Store) UpsertAccount(ctx context.Context, a serentak.Account) (serentak.Account, bool, error) {
	if a.WorkspaceID == "" || a.Platform == "" || a.ExternalID == "" {
		return serentak.Account{}, false, errors.New("gormstore: upsert account: workspace ID, platform and external ID are required")
	}
	for attempt := 0; ; attempt++ {
		acc, created, err := s.upsertAccount(ctx, a)
		if errors.Is(err, errAccountRace) {
			if attempt == 0 {
				continue
			}
			// Not a race after all: the new ID is another account's.
			return serentak.Account{}, false, serentak.Errorf(serentak.ECodeConflict, "account ID %s is already taken", a.ID)
		}
		return acc, created, err
	}
}

func (s *Store) upsertAccount(ctx context.Context, a serentak.Account) (acc serentak.Account, created bool, err error) {
	now := s.clock()
	err = s.tx(ctx, func(tx *gorm.DB) error {
		var r accountRow
		err := tx.Where("workspace_id = ? AND platform = ? AND external_id = ?", a.WorkspaceID, string(a.Platform), a.ExternalID).Take(&r).Error
		switch {
		case errors.Is(err, gorm.ErrRecordNotFound):
			if a.ID == "" {
				return errors.New("gormstore: upsert account: a new account needs an ID")
			}
			r = accountRow{
				ID: a.ID, WorkspaceID: a.WorkspaceID, Platform: string(a.Platform), ExternalID: a.ExternalID,
				Name: a.Name, Status: string(serentak.AccountActive),
				AccessToken:    s.box.Seal(a.Token.AccessToken, a.ID),
				RefreshToken:   s.box.Seal(a.Token.RefreshToken, a.ID),
				TokenExpiresAt: dbTimePtr(a.Token.ExpiresAt),
				CreatedAt:      now, UpdatedAt: now,
			}
			if err := tx.Create(&r).Error; err != nil {
				if errors.Is(err, gorm.ErrDuplicatedKey) {
					return errAccountRace
				}
				return dbError("create account", err)
			}
			created = true
		case err != nil:
			return dbError("find account", err)
		default:
			updates := map[string]any{
				"access_token":     s.box.Seal(a.Token.AccessToken, r.ID),
				"token_expires_at": dbTimePtr(a.Token.ExpiresAt),
				"status":           string(serentak.AccountActive),
				"status_reason":    "",
				"updated_at":       now,
			}
			if a.Name != "" {
				updates["name"] = a.Name
			}
			if a.Token.RefreshToken != "" {
				updates["refresh_token"] = s.box.Seal(a.Token.RefreshToken, r.ID)
			}
			if err := tx.Model(&accountRow{}).Where("id = ?", r.ID).Updates(updates).Error; err != nil {
				return dbError("update account", err)
			}
			if r.Status == string(serentak.AccountNeedsReauth) {
				if err := s.emit(tx, now, outEvent{r.WorkspaceID, serentak.EventAccountReconnected, r.ID}); err != nil {
					return err
				}
			}
			// Into a fresh row: GORM leaves a field alone when it scans NULL.
			id := r.ID
			r = accountRow{}
			if err := tx.Where("id = ?", id).Take(&r).Error; err != nil {
				return dbError("reload account", err)
			}
		}
		acc, err = s.toAccount(r)
		return err
	})
	return acc, created, err
}

// FindAccountByID returns an account of the workspace with its tokens.
func (s *Store) FindAccountByID(ctx context.Context, workspaceID, id string) (serentak.Account, error) {
	return s.findAccount(s.db.WithContext(ctx), workspaceID, id)
}

func (s *Store) findAccount(db *gorm.DB, workspaceID, id string) (serentak.Account, error) {
	var r accountRow
	err := db.Where("id = ? AND workspace_id = ?", id, workspaceID).Take(&r).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return serentak.Account{}, serentak.NotFound("account")
	}
	if err != nil {
		return serentak.Account{}, dbError("find account", err)
	}
	return s.toAccount(r)
}

// FindAccounts returns the workspace's accounts, oldest first.
func (s *Store) FindAccounts(ctx context.Context, workspaceID string) ([]serentak.Account, error) {
	var rows []accountRow
	if err := s.db.WithContext(ctx).Where("workspace_id = ?", workspaceID).Order("created_at, id").Find(&rows).Error; err != nil {
		return nil, dbError("find accounts", err)
	}
	out := make([]serentak.Account, 0, len(rows))
	for _, r := range rows {
		a, err := s.toAccount(r)
		if err != nil {
			return nil, err
		}
		out = append(out, a)
	}
	return out, nil
}

// UpdateAccountToken stores a refreshed token in one statement. An empty
// refresh token keeps the stored one.
func (s *Store) UpdateAccountToken(ctx context.Context, workspaceID, id string, t serentak.Token) error {
	updates := map[string]any{
		"access_token":     s.box.Seal(t.AccessToken, id),
		"token_expires_at": dbTimePtr(t.ExpiresAt),
		"updated_at":       s.clock(),
	}
	if t.RefreshToken != "" {
		updates["refresh_token"] = s.box.Seal(t.RefreshToken, id)
	}
	return s.updateAccount(ctx, workspaceID, id, updates)
}

// MarkAccountNeedsReauth records that the account's owner must connect it
// again, and why. Only the change to needs_reauth writes the
// account.needs_reauth webhook event: the worker and the pre-flight check
// may both find the same broken token, and the receiver hears of it once.
func (s *Store) MarkAccountNeedsReauth(ctx context.Context, workspaceID, id, reason string) error {
	now := s.clock()
	set := map[string]any{"status": string(serentak.AccountNeedsReauth), "status_reason": reason, "updated_at": now}
	return s.tx(ctx, func(tx *gorm.DB) error {
		res := tx.Model(&accountRow{}).Where("id = ? AND workspace_id = ? AND status <> ?", id, workspaceID,
			string(serentak.AccountNeedsReauth)).Updates(set)
		if res.Error != nil {
			return dbError("update account", res.Error)
		}
		if res.RowsAffected == 1 {
			return s.emit(tx, now, outEvent{workspaceID, serentak.EventAccountNeedsReauth, id})
		}
		// Already needing reauth (the reason is updated) or not found.
		res = tx.Model(&accountRow{}).Where("id = ? AND workspace_id = ?", id, workspaceID).Updates(set)
		if res.Error != nil {
			return dbError("update account", res.Error)
		}
		if res.RowsAffected == 0 {
			return serentak.NotFound("account")
		}
		return nil
	})
}

func (s *Store) updateAccount(ctx context.Context, workspaceID, id string, updates map[string]any) error {
	res := s.db.WithContext(ctx).Model(&accountRow{}).
		Where("id = ? AND workspace_id = ?", id, workspaceID).Updates(updates)
	if res.Error != nil {
		return dbError("update account", res.Error)
	}
	if res.RowsAffected == 0 {
		return serentak.NotFound("account")
	}
	return nil
}

// toAccount converts a row, decrypting its tokens.
func (s *Store) toAccount(r accountRow) (serentak.Account, error) {
	access, err := s.box.Open(r.AccessToken, r.ID)
	if err != nil {
		return serentak.Account{}, fmt.Errorf("gormstore: account %s: access token: %w", r.ID, err)
	}
	refresh, err := s.box.Open(r.RefreshToken, r.ID)
	if err != nil {
		return serentak.Account{}, fmt.Errorf("gormstore: account %s: refresh token: %w", r.ID, err)
	}
	return serentak.Account{
		ID: r.ID, WorkspaceID: r.WorkspaceID, Platform: serentak.Platform(r.Platform),
		ExternalID: r.ExternalID, Name: r.Name,
		Status: serentak.AccountStatus(r.Status), StatusReason: r.StatusReason,
		Token:     serentak.Token{AccessToken: access, RefreshToken: refresh, ExpiresAt: fromDBPtr(r.TokenExpiresAt)},
		CreatedAt: r.CreatedAt.UTC(), UpdatedAt: r.UpdatedAt.UTC(),
	}, nil
}

// AccountRemovedCode is the error code of a delivery canceled because its
// account was removed (DeleteAccount).
const AccountRemovedCode = "account_removed"

// DeleteAccount removes an account of the workspace, in one transaction:
// its deliveries not started (scheduled, awaiting approval or rejected)
// become canceled with the error account_removed and their posts' statuses
// are recomputed; its tokens are erased; its reconnect links and health
// record go; the row is marked deleted (kept, because past deliveries name
// it) and answers not_found from then on. A delivery being published keeps
// its claim and finishes with the token it already holds. It returns the
// account as it was, tokens included, so that the caller can revoke them at
// the platform after the commit.
func (s *Store) DeleteAccount(ctx context.Context, workspaceID, id string) (serentak.Account, error) {
	var out serentak.Account
	err := s.tx(ctx, func(tx *gorm.DB) error {
		var r accountRow
		err := tx.Where("id = ? AND workspace_id = ?", id, workspaceID).Take(&r).Error
		if errors.Is(err, gorm.ErrRecordNotFound) {
			return serentak.NotFound("account")
		}
		if err != nil {
			return dbError("find account", err)
		}
		if out, err = s.toAccount(r); err != nil {
			return err
		}
		now := s.clock()
		var postIDs []string
		err = tx.Model(&deliveryRow{}).Distinct("post_id").
			Where("workspace_id = ? AND account_id = ? AND status IN ?", workspaceID, id, notStarted()).
			Pluck("post_id", &postIDs).Error
		if err != nil {
			return dbError("find the account's deliveries", err)
		}
		if len(postIDs) > 0 {
			err = tx.Model(&deliveryRow{}).
				Where("workspace_id = ? AND account_id = ? AND status IN ?", workspaceID, id, notStarted()).
				Updates(map[string]any{
					"status": string(serentak.DeliveryCanceled), "updated_at": now,
					"error_code": AccountRemovedCode, "error_message": "account removed: the account was disconnected from this workspace before this delivery started",
					"error_retryable": false,
				}).Error
			if err != nil {
				return dbError("cancel the account's deliveries", err)
			}
			if err := s.recomputePostStatuses(tx, postIDs, now); err != nil {
				return err
			}
		}
		for _, st := range []struct {
			what  string
			model any
		}{{"reconnect links", &reconnectLinkRow{}}, {"account health", &accountHealthRow{}}} {
			if err := tx.Where("account_id = ?", id).Delete(st.model).Error; err != nil {
				return dbError("delete the account's "+st.what, err)
			}
		}
		err = tx.Model(&accountRow{}).Where("id = ?", id).Updates(map[string]any{
			"access_token": "", "refresh_token": "", "token_expires_at": nil,
			"updated_at": now, "deleted_at": now,
		}).Error
		if err != nil {
			return dbError("delete account", err)
		}
		return nil
	})
	return out, err
}

// notStarted lists the statuses of deliveries that have not started
// (serentak.DeliveryStatus.Editable): what a cancel, a delete or an edit
// may still change.
func notStarted() []string {
	return []string{string(serentak.DeliveryScheduled), string(serentak.DeliveryPendingApproval),
		string(serentak.DeliveryRejected), string(serentak.DeliveryDraft)}
}

// CountAccounts counts the connected accounts (removed ones left out) by
// platform and status: the scheduler role's serentak_accounts gauge.
func (s *Store) CountAccounts(ctx context.Context) (map[serentak.Platform]map[serentak.AccountStatus]int, error) {
	var rows []struct {
		Platform, Status string
		N                int
	}
	err := s.db.WithContext(ctx).Model(&accountRow{}).
		Select("platform, status, COUNT(*) AS n").
		Group("platform, status").Scan(&rows).Error
	if err != nil {
		return nil, dbError("count accounts", err)
	}
	out := map[serentak.Platform]map[serentak.AccountStatus]int{}
	for _, r := range rows {
		p := serentak.Platform(r.Platform)
		if out[p] == nil {
			out[p] = map[serentak.AccountStatus]int{}
		}
		out[p][serentak.AccountStatus(r.Status)] = r.N
	}
	return out, nil
}
