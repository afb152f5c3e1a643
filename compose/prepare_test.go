package compose

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/serentak/serentak"
)

// TestCleanHashtags: hashtags as people write them are published as the
// one word they meant, with a warning when a character had to go; a
// hashtag is never a reason to refuse the post.
func TestCleanHashtags(t *testing.T) {
	tests := []struct {
		in       string
		want     string // "" when left out
		warnings string // part of the warning; "" for none
	}{
		{"umkm", "umkm", ""},
		{"#umkm", "umkm", ""},
		{"##umkm", "umkm", ""},
		{"  #UMKM ", "UMKM", ""},
		{"oleh_oleh", "oleh_oleh", ""},
		{"kuliner🌶", "kuliner🌶", ""},
		{"حلويات", "حلويات", ""},
		{"oleh-oleh", "oleholeh", `hashtags[0] "oleh-oleh" is published as #oleholeh`},
		{"kue2-an", "kue2an", `is published as #kue2an`},
		{"keripik pedas", "keripikpedas", `hashtags[0] "keripik pedas" is published as #keripikpedas`},
		{"#keripik #pedas", "keripikpedas", "is published as #keripikpedas"},
		{"kue.kering", "kuekering", "is published as #kuekering"},
		{"promo!", "promo", "is published as #promo"},
		{"jajanan's", "jajanans", "is published as #jajanans"},
		{"", "", "hashtags[0] is empty and left out"},
		{"   ", "", "hashtags[0] is empty and left out"},
		{"#", "", `hashtags[0] "#" is left out: it has no letters or digits`},
		{"!!!", "", `"!!!" is left out`},
	}
	for _, tt := range tests {
		got, warnings := cleanHashtags([]string{tt.in})
		var want []string
		if tt.want != "" {
			want = []string{tt.want}
		}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("cleanHashtags(%q) (-want +got):\n%s", tt.in, diff)
		}
		switch {
		case tt.warnings == "" && len(warnings) > 0:
			t.Errorf("cleanHashtags(%q): unexpected warnings %q", tt.in, warnings)
		case tt.warnings != "" && (len(warnings) != 1 || !strings.Contains(warnings[0].String(), tt.warnings)):
			t.Errorf("cleanHashtags(%q): warnings %q, want one saying %q", tt.in, warnings, tt.warnings)
		}
	}
	// Repeats, however written, are one hashtag.
	got, warnings := cleanHashtags([]string{"oleh-oleh", "#OlehOleh", "oleholeh"})
	if diff := cmp.Diff([]string{"oleholeh"}, got); diff != "" || len(warnings) != 1 {
		t.Errorf("repeats: %q, warnings %q", got, warnings)
	}
}

// TestPrepareOnce: what is wrong with the post's own words is said once,
// by Prepare; Fit on the prepared post says nothing more on any platform,
// while Fit alone (on the post as given) still says it.
func TestPrepareOnce(t *testing.T) {
	in := Input{
		Product:  &serentak.Product{Name: "Bakpia", Price: &serentak.Price{Amount: 30000, Currency: "IDR"}, URL: "https://wa.me/+62 852-1234-5678"},
		Hashtags: []string{"oleh-oleh", "jogja", "", "keripik pedas"},
	}
	prepared, warnings, errs := Prepare(in)
	if len(errs) > 0 {
		t.Fatalf("errors %v", errs)
	}
	if len(warnings) != 4 { // 3 hashtags and the link
		t.Errorf("warnings %q, want 4", warnings)
	}
	if diff := cmp.Diff([]string{"oleholeh", "jogja", "keripikpedas"}, prepared.Hashtags); diff != "" {
		t.Errorf("hashtags (-want +got):\n%s", diff)
	}
	if prepared.Product.URL != "https://wa.me/6285212345678" || in.Product.URL != "https://wa.me/+62 852-1234-5678" {
		t.Errorf("prepared URL %q (given %q): want the link in digits, the given product untouched", prepared.Product.URL, in.Product.URL)
	}
	again, w2, _ := Prepare(prepared)
	if len(w2) > 0 || !cmp.Equal(again, prepared) {
		t.Errorf("Prepare is not idempotent: %q, %+v", w2, again)
	}
	for _, p := range serentak.Platforms {
		in := prepared
		in.Media = mediaFor(p)
		r := Fit(p, in, Target{})
		if len(r.Warnings) > 0 || len(r.Errors) > 0 {
			t.Errorf("%s: warnings %q, errors %v on a prepared post", p, r.Warnings, r.Errors)
		}
		if !strings.HasSuffix(r.Content.Text, "#oleholeh #jogja #keripikpedas") {
			t.Errorf("%s: text %q", p, r.Content.Text)
		}
		raw := in
		raw.Hashtags, raw.Product = []string{"oleh-oleh"}, in.Product
		wantContains(t, Fit(p, raw, Target{}).Warnings, "#oleholeh")
	}
}
