package gormstore

import (
	"context"
	"errors"
	"strings"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/serentak/serentak"
)

// This file keeps what connecting accounts and keeping them connected
// needs: single-use OAuth states, reconnect links, each account's health
// (granted scopes, last check, last error, refresh lease), and the token
// writes that must not lose a rotated refresh token.

// oauthStateRow is one OAuth flow in progress. Only the hash of the state
// is stored, so a database dump cannot finish anyone's login; the PKCE
// verifier is sealed with the state's hash as its aad.
type oauthStateRow struct {
	Hash        string        `gorm:"primaryKey"`
	WorkspaceID string        `gorm:"not null"`
	Platform    string        `gorm:"not null"`
	Verifier    string        `gorm:"type:text;not null"`
	AccountID   string        `gorm:"not null"`           // reconnect: the account it must reach
	LinkHash    string        `gorm:"not null"`           // reconnect: the link it came from
	ReturnTo    string        `gorm:"type:text;not null"` // the web app's page to come back to; "" for none
	ExpiresAt   time.Time     `gorm:"not null;index:idx_oauth_states_expiry"`
	UsedAt      *time.Time    // set once; a used state is kept until it expires to tell "used" from "unknown"
	CreatedAt   time.Time     `gorm:"not null"`
	Workspace   *workspaceRow `gorm:"foreignKey:WorkspaceID"`
}

func (oauthStateRow) TableName() string { return "oauth_states" }

// reconnectLinkRow is a link an agency sends to the account's owner. The
// token itself is never stored, only its hash.
type reconnectLinkRow struct {
	Hash        string    `gorm:"primaryKey"`
	WorkspaceID string    `gorm:"not null"`
	AccountID   string    `gorm:"not null;index:idx_reconnect_links_account"`
	Platform    string    `gorm:"not null"`
	ExpiresAt   time.Time `gorm:"not null"`
	UsedAt      *time.Time
	CreatedAt   time.Time     `gorm:"not null"`
	Workspace   *workspaceRow `gorm:"foreignKey:WorkspaceID"`
	Account     *accountRow   `gorm:"foreignKey:AccountID"`
}

func (reconnectLinkRow) TableName() string { return "reconnect_links" }

// accountHealthRow is what the keep-alive loops know about an account. It
// is a table of its own, not columns of accounts, so the account writes of
// the publishing path never touch it.
type accountHealthRow struct {
	AccountID string `gorm:"primaryKey"`
	// Scopes are the permissions granted at the last connect, space-separated.
	Scopes    string `gorm:"type:text;not null"`
	CheckedAt *time.Time
	LastError string `gorm:"type:text;not null"`
	// RefreshLeaseUntil serializes token refreshes of the account across
	// processes: a rotating refresh token must be spent by one refresher.
	RefreshLeaseUntil *time.Time
	UpdatedAt         time.Time   `gorm:"not null"`
	Account           *accountRow `gorm:"foreignKey:AccountID"`
}

func (accountHealthRow) TableName() string { return "account_health" }

// CreateOAuthState stores a new flow. Expired flows are swept on the way,
// so the table stays as small as the logins in progress.
func (s *Store) CreateOAuthState(ctx context.Context, st serentak.OAuthState) error {
	if st.State == "" || st.WorkspaceID == "" || st.Platform == "" || st.ExpiresAt.IsZero() {
		return errors.New("gormstore: create OAuth state: state, workspace, platform and expiry are required")
	}
	now := s.clock()
	hash := serentak.HashSecret(st.State)
	return s.tx(ctx, func(tx *gorm.DB) error {
		if err := tx.Where("expires_at < ?", now).Delete(&oauthStateRow{}).Error; err != nil {
			return dbError("sweep OAuth states", err)
		}
		r := oauthStateRow{
			Hash: hash, WorkspaceID: st.WorkspaceID, Platform: string(st.Platform),
			Verifier: s.box.Seal(st.Verifier, hash), AccountID: st.AccountID, LinkHash: st.LinkHash, ReturnTo: st.ReturnTo,
			ExpiresAt: dbTime(st.ExpiresAt), CreatedAt: now,
		}
		if err := tx.Create(&r).Error; err != nil {
			return dbError("create OAuth state", err)
		}
		return nil
	})
}

