package serentak_test

import (
	"testing"

	"github.com/serentak/serentak"
)

func TestRolePowers(t *testing.T) {
	all := []serentak.Power{serentak.PowerRead, serentak.PowerApprove, serentak.PowerWrite, serentak.PowerManage, serentak.PowerOwn}
	// The contract's table ("People, roles and keys"), one letter a power
	// in the order of all.
	want := map[serentak.Role]string{
		serentak.RoleViewer:   "r----",
		serentak.RoleApprover: "ra---",
		serentak.RoleEditor:   "r-w--",
		serentak.RoleAdmin:    "rawm-",
		serentak.RoleOwner:    "rawmo",
		"":                    "-----",
		"superuser":           "-----",
	}
	for role, w := range want {
		got := ""
		for i, p := range all {
			if role.Can(p) {
				got += w[i : i+1]
			} else {
				got += "-"
			}
		}
		if got != w {
			t.Errorf("%q has powers %s, want %s", role, got, w)
		}
		if role.Valid() != (w != "-----") {
			t.Errorf("%q.Valid() = %v", role, role.Valid())
		}
	}
	if len(serentak.Roles()) != 5 {
		t.Fatalf("Roles() = %v", serentak.Roles())
	}
}

func TestRoleCovers(t *testing.T) {
	// Which roles each role may give: those without a power it lacks.
	// approver and editor stand side by side, so neither gives the other.
	want := map[serentak.Role][]serentak.Role{
		serentak.RoleViewer:   {serentak.RoleViewer},
		serentak.RoleApprover: {serentak.RoleViewer, serentak.RoleApprover},
		serentak.RoleEditor:   {serentak.RoleViewer, serentak.RoleEditor},
		serentak.RoleAdmin:    {serentak.RoleViewer, serentak.RoleApprover, serentak.RoleEditor, serentak.RoleAdmin},
		serentak.RoleOwner:    serentak.Roles(),
	}
	for caller, gives := range want {
		for _, r := range serentak.Roles() {
			ok := false
			for _, g := range gives {
				ok = ok || g == r
			}
			if caller.Covers(r) != ok {
				t.Errorf("%s.Covers(%s) = %v, want %v", caller, r, !ok, ok)
			}
		}
		if caller.Covers("superuser") {
			t.Errorf("%s covers an unknown role", caller)
		}
	}
	if serentak.Role("nobody").Covers(serentak.RoleViewer) {
		t.Error("an unknown role covers viewer")
	}
}
