package serentak_test

import (
	"strings"
	"testing"

	"github.com/serentak/serentak"
)

func TestNewIDAfterSortsAfter(t *testing.T) {
	last := ""
	for range 10000 { // many within one millisecond
		id := serentak.NewIDAfter(serentak.PrefixAudit, last)
		if id <= last || !strings.HasPrefix(id, serentak.PrefixAudit) || len(id) != len(serentak.NewID(serentak.PrefixAudit)) {
			t.Fatalf("NewIDAfter(%q) = %q", last, id)
		}
		last = id
	}
	// An ID from the future (another process's clock): one more.
	future := "aud_zy000000000000000000000000"
	if id := serentak.NewIDAfter(serentak.PrefixAudit, future); id <= future {
		t.Errorf("NewIDAfter(%q) = %q", future, id)
	}
}