// ConsumeOAuthState spends a flow's state: of any number of concurrent
// callers with the same state exactly one gets it (a conditional UPDATE).
// The state must be the platform's, unused and unexpired; otherwise the
// error is serentak.ErrStateUnknown (also for another platform's state, so
// states cannot be probed across platforms), serentak.ErrStateUsed or
// serentak.ErrStateExpired.
func (s *Store) ConsumeOAuthState(ctx context.Context, platform serentak.Platform, state string) (serentak.OAuthState, error) {
	if state == "" {
		return serentak.OAuthState{}, serentak.ErrStateUnknown
	}
	now := s.clock()
	hash := serentak.HashSecret(state)
	var out serentak.OAuthState
	err := s.tx(ctx, func(tx *gorm.DB) error {
		res := tx.Model(&oauthStateRow{}).
			Where("hash = ? AND platform = ? AND used_at IS NULL AND expires_at > ?", hash, string(platform), now).
			Update("used_at", now)
		if res.Error != nil {
			return dbError("consume OAuth state", res.Error)
		}
		var r oauthStateRow
		err := tx.Where("hash = ? AND platform = ?", hash, string(platform)).Take(&r).Error
		if errors.Is(err, gorm.ErrRecordNotFound) {
			return serentak.ErrStateUnknown
		}
		if err != nil {
			return dbError("find OAuth state", err)
		}
		if res.RowsAffected == 0 {
			if r.UsedAt != nil {
				return serentak.ErrStateUsed
			}
			return serentak.ErrStateExpired
		}
		verifier, err := s.box.Open(r.Verifier, hash)
		if err != nil {
			return dbError("open the PKCE verifier", err)
		}
		out = serentak.OAuthState{
			State: state, WorkspaceID: r.WorkspaceID, Platform: serentak.Platform(r.Platform),
			Verifier: verifier, AccountID: r.AccountID, LinkHash: r.LinkHash, ReturnTo: r.ReturnTo, ExpiresAt: r.ExpiresAt.UTC(),
		}
		return nil
	})
	return out, err
}

// CreateReconnectLink stores a link for an account of the workspace.
func (s *Store) CreateReconnectLink(ctx context.Context, l serentak.ReconnectLink) error {
	if l.Hash == "" || l.WorkspaceID == "" || l.AccountID == "" || l.ExpiresAt.IsZero() {
		return errors.New("gormstore: create reconnect link: hash, workspace, account and expiry are required")
	}
	r := reconnectLinkRow{
		Hash: l.Hash, WorkspaceID: l.WorkspaceID, AccountID: l.AccountID, Platform: string(l.Platform),
		ExpiresAt: dbTime(l.ExpiresAt), CreatedAt: s.clock(),
	}
	if err := s.db.WithContext(ctx).Create(&r).Error; err != nil {
		if errors.Is(err, gorm.ErrForeignKeyViolated) {
			return serentak.NotFound("account")
		}
		return dbError("create reconnect link", err)
	}
	return nil
}

// FindReconnectLink returns a usable link (unused, unexpired) of the
// platform by its hash, or serentak.ErrLinkInvalid.
func (s *Store) FindReconnectLink(ctx context.Context, platform serentak.Platform, hash string) (serentak.ReconnectLink, error) {
	var r reconnectLinkRow
	err := s.db.WithContext(ctx).
		Where("hash = ? AND platform = ? AND used_at IS NULL AND expires_at > ?", hash, string(platform), s.clock()).
		Take(&r).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return serentak.ReconnectLink{}, serentak.ErrLinkInvalid
	}
	if err != nil {
		return serentak.ReconnectLink{}, dbError("find reconnect link", err)
	}
	return serentak.ReconnectLink{
		Hash: r.Hash, WorkspaceID: r.WorkspaceID, AccountID: r.AccountID,
		Platform: serentak.Platform(r.Platform), ExpiresAt: r.ExpiresAt.UTC(),
	}, nil
}

