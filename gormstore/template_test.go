package gormstore_test

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/serentak/serentak"
)

func TestTemplates(t *testing.T) {
	t.Parallel()
	b := setup(t)
	at := time.Date(2026, 11, 27, 9, 30, 0, 123456789, time.FixedZone("WIB", 7*3600))
	put := func(ws string, o serentak.TemplateOverride) serentak.TemplateOverride {
		t.Helper()
		got, err := b.s.PutTemplate(b.ctx, ws, o)
		if err != nil {
			t.Fatalf("PutTemplate: %v", err)
		}
		return got
	}
	all := put(b.ws.ID, serentak.TemplateOverride{Platform: serentak.AllPlatforms, Language: "id", UpdatedAt: at,
		Template: serentak.Template{Footer: "Buka 08.00–20.00\nJl. Merdeka 5", OrderLabel: "Order:"}})
	want := serentak.TemplateOverride{Platform: serentak.AllPlatforms, Language: "id", UpdatedAt: at.UTC().Truncate(time.Microsecond),
		Template: serentak.Template{Language: "id", Footer: "Buka 08.00–20.00\nJl. Merdeka 5", OrderLabel: "Order:"}}
	if diff := cmp.Diff(want, all); diff != "" {
		t.Errorf("PutTemplate (-want +got):\n%s", diff)
	}
	put(b.ws.ID, serentak.TemplateOverride{Platform: serentak.Instagram, Language: "en", Template: serentak.Template{TextLinkLabel: "Copy:"}})
	// Replacing: the whole template and the time change.
	b.clock.Advance(time.Minute)
	ig := put(b.ws.ID, serentak.TemplateOverride{Platform: serentak.Instagram, Language: "en", Template: serentak.Template{DiscountLine: "{percent}% off"}})
	put(b.other.ID, serentak.TemplateOverride{Platform: serentak.Facebook, Language: "id", Template: serentak.Template{Footer: "Toko Lain"}})

	got, err := b.s.FindTemplates(b.ctx, b.ws.ID)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]serentak.TemplateOverride{want, ig}, got); diff != "" {
		t.Errorf("FindTemplates (-want +got):\n%s", diff)
	}
	if ig.Template.TextLinkLabel != "" || ig.Template.DiscountLine != "{percent}% off" || ig.UpdatedAt.IsZero() {
		t.Errorf("replaced override = %+v", ig)
	}

	// Another tenant's templates are not visible, nor deletable.
	err = b.s.DeleteTemplate(b.ctx, b.other.ID, serentak.AllPlatforms, "id")
	wantCode(t, err, serentak.ECodeNotFound)
	if err := b.s.DeleteTemplate(b.ctx, b.ws.ID, serentak.AllPlatforms, "id"); err != nil {
		t.Fatal(err)
	}
	err = b.s.DeleteTemplate(b.ctx, b.ws.ID, serentak.AllPlatforms, "id")
	wantCode(t, err, serentak.ECodeNotFound)
	got, err = b.s.FindTemplates(b.ctx, b.ws.ID)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]serentak.TemplateOverride{ig}, got); diff != "" {
		t.Errorf("after DeleteTemplate (-want +got):\n%s", diff)
	}

	_, err = b.s.PutTemplate(b.ctx, "ws_missing", serentak.TemplateOverride{Platform: serentak.TikTok, Language: "id"})
	wantCode(t, err, serentak.ECodeNotFound)
	if got, err := b.s.FindTemplates(b.ctx, "ws_missing"); err != nil || len(got) != 0 {
		t.Errorf("FindTemplates of a missing workspace = %v, %v; want none", got, err)
	}
}
