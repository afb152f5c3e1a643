package gormstore

import (
	"context"
	"errors"
	"strings"
	"time"

	"gorm.io/gorm"

	"github.com/serentak/serentak"
)

// People, their sessions, memberships and password links: migration 0004.

type userRow struct {
	ID           string    `gorm:"primaryKey"`
	Email        string    `gorm:"not null;uniqueIndex:idx_users_email"` // lower-cased
	Name         string    `gorm:"not null"`
	PasswordHash string    `gorm:"not null;default:''"`
	CreatedAt    time.Time `gorm:"not null"`
}

func (userRow) TableName() string { return "users" }

type sessionRow struct {
	ID         string    `gorm:"primaryKey"`
	UserID     string    `gorm:"not null;index:idx_sessions_user"`
	Hash       string    `gorm:"not null;uniqueIndex:idx_sessions_hash"`
	CreatedAt  time.Time `gorm:"not null"`
	LastUsedAt time.Time `gorm:"not null"`
	ExpiresAt  time.Time `gorm:"not null"`
	User       *userRow  `gorm:"foreignKey:UserID"`
}

func (sessionRow) TableName() string { return "sessions" }

type membershipRow struct {
	WorkspaceID string        `gorm:"primaryKey"`
	UserID      string        `gorm:"primaryKey;index:idx_memberships_user"`
	Role        string        `gorm:"not null"`
	CreatedAt   time.Time     `gorm:"not null"`
	Workspace   *workspaceRow `gorm:"foreignKey:WorkspaceID"`
	User        *userRow      `gorm:"foreignKey:UserID"`
}

func (membershipRow) TableName() string { return "memberships" }

type passwordTokenRow struct {
	Hash      string    `gorm:"primaryKey"`
	UserID    string    `gorm:"not null;index:idx_password_tokens_user"`
	Kind      string    `gorm:"not null"`
	ExpiresAt time.Time `gorm:"not null"`
	CreatedAt time.Time `gorm:"not null"`
	User      *userRow  `gorm:"foreignKey:UserID"`
}

func (passwordTokenRow) TableName() string { return "password_tokens" }

func (r userRow) user() serentak.User {
	return serentak.User{ID: r.ID, Email: r.Email, Name: r.Name, PasswordHash: r.PasswordHash, CreatedAt: r.CreatedAt.UTC()}
}

func (r sessionRow) session() serentak.Session {
	return serentak.Session{ID: r.ID, UserID: r.UserID, Hash: r.Hash, CreatedAt: r.CreatedAt.UTC(),
		LastUsedAt: r.LastUsedAt.UTC(), ExpiresAt: r.ExpiresAt.UTC()}
}

func (r membershipRow) membership() serentak.Membership {
	return serentak.Membership{WorkspaceID: r.WorkspaceID, UserID: r.UserID, Role: serentak.Role(r.Role), CreatedAt: r.CreatedAt.UTC()}
}

// CreateUser stores a user (its email lower-cased) and, when token is not
// nil, a password link for it, together. A taken email is conflict,
// whatever its case.
func (s *Store) CreateUser(ctx context.Context, u serentak.User, token *serentak.PasswordToken) error {
	if u.ID == "" || u.Email == "" {
		return errors.New("gormstore: create user: the ID and email are required")
	}
	r := userRow{ID: u.ID, Email: strings.ToLower(u.Email), Name: u.Name, PasswordHash: u.PasswordHash, CreatedAt: dbTime(u.CreatedAt)}
	if u.CreatedAt.IsZero() {
		r.CreatedAt = s.clock()
	}
	return s.tx(ctx, func(tx *gorm.DB) error {
		if err := tx.Create(&r).Error; err != nil {
			if errors.Is(err, gorm.ErrDuplicatedKey) {
				return serentak.Errorf(serentak.ECodeConflict, "a user with this email already exists")
			}
			return dbError("create user", err)
		}
		if token != nil {
			token.UserID = u.ID
			return createPasswordToken(tx, *token, r.CreatedAt)
		}
		return nil
	})
}

func createPasswordToken(tx *gorm.DB, t serentak.PasswordToken, now time.Time) error {
	r := passwordTokenRow{Hash: t.Hash, UserID: t.UserID, Kind: t.Kind, ExpiresAt: dbTime(t.ExpiresAt), CreatedAt: dbTime(t.CreatedAt)}
	if t.CreatedAt.IsZero() {
		r.CreatedAt = now
	}
	if err := tx.Create(&r).Error; err != nil {
		return dbError("create password link", err)
	}
	return nil
}

// CreatePasswordToken stores a password link of an existing user
// (not_found otherwise).
func (s *Store) CreatePasswordToken(ctx context.Context, t serentak.PasswordToken) error {
	return s.tx(ctx, func(tx *gorm.DB) error {
		if _, err := findUser(tx, "id = ?", t.UserID); err != nil {
			return err
		}
		return createPasswordToken(tx, t, s.clock())
	})
}

