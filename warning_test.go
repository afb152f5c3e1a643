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

// The codes are part of the API (warning_codes) and clients word
// warnings by them: each is pinned here, so changing one fails, and a new
// one must be added here with its texts.
func TestWarningCodesArePinned(t *testing.T) {
	pinned := map[string]string{
		WarnLanguageUnsupported:     "language_unsupported",
		WarnHashtagsIgnored:         "hashtags_ignored",
		WarnNoOrderLink:             "no_order_link",
		WarnDiscountUnderOne:        "discount_under_one_percent",
		WarnTitleNotUsed:            "title_not_used",
		WarnYouTubeTitleAngles:      "youtube_title_angles_removed",
		WarnYouTubeDescAngles:       "youtube_description_angles_removed",
		WarnYouTubeTitleFromText:    "youtube_title_from_caption",
		WarnOrderLinkRewritten:      "order_link_rewritten",
		WarnHashtagEmpty:            "hashtag_empty",
		WarnHashtagNoLetters:        "hashtag_no_letters",
		WarnHashtagRewritten:        "hashtag_rewritten",
		WarnMediaNone:               "media_none_published",
		WarnMediaFault:              "media_left_out_fault",
		WarnMediaLeftOut:            "media_left_out",
		WarnMediaUnreadTyped:        "media_unread_typed",
		WarnMediaUnreadGuessed:      "media_unread_guessed",
		WarnPermissionMissing:       "permission_missing",
		WarnYouTubeQuotaMoved:       "youtube_quota_moved",
		WarnFirstCommentRefused:     "first_comment_refused",
		WarnFirstCommentPermission:  "first_comment_permission",
		WarnFirstCommentGaveUp:      "first_comment_gave_up",
		WarnFirstCommentNotGranted:  "first_comment_not_granted",
		WarnFacebookVideoProcessing: "facebook_video_still_processing",
		WarnTikTokInbox:             "tiktok_sent_to_inbox",
		WarnTikTokNotPublic:         "tiktok_not_public",
	}
	for code, want := range pinned {
		if code != want {
			t.Errorf("the code %q is now %q: codes are never changed, add a new one instead", want, code)
		}
		if _, ok := warningTexts[code]; !ok {
			t.Errorf("%s has no texts", code)
		}
	}
	for code := range warningTexts {
		if _, ok := pinned[code]; !ok {
			t.Errorf("%s is not pinned here", code)
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
