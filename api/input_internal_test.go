package api

import (
	"testing"

	"github.com/serentak/serentak"
	"github.com/serentak/serentak/media"
)

// TestWellFormedID: every ID serentak.NewID makes is well-formed (should
// its format change, this fails before a single real ID answers 404), and
// nothing else is.
func TestWellFormedID(t *testing.T) {
	for _, prefix := range []string{serentak.PrefixWorkspace, serentak.PrefixAccount, serentak.PrefixPost, serentak.PrefixMedia, media.PrefixUpload} {
		for i := 0; i < 100; i++ {
			if id := serentak.NewID(prefix); !wellFormedID(id, prefix) {
				t.Fatalf("wellFormedID(%q, %q) = false for an ID NewID made", id, prefix)
			}
		}
	}
	good := serentak.NewID(serentak.PrefixPost)
	for _, id := range []string{
		"", "post_", "post_x", good[:len(good)-1], good + "0", "acc_" + good[5:], "POST_" + good[5:],
		good[:10] + "\x00" + good[11:], good[:10] + "\xff" + good[11:], good[:10] + "%" + good[11:],
		good[:10] + "i" + good[11:], good[:10] + "A" + good[11:], good[:10] + "/" + good[11:],
	} {
		if wellFormedID(id, serentak.PrefixPost) {
			t.Errorf("wellFormedID(%q) = true", id)
		}
	}
}
