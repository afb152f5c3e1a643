package serentak_test

import (
	"testing"

	"github.com/serentak/serentak"
)

// A workspace membership's role replaces the organization's, narrower or
// wider; without one the organization's applies.
func TestEffectiveRole(t *testing.T) {
	for _, tt := range []struct{ member, org, want serentak.Role }{
		{"", serentak.RoleEditor, serentak.RoleEditor},
		{serentak.RoleViewer, serentak.RoleEditor, serentak.RoleViewer},
		{serentak.RoleOwner, serentak.RoleViewer, serentak.RoleOwner},
		{serentak.RoleApprover, "", serentak.RoleApprover},
		{"", "", ""},
	} {
		if got := serentak.EffectiveRole(tt.member, tt.org); got != tt.want {
			t.Errorf("EffectiveRole(%q, %q) = %q, want %q", tt.member, tt.org, got, tt.want)
		}
	}
}
