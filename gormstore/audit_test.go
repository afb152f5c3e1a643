package gormstore_test

import (
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/serentak/serentak"
	"github.com/serentak/serentak/gormstore"
)

func TestAudit(t *testing.T) {
	t.Parallel()
	b := setup(t)
	at := time.Date(2026, 12, 3, 9, 30, 0, 123456789, time.FixedZone("WIB", 7*3600))
	var want []serentak.AuditEntry
	for i, a := range []serentak.Actor{{Type: serentak.ActorKey, ID: "key_1"}, {Type: serentak.ActorUser, ID: "usr_1"}, {Type: serentak.ActorOperator}} {
		e := serentak.AuditEntry{ID: serentak.NewID(serentak.PrefixAudit), WorkspaceID: b.ws.ID, Actor: a,
			Action: "post.create", TargetID: "post_x", CreatedAt: at.Add(time.Duration(i) * time.Second)}
		time.Sleep(2 * time.Millisecond) // IDs order by millisecond
		if err := b.s.AddAudit(b.ctx, e); err != nil {
			t.Fatal(err)
		}
		e.CreatedAt = e.CreatedAt.UTC().Truncate(time.Microsecond)
		want = append([]serentak.AuditEntry{e}, want...)
	}
	if err := b.s.AddAudit(b.ctx, serentak.AuditEntry{ID: serentak.NewID(serentak.PrefixAudit), WorkspaceID: b.other.ID,
		Actor: serentak.Actor{Type: serentak.ActorOperator}, Action: "key.create", TargetID: "key_2", CreatedAt: at}); err != nil {
		t.Fatal(err)
	}

	page1, next, err := b.s.FindAudit(b.ctx, b.ws.ID, "", 2)
	if err != nil {
		t.Fatal(err)
	}
	if next != want[1].ID {
		t.Errorf("next cursor %q, want %q", next, want[1].ID)
	}
	page2, last, err := b.s.FindAudit(b.ctx, b.ws.ID, next, 2)
	if err != nil {
		t.Fatal(err)
	}
	if last != "" {
		t.Errorf("last page's cursor %q, want none", last)
	}
	if diff := cmp.Diff(want, append(page1, page2...)); diff != "" {
		t.Errorf("audit entries newest first, this workspace's only (-want +got):\n%s", diff)
	}
}

// Recording a change costs every change one statement: its INSERT.
func TestAddAuditIsOneInsert(t *testing.T) {
	t.Parallel()
	b := setup(t)
	sql, err := gormstore.AddAuditStatements(b.ctx, b.s, serentak.AuditEntry{ID: serentak.NewID(serentak.PrefixAudit),
		WorkspaceID: b.ws.ID, Actor: serentak.Actor{Type: serentak.ActorOperator}, Action: "post.create", TargetID: "post_x", CreatedAt: time.Now()})
	if err != nil {
		t.Fatal(err)
	}
	if len(sql) != 1 || !strings.HasPrefix(sql[0], "INSERT INTO") {
		t.Errorf("AddAudit sent %q, want one INSERT", sql)
	}
}
