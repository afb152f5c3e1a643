package gormstore_test

import (
	"testing"
	"time"

	"github.com/serentak/serentak"
)

// Emails are unique whatever their case; a password link works once and
// ends the user's sessions; a session is found only until it expires.
func TestUsersSessionsAndLinks(t *testing.T) {
	t.Parallel()
	b := setup(t)
	now := b.clock.Now()
	u := serentak.User{ID: serentak.NewID(serentak.PrefixUser), Email: "Sari@Example.com", Name: "Sari", CreatedAt: now}
	link := serentak.PasswordToken{Hash: serentak.HashSecret("invite"), Kind: serentak.TokenInvite, ExpiresAt: now.Add(serentak.InviteTTL)}
	if err := b.s.CreateUser(b.ctx, u, &link); err != nil {
		t.Fatal(err)
	}
	wantCode(t, b.s.CreateUser(b.ctx, serentak.User{ID: serentak.NewID(serentak.PrefixUser), Email: "SARI@example.COM"}, nil), serentak.ECodeConflict)
	got, err := b.s.FindUserByEmail(b.ctx, "sari@EXAMPLE.com")
	if err != nil || got.ID != u.ID || got.Email != "sari@example.com" {
		t.Fatalf("FindUserByEmail: %+v, %v", got, err)
	}

	ses := serentak.Session{ID: serentak.NewID(serentak.PrefixSession), UserID: u.ID, Hash: serentak.HashSecret("ses_a"),
		CreatedAt: now, LastUsedAt: now, ExpiresAt: serentak.SessionExpiry(now, now)}
	if err := b.s.CreateSession(b.ctx, ses); err != nil {
		t.Fatal(err)
	}
	if _, err := b.s.FindSessionByHash(b.ctx, ses.Hash, now.Add(29*24*time.Hour)); err != nil {
		t.Fatalf("a live session: %v", err)
	}
	_, err = b.s.FindSessionByHash(b.ctx, ses.Hash, now.Add(31*24*time.Hour))
	wantCode(t, err, serentak.ECodeNotFound)
	if err := b.s.TouchSession(b.ctx, ses, now.Add(29*24*time.Hour)); err != nil {
		t.Fatal(err)
	}
	if _, err := b.s.FindSessionByHash(b.ctx, ses.Hash, now.Add(31*24*time.Hour)); err != nil {
		t.Fatalf("a session used on day 29, on day 31: %v", err)
	}

	if _, err := b.s.SetPasswordWithToken(b.ctx, link.Hash, serentak.TokenReset, "h", now); serentak.ErrorCode(err) != serentak.ECodeNotFound {
		t.Errorf("an invite used as a reset link: %v", err)
	}
	got, err = b.s.SetPasswordWithToken(b.ctx, link.Hash, serentak.TokenInvite, "$argon2id$x", now)
	if err != nil || got.PasswordHash != "$argon2id$x" {
		t.Fatalf("SetPasswordWithToken: %+v, %v", got, err)
	}
	_, err = b.s.SetPasswordWithToken(b.ctx, link.Hash, serentak.TokenInvite, "again", now)
	wantCode(t, err, serentak.ECodeNotFound)
	_, err = b.s.FindSessionByHash(b.ctx, ses.Hash, now)
	wantCode(t, err, serentak.ECodeNotFound)

	expired := serentak.PasswordToken{Hash: serentak.HashSecret("reset"), UserID: u.ID, Kind: serentak.TokenReset, ExpiresAt: now.Add(time.Hour)}
	if err := b.s.CreatePasswordToken(b.ctx, expired); err != nil {
		t.Fatal(err)
	}
	_, err = b.s.SetPasswordWithToken(b.ctx, expired.Hash, serentak.TokenReset, "late", now.Add(time.Hour))
	wantCode(t, err, serentak.ECodeNotFound)
	wantCode(t, b.s.CreatePasswordToken(b.ctx, serentak.PasswordToken{Hash: "z", UserID: "usr_missing", Kind: serentak.TokenReset, ExpiresAt: now}), serentak.ECodeNotFound)
}

// One role per user per workspace; the last owner cannot be removed or
// demoted.
func TestMembersKeepAnOwner(t *testing.T) {
	t.Parallel()
	b := setup(t)
	a := serentak.User{ID: serentak.NewID(serentak.PrefixUser), Email: "a@example.com"}
	c := serentak.User{ID: serentak.NewID(serentak.PrefixUser), Email: "c@example.com"}
	for _, u := range []serentak.User{a, c} {
		if err := b.s.CreateUser(b.ctx, u, nil); err != nil {
			t.Fatal(err)
		}
	}
	if err := b.s.AddMember(b.ctx, serentak.Membership{WorkspaceID: b.ws.ID, UserID: a.ID, Role: serentak.RoleOwner}); err != nil {
		t.Fatal(err)
	}
	wantCode(t, b.s.AddMember(b.ctx, serentak.Membership{WorkspaceID: b.ws.ID, UserID: a.ID, Role: serentak.RoleViewer}), serentak.ECodeConflict)
	wantCode(t, b.s.ChangeMember(b.ctx, b.ws.ID, a.ID, serentak.RoleAdmin), serentak.ECodeConflict)
	wantCode(t, b.s.ChangeMember(b.ctx, b.ws.ID, a.ID, ""), serentak.ECodeConflict)
	wantCode(t, b.s.ChangeMember(b.ctx, b.ws.ID, c.ID, serentak.RoleAdmin), serentak.ECodeNotFound)
	if m, err := b.s.FindMembership(b.ctx, b.ws.ID, a.ID); err != nil || m.Role != serentak.RoleOwner {
		t.Fatalf("a refused demotion changed the role: %+v, %v", m, err)
	}
	if err := b.s.AddMember(b.ctx, serentak.Membership{WorkspaceID: b.ws.ID, UserID: c.ID, Role: serentak.RoleOwner}); err != nil {
		t.Fatal(err)
	}
	if err := b.s.ChangeMember(b.ctx, b.ws.ID, a.ID, ""); err != nil {
		t.Fatalf("removing one of two owners: %v", err)
	}
	ms, users, err := b.s.FindMembers(b.ctx, b.ws.ID)
	if err != nil || len(ms) != 1 || users[0].ID != c.ID {
		t.Fatalf("members: %+v %+v %v", ms, users, err)
	}
	mine, err := b.s.FindMemberships(b.ctx, c.ID)
	if err != nil || len(mine) != 1 || mine[0].WorkspaceID != b.ws.ID {
		t.Fatalf("memberships: %+v %v", mine, err)
	}
}