// FindUserByID returns a user.
func (s *Store) FindUserByID(ctx context.Context, id string) (serentak.User, error) {
	return findUser(s.db.WithContext(ctx), "id = ?", id)
}

// FindUserByEmail returns the user with this email, whatever its case.
func (s *Store) FindUserByEmail(ctx context.Context, email string) (serentak.User, error) {
	return findUser(s.db.WithContext(ctx), "email = ?", strings.ToLower(email))
}

func findUser(db *gorm.DB, where string, arg string) (serentak.User, error) {
	var r userRow
	err := db.Where(where, arg).Take(&r).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return serentak.User{}, serentak.NotFound("user")
	}
	if err != nil {
		return serentak.User{}, dbError("find user", err)
	}
	return r.user(), nil
}

// CheckPasswordToken reports not_found unless a live password link of
// kind hashes to hash at now: a cheap read before a password is hashed.
func (s *Store) CheckPasswordToken(ctx context.Context, hash, kind string, now time.Time) error {
	var n int64
	err := s.db.WithContext(ctx).Model(&passwordTokenRow{}).Where("hash = ? AND kind = ? AND expires_at > ?", hash, kind, dbTime(now)).Count(&n).Error
	if err != nil {
		return dbError("find password link", err)
	}
	if n == 0 {
		return serentak.NotFound("link")
	}
	return nil
}

// SetPasswordWithToken uses up a live password link of kind (its row is
// deleted, so it works once): the user's password hash becomes
// passwordHash and every session of the user ends. not_found when no such
// link is live at now.
func (s *Store) SetPasswordWithToken(ctx context.Context, hash, kind, passwordHash string, now time.Time) (serentak.User, error) {
	var u serentak.User
	err := s.tx(ctx, func(tx *gorm.DB) error {
		var t passwordTokenRow
		err := tx.Where("hash = ? AND kind = ? AND expires_at > ?", hash, kind, dbTime(now)).Take(&t).Error
		if errors.Is(err, gorm.ErrRecordNotFound) {
			return serentak.NotFound("link")
		}
		if err != nil {
			return dbError("find password link", err)
		}
		res := tx.Where("hash = ?", hash).Delete(&passwordTokenRow{})
		if res.Error != nil {
			return dbError("use password link", res.Error)
		}
		if res.RowsAffected == 0 { // another request used it first
			return serentak.NotFound("link")
		}
		if err := tx.Model(&userRow{}).Where("id = ?", t.UserID).Update("password_hash", passwordHash).Error; err != nil {
			return dbError("set password", err)
		}
		if err := tx.Where("user_id = ?", t.UserID).Delete(&sessionRow{}).Error; err != nil {
			return dbError("end sessions", err)
		}
		u, err = findUser(tx, "id = ?", t.UserID)
		return err
	})
	return u, err
}

// CreateSession stores a session (only its token's hash).
func (s *Store) CreateSession(ctx context.Context, ses serentak.Session) error {
	r := sessionRow{ID: ses.ID, UserID: ses.UserID, Hash: ses.Hash, CreatedAt: dbTime(ses.CreatedAt),
		LastUsedAt: dbTime(ses.LastUsedAt), ExpiresAt: dbTime(ses.ExpiresAt)}
	if err := s.db.WithContext(ctx).Create(&r).Error; err != nil {
		return dbError("create session", err)
	}
	return nil
}

// FindSessionByHash returns the session whose token hashes to hash and
// that has not expired at now: one read by a unique index.
func (s *Store) FindSessionByHash(ctx context.Context, hash string, now time.Time) (serentak.Session, error) {
	var r sessionRow
	err := s.db.WithContext(ctx).Where("hash = ? AND expires_at > ?", hash, dbTime(now)).Take(&r).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return serentak.Session{}, serentak.NotFound("session")
	}
	if err != nil {
		return serentak.Session{}, dbError("find session", err)
	}
	return r.session(), nil
}

// TouchSession records a session's use at at and moves its end to
// serentak.SessionExpiry.
func (s *Store) TouchSession(ctx context.Context, ses serentak.Session, at time.Time) error {
	err := s.db.WithContext(ctx).Model(&sessionRow{}).Where("id = ?", ses.ID).
		Updates(map[string]any{"last_used_at": dbTime(at), "expires_at": dbTime(serentak.SessionExpiry(ses.CreatedAt, at))}).Error
	if err != nil {
		return dbError("record session use", err)
	}
	return nil
}

// DeleteSession ends a session.
func (s *Store) DeleteSession(ctx context.Context, id string) error {
	if err := s.db.WithContext(ctx).Where("id = ?", id).Delete(&sessionRow{}).Error; err != nil {
		return dbError("end session", err)
	}
	return nil
}