// UseReconnectLink spends a link, once: a conditional UPDATE, so of two
// logins finishing at once through the same link one wins and the other
// gets serentak.ErrLinkInvalid.
func (s *Store) UseReconnectLink(ctx context.Context, hash string) error {
	now := s.clock()
	res := s.db.WithContext(ctx).Model(&reconnectLinkRow{}).
		Where("hash = ? AND used_at IS NULL AND expires_at > ?", hash, now).
		Update("used_at", now)
	if res.Error != nil {
		return dbError("use reconnect link", res.Error)
	}
	if res.RowsAffected == 0 {
		return serentak.ErrLinkInvalid
	}
	return nil
}

// ensureHealth creates the account's health row if it has none.
func ensureHealth(tx *gorm.DB, accountID string, now time.Time) error {
	err := tx.Clauses(clause.OnConflict{DoNothing: true}).
		Create(&accountHealthRow{AccountID: accountID, UpdatedAt: now}).Error
	if errors.Is(err, gorm.ErrForeignKeyViolated) {
		return serentak.NotFound("account")
	}
	if err != nil {
		return dbError("create account health", err)
	}
	return nil
}

func (s *Store) updateHealth(ctx context.Context, accountID string, updates map[string]any) error {
	now := s.clock()
	updates["updated_at"] = now
	return s.tx(ctx, func(tx *gorm.DB) error {
		if err := ensureHealth(tx, accountID, now); err != nil {
			return err
		}
		if err := tx.Model(&accountHealthRow{}).Where("account_id = ?", accountID).Updates(updates).Error; err != nil {
			return dbError("update account health", err)
		}
		return nil
	})
}

// SetAccountGrant records the scopes granted at a (re)connect; the account
// was just proven to work, so its check time is now and its last error
// cleared.
func (s *Store) SetAccountGrant(ctx context.Context, accountID string, scopes []string) error {
	return s.updateHealth(ctx, accountID, map[string]any{
		"scopes":     strings.Join(scopes, " "),
		"checked_at": s.clock(),
		"last_error": "",
	})
}

// RecordAccountCheck records a health check's outcome; lastError "" means
// the account works.
func (s *Store) RecordAccountCheck(ctx context.Context, accountID, lastError string) error {
	return s.updateHealth(ctx, accountID, map[string]any{
		"checked_at": s.clock(),
		"last_error": lastError,
	})
}

// FindAccountHealth returns the health of the workspace's accounts that
// have any, by account ID.
func (s *Store) FindAccountHealth(ctx context.Context, workspaceID string) (map[string]serentak.AccountHealth, error) {
	var rows []accountHealthRow
	err := s.db.WithContext(ctx).
		Where("account_id IN (?)", s.db.Model(&accountRow{}).Select("id").Where("workspace_id = ?", workspaceID)).
		Find(&rows).Error
	if err != nil {
		return nil, dbError("find account health", err)
	}
	out := make(map[string]serentak.AccountHealth, len(rows))
	for _, r := range rows {
		out[r.AccountID] = serentak.AccountHealth{Scopes: strings.Fields(r.Scopes), CheckedAt: fromDBPtr(r.CheckedAt), LastError: r.LastError}
	}
	return out, nil
}

