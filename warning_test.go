package serentak

import (
	"encoding/json"
	"testing"
)

func TestWarningTextByLanguage(t *testing.T) {
	w := NewWarning(WarnTitleNotUsed, "platform", "Instagram")
	if got, want := w.Text("id"), "Instagram tidak memakai judul di sini; judul target tidak dipakai"; got != want {
		t.Errorf("id: %q, want %q", got, want)
	}
	if got, want := w.Text("en"), "Instagram has no title here; the target's title is not used"; got != want {
		t.Errorf("en: %q, want %q", got, want)
	}
	for code, texts := range warningTexts {
		if texts.id == "" || texts.en == "" {
			t.Errorf("%s: a text in id and in en is needed", code)
		}
	}
}

// A delivery stored before warnings had codes holds plain strings: they
// read as they are, and stored again keep their words.
func TestWarningReadsOldPlainStrings(t *testing.T) {
	var c Content
	if err := json.Unmarshal([]byte(`{"warnings":["an old warning",{"code":"no_order_link"}]}`), &c); err != nil {
		t.Fatal(err)
	}
	if got := WarningTexts(c.Warnings, "id"); len(got) != 2 || got[0] != "an old warning" ||
		got[1] != "produk ini tidak punya link pemesanan, jadi postingan tidak menyebut cara memesan" {
		t.Errorf("texts %q", got)
	}
	if got := WarningCodes(c.Warnings); got[0] != WarningPlain || got[1] != WarnNoOrderLink {
		t.Errorf("codes %q", got)
	}
	b, _ := json.Marshal(c.Warnings)
	var again []Warning
	if err := json.Unmarshal(b, &again); err != nil || again[0].Text("en") != "an old warning" {
		t.Errorf("stored again: %s → %v, %v", b, again, err)
	}
}

// An adapter's checkpoint keeps warnings so a retried publish returns
// them; one written before warnings had codes holds plain lines.
func TestCheckpointWarnings(t *testing.T) {
	ws := []Warning{NewWarning(WarnFirstCommentRefused, "reason", "spam"), {Plain: "old"}}
	got := ParseCheckpointWarnings(CheckpointWarnings(ws))
	if len(got) != 2 || got[0].Text("id") != "Komentar pertama tidak diposting: spam" || got[1].Text("id") != "old" {
		t.Errorf("round trip: %v", got)
	}
	old := ParseCheckpointWarnings("The first comment was not posted: spam\nFacebook was still processing the video")
	if len(old) != 2 || old[1].Text("id") != "Facebook was still processing the video" || old[1].CodeOrPlain() != WarningPlain {
		t.Errorf("old checkpoint: %v", old)
	}
}