// FindMembership returns a user's membership of a workspace (not_found
// when the user is not a member).
func (s *Store) FindMembership(ctx context.Context, workspaceID, userID string) (serentak.Membership, error) {
	var r membershipRow
	err := s.db.WithContext(ctx).Where("workspace_id = ? AND user_id = ?", workspaceID, userID).Take(&r).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return serentak.Membership{}, serentak.NotFound("workspace")
	}
	if err != nil {
		return serentak.Membership{}, dbError("find membership", err)
	}
	return r.membership(), nil
}

// FindMemberships lists a user's memberships, oldest first.
func (s *Store) FindMemberships(ctx context.Context, userID string) ([]serentak.Membership, error) {
	var rows []membershipRow
	if err := s.db.WithContext(ctx).Where("user_id = ?", userID).Order("created_at, workspace_id").Find(&rows).Error; err != nil {
		return nil, dbError("find memberships", err)
	}
	out := make([]serentak.Membership, len(rows))
	for i, r := range rows {
		out[i] = r.membership()
	}
	return out, nil
}

// FindMembers lists a workspace's memberships with their users, oldest
// first.
func (s *Store) FindMembers(ctx context.Context, workspaceID string) ([]serentak.Membership, []serentak.User, error) {
	var rows []membershipRow
	if err := s.db.WithContext(ctx).Where("workspace_id = ?", workspaceID).Order("created_at, user_id").Find(&rows).Error; err != nil {
		return nil, nil, dbError("find members", err)
	}
	ms, users := make([]serentak.Membership, len(rows)), make([]serentak.User, len(rows))
	for i, r := range rows {
		ms[i] = r.membership()
		u, err := findUser(s.db.WithContext(ctx), "id = ?", r.UserID)
		if err != nil {
			return nil, nil, err
		}
		users[i] = u
	}
	return ms, users, nil
}

// AddMember makes a user a member of a workspace; conflict when it is one
// already (one role per user per workspace).
func (s *Store) AddMember(ctx context.Context, m serentak.Membership) error {
	r := membershipRow{WorkspaceID: m.WorkspaceID, UserID: m.UserID, Role: string(m.Role), CreatedAt: dbTime(m.CreatedAt)}
	if m.CreatedAt.IsZero() {
		r.CreatedAt = s.clock()
	}
	if err := s.db.WithContext(ctx).Create(&r).Error; err != nil {
		if errors.Is(err, gorm.ErrDuplicatedKey) {
			return serentak.Errorf(serentak.ECodeConflict, "this user is a member of the workspace already")
		}
		return dbError("add member", err)
	}
	return nil
}

// ChangeMember sets a member's role (role "" removes the member), unless
// that would leave the workspace without an owner (conflict). not_found
// when the user is not a member. The owners are counted in the same
// transaction, after a no-op write to the workspace row: it makes
// changes of one workspace's members wait for each other on PostgreSQL
// (SQLite has one writer anyway), so two admins demoting the last two
// owners at once cannot both succeed.
func (s *Store) ChangeMember(ctx context.Context, workspaceID, userID string, role serentak.Role) error {
	return s.tx(ctx, func(tx *gorm.DB) error {
		if err := tx.Exec("UPDATE workspaces SET id = id WHERE id = ?", workspaceID).Error; err != nil {
			return dbError("lock workspace", err)
		}
		var r membershipRow
		err := tx.Where("workspace_id = ? AND user_id = ?", workspaceID, userID).Take(&r).Error
		if errors.Is(err, gorm.ErrRecordNotFound) {
			return serentak.NotFound("member")
		}
		if err != nil {
			return dbError("find member", err)
		}
		q := tx.Model(&membershipRow{}).Where("workspace_id = ? AND user_id = ?", workspaceID, userID)
		if role == "" {
			err = tx.Where("workspace_id = ? AND user_id = ?", workspaceID, userID).Delete(&membershipRow{}).Error
		} else {
			err = q.Update("role", string(role)).Error
		}
		if err != nil {
			return dbError("change member", err)
		}
		if r.Role != string(serentak.RoleOwner) || role == serentak.RoleOwner {
			return nil
		}
		var owners int64
		if err := tx.Model(&membershipRow{}).Where("workspace_id = ? AND role = ?", workspaceID, string(serentak.RoleOwner)).Count(&owners).Error; err != nil {
			return dbError("count owners", err)
		}
		if owners == 0 {
			return serentak.Errorf(serentak.ECodeConflict, "the workspace's last owner cannot be removed or demoted")
		}
		return nil
	})
}

// AnyUser reports whether the install has a user (the web app's sign-up
// for the first person only).
func (s *Store) AnyUser(ctx context.Context) (bool, error) {
	var n int64
	if err := s.db.WithContext(ctx).Model(&userRow{}).Limit(1).Count(&n).Error; err != nil {
		return false, dbError("count users", err)
	}
	return n > 0, nil
}