// ClaimTokenRefresh takes the account's refresh lease until until, if no
// one else holds it. Only the holder may spend the account's refresh
// token; the lease runs out by itself if its holder dies.
func (s *Store) ClaimTokenRefresh(ctx context.Context, accountID string, until time.Time) (bool, error) {
	now := s.clock()
	var ok bool
	err := s.tx(ctx, func(tx *gorm.DB) error {
		if err := ensureHealth(tx, accountID, now); err != nil {
			return err
		}
		res := tx.Model(&accountHealthRow{}).
			Where("account_id = ? AND (refresh_lease_until IS NULL OR refresh_lease_until <= ?)", accountID, now).
			Updates(map[string]any{"refresh_lease_until": dbTime(until), "updated_at": now})
		if res.Error != nil {
			return dbError("claim token refresh", res.Error)
		}
		ok = res.RowsAffected == 1
		return nil
	})
	return ok, err
}

// ReleaseTokenRefresh gives the refresh lease back.
func (s *Store) ReleaseTokenRefresh(ctx context.Context, accountID string) error {
	err := s.db.WithContext(ctx).Model(&accountHealthRow{}).Where("account_id = ?", accountID).
		Updates(map[string]any{"refresh_lease_until": nil, "updated_at": s.clock()}).Error
	if err != nil {
		return dbError("release token refresh", err)
	}
	return nil
}

// SwapAccountToken stores a refreshed token only if the account's stored
// refresh token is still used, the one the refresh spent: a compare and
// swap. swapped is false when another process stored a newer token first;
// that newer token then stays, and the caller's is discarded. An empty
// t.RefreshToken keeps the stored one (Google sends none on refresh).
//
// Tokens are sealed with a random nonce, so the comparison happens here,
// after decrypting, with the row locked (SELECT … FOR UPDATE on
// PostgreSQL; SQLite's transactions hold the write lock from BEGIN).
func (s *Store) SwapAccountToken(ctx context.Context, workspaceID, id, used string, t serentak.Token) (swapped bool, err error) {
	if t.AccessToken == "" {
		return false, errors.New("gormstore: swap account token: the new access token is empty")
	}
	err = s.tx(ctx, func(tx *gorm.DB) error {
		q := tx.Where("id = ? AND workspace_id = ?", id, workspaceID)
		if s.dialect == Postgres {
			q = q.Clauses(clause.Locking{Strength: "UPDATE"})
		}
		var r accountRow
		err := q.Take(&r).Error
		if errors.Is(err, gorm.ErrRecordNotFound) {
			return serentak.NotFound("account")
		}
		if err != nil {
			return dbError("lock account", err)
		}
		stored, err := s.box.Open(r.RefreshToken, r.ID)
		if err != nil {
			return dbError("open refresh token", err)
		}
		if stored != used {
			return nil
		}
		updates := map[string]any{
			"access_token":     s.box.Seal(t.AccessToken, id),
			"token_expires_at": dbTimePtr(t.ExpiresAt),
			"updated_at":       s.clock(),
		}
		if t.RefreshToken != "" {
			updates["refresh_token"] = s.box.Seal(t.RefreshToken, id)
		}
		if err := tx.Model(&accountRow{}).Where("id = ?", id).Updates(updates).Error; err != nil {
			return dbError("update account token", err)
		}
		swapped = true
		return nil
	})
	return swapped, err
}

// FindAccountsToRefresh returns the platform's active accounts whose token
// expires at or before before, soonest first, tokens included.
func (s *Store) FindAccountsToRefresh(ctx context.Context, platform serentak.Platform, before time.Time, limit int) ([]serentak.Account, error) {
	if limit <= 0 {
		limit = DefaultBatch
	}
	var rows []accountRow
	err := s.db.WithContext(ctx).
		Where("platform = ? AND status = ? AND token_expires_at IS NOT NULL AND token_expires_at <= ?",
			string(platform), string(serentak.AccountActive), dbTime(before)).
		Order("token_expires_at, id").Limit(limit).Find(&rows).Error
	if err != nil {
		return nil, dbError("find accounts to refresh", err)
	}
	return s.toAccounts(rows)
}

// FindAccountsToCheck returns active accounts that have a scheduled
// delivery due at or before dueBefore and have not been checked since
// checkedSince, tokens included: the pre-flight health check's work.
func (s *Store) FindAccountsToCheck(ctx context.Context, dueBefore, checkedSince time.Time, limit int) ([]serentak.Account, error) {
	if limit <= 0 {
		limit = DefaultBatch
	}
	db := s.db.WithContext(ctx)
	due := db.Model(&deliveryRow{}).Select("account_id").
		Where("status = "+sqlScheduled+" AND scheduled_at <= ?", dbTime(dueBefore))
	fresh := db.Model(&accountHealthRow{}).Select("account_id").
		Where("checked_at IS NOT NULL AND checked_at >= ?", dbTime(checkedSince))
	var rows []accountRow
	err := db.Where("status = ? AND id IN (?) AND id NOT IN (?)", string(serentak.AccountActive), due, fresh).
		Order("id").Limit(limit).Find(&rows).Error
	if err != nil {
		return nil, dbError("find accounts to check", err)
	}
	return s.toAccounts(rows)
}

func (s *Store) toAccounts(rows []accountRow) ([]serentak.Account, error) {
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

// FlagScheduledDeliveries writes e on the account's scheduled deliveries
// due at or before dueBefore (zero: all of them) whose error is not
// already e.Code, and returns how many changed. The deliveries stay
// scheduled: the flag tells the user hours ahead what will happen unless
// they act. Publishing overwrites or clears it.
func (s *Store) FlagScheduledDeliveries(ctx context.Context, workspaceID, accountID string, dueBefore time.Time, e serentak.DeliveryError) (int64, error) {
	q := s.db.WithContext(ctx).Model(&deliveryRow{}).
		Where("workspace_id = ? AND account_id = ? AND status = "+sqlScheduled+" AND error_code <> ?", workspaceID, accountID, e.Code)
	if !dueBefore.IsZero() {
		q = q.Where("scheduled_at <= ?", dbTime(dueBefore))
	}
	res := q.Updates(map[string]any{
		"error_code": e.Code, "error_message": e.Message, "error_retryable": e.Retryable, "updated_at": s.clock(),
	})
	if res.Error != nil {
		return 0, dbError("flag scheduled deliveries", res.Error)
	}
	return res.RowsAffected, nil
}

// ClearScheduledDeliveryFlags removes a flag FlagScheduledDeliveries wrote
// (the error code code) from the account's scheduled deliveries, once the
// account works again.
func (s *Store) ClearScheduledDeliveryFlags(ctx context.Context, workspaceID, accountID, code string) (int64, error) {
	res := s.db.WithContext(ctx).Model(&deliveryRow{}).
		Where("workspace_id = ? AND account_id = ? AND status = "+sqlScheduled+" AND error_code = ?", workspaceID, accountID, code).
		Updates(map[string]any{"error_code": "", "error_message": "", "error_retryable": false, "updated_at": s.clock()})
	if res.Error != nil {
		return 0, dbError("clear scheduled delivery flags", res.Error)
	}
	return res.RowsAffected, nil
}

// FindAccountsNeedingReauthWithDue returns accounts in needs_reauth that
// have a scheduled delivery due at or before dueBefore not yet flagged with
// code: accounts the worker found broken, whose other posts should say so.
func (s *Store) FindAccountsNeedingReauthWithDue(ctx context.Context, dueBefore time.Time, code string, limit int) ([]serentak.Account, error) {
	if limit <= 0 {
		limit = DefaultBatch
	}
	db := s.db.WithContext(ctx)
	due := db.Model(&deliveryRow{}).Select("account_id").
		Where("status = "+sqlScheduled+" AND scheduled_at <= ? AND error_code <> ?", dbTime(dueBefore), code)
	var rows []accountRow
	err := db.Where("status = ? AND id IN (?)", string(serentak.AccountNeedsReauth), due).
		Order("id").Limit(limit).Find(&rows).Error
	if err != nil {
		return nil, dbError("find accounts needing reauth", err)
	}
	return s.toAccounts(rows)
}
