package serentak

import (
	"encoding/json"
	"strings"
)

// Warning is something accepted but worth telling the person: a hashtag
// cleaned, a photo YouTube leaves out, a comment Facebook refused. It is
// kept as a stable code and its arguments, not as words, so the same
// stored warning reads in Bahasa Indonesia on an Indonesian page and in
// English on an English one (Text), and an API client can translate it
// itself by its code.
type Warning struct {
	Code string `json:"code"`
	// Args fill the code's text's {placeholders}.
	Args map[string]string `json:"args,omitempty"`
	// Plain is the words of a warning stored before warnings had codes
	// (an old plain string): it has no code and reads as it is in every
	// language.
	Plain string `json:"plain,omitempty"`
}

// NewWarning is the warning of code with its arguments given as name,
// value pairs.
func NewWarning(code string, nameValues ...string) Warning {
	w := Warning{Code: code}
	for i := 0; i+1 < len(nameValues); i += 2 {
		if w.Args == nil {
			w.Args = make(map[string]string, len(nameValues)/2)
		}
		w.Args[nameValues[i]] = nameValues[i+1]
	}
	return w
}

// WarningPlain is the code a warning without one (an old stored string)
// answers in warning_codes.
const WarningPlain = "plain"

// Text is the warning in language lang ("id" or "en"; any other reads
// English, the language of API clients that ask for none).
func (w Warning) Text(lang string) string {
	if w.Code == "" {
		return w.Plain
	}
	texts, ok := warningTexts[w.Code]
	if !ok {
		return w.Code // a code this build does not know (a newer one): still shown
	}
	t := texts.en
	if lang == "id" {
		t = texts.id
	}
	for name, v := range w.Args {
		t = strings.ReplaceAll(t, "{"+name+"}", v)
	}
	return t
}

// String is the English text, for logs and tests.
func (w Warning) String() string { return w.Text("en") }

// CodeOrPlain is the warning's code, WarningPlain for an old string.
func (w Warning) CodeOrPlain() string {
	if w.Code == "" {
		return WarningPlain
	}
	return w.Code
}

// UnmarshalJSON reads a warning stored as an object, or as a plain string
// (deliveries composed before warnings had codes).
func (w *Warning) UnmarshalJSON(b []byte) error {
	if len(b) > 0 && b[0] == '"' {
		*w = Warning{}
		return json.Unmarshal(b, &w.Plain)
	}
	type plain Warning // without this method
	return json.Unmarshal(b, (*plain)(w))
}

// CheckpointWarnings is warnings as an adapter keeps them in a
// delivery's checkpoint (a string map), so a retried publish returns
// them: JSON.
func CheckpointWarnings(ws []Warning) string {
	b, _ := json.Marshal(ws) // a Warning always encodes
	return string(b)
}

// ParseCheckpointWarnings reads what CheckpointWarnings wrote, or a
// checkpoint written before warnings had codes: plain warnings, one a
// line.
func ParseCheckpointWarnings(s string) []Warning {
	if s == "" {
		return nil
	}
	var ws []Warning
	if strings.HasPrefix(s, "[") && json.Unmarshal([]byte(s), &ws) == nil {
		return ws
	}
	for _, line := range strings.Split(s, "\n") {
		ws = append(ws, Warning{Plain: line})
	}
	return ws
}

// WarningTexts are warnings in language lang, in order; never nil.
func WarningTexts(ws []Warning, lang string) []string {
	out := make([]string, 0, len(ws))
	for _, w := range ws {
		out = append(out, w.Text(lang))
	}
	return out
}

// WarningCodes are the warnings' codes, in order; never nil.
func WarningCodes(ws []Warning) []string {
	out := make([]string, 0, len(ws))
	for _, w := range ws {
		out = append(out, w.CodeOrPlain())
	}
	return out
}

// The warning codes. They are part of the API (warning_codes): keep them,
// add new ones, never reuse one for another meaning.
const (
	WarnLanguageUnsupported  = "language_unsupported"
	WarnHashtagsIgnored      = "hashtags_ignored"
	WarnNoOrderLink          = "no_order_link"
	WarnDiscountUnderOne     = "discount_under_one_percent"
	WarnTitleNotUsed         = "title_not_used"
	WarnYouTubeTitleAngles   = "youtube_title_angles_removed"
	WarnYouTubeDescAngles    = "youtube_description_angles_removed"
	WarnYouTubeTitleFromText = "youtube_title_from_caption"
	WarnOrderLinkRewritten   = "order_link_rewritten"
	WarnHashtagEmpty         = "hashtag_empty"
	WarnHashtagNoLetters     = "hashtag_no_letters"
	WarnHashtagRewritten     = "hashtag_rewritten"
	WarnMediaNone            = "media_none_published"
	WarnMediaFault           = "media_left_out_fault"
	WarnMediaLeftOut         = "media_left_out"
	WarnMediaUnreadTyped     = "media_unread_typed"
	WarnMediaUnreadGuessed   = "media_unread_guessed"
	WarnPermissionMissing    = "permission_missing"
	WarnYouTubeQuotaMoved    = "youtube_quota_moved"
	// The platforms' warnings, recorded on publication.
	WarnFirstCommentRefused     = "first_comment_refused"
	WarnFirstCommentPermission  = "first_comment_permission"
	WarnFirstCommentGaveUp      = "first_comment_gave_up"
	WarnFirstCommentNotGranted  = "first_comment_not_granted"
	WarnFacebookVideoProcessing = "facebook_video_still_processing"
	WarnTikTokInbox             = "tiktok_sent_to_inbox"
	WarnTikTokNotPublic         = "tiktok_not_public"
)

// warningTexts is the one catalogue of warnings' words, Bahasa Indonesia
// first. A {name} is filled from the warning's Args.
var warningTexts = map[string]struct{ id, en string }{
	WarnLanguageUnsupported: {
		id: "bahasa {language} belum didukung; postingan disusun dalam Bahasa Indonesia",
		en: "language {language} is not supported; the post is composed in Bahasa Indonesia"},
	WarnHashtagsIgnored: {
		id: "{platform} mengabaikan semua hashtag bila ada lebih dari {max}; postingan ini punya {count}",
		en: "{noun} with more than {max} hashtags have all their hashtags ignored; this one has {count}"},
	WarnNoOrderLink: {
		id: "produk ini tidak punya link pemesanan, jadi postingan tidak menyebut cara memesan",
		en: "the product has no order link, so the post does not say where to order"},
	WarnDiscountUnderOne: {
		id: "diskonnya di bawah 1%, jadi postingan tidak menyebutkannya",
		en: "the discount is under 1%, so the post does not announce it"},
	WarnTitleNotUsed: {
		id: "{platform} tidak memakai judul di sini; judul target tidak dipakai",
		en: "{platform} has no title here; the target's title is not used"},
	WarnYouTubeTitleAngles: {
		id: "tanda '<' dan '>' dihapus dari judul: YouTube tidak mengizinkannya",
		en: "removed '<' and '>' from the title: YouTube does not allow them"},
	WarnYouTubeDescAngles: {
		id: "tanda '<' dan '>' dihapus dari deskripsi: YouTube tidak mengizinkannya",
		en: "removed '<' and '>' from the description: YouTube does not allow them"},
	WarnYouTubeTitleFromText: {
		id: "YouTube butuh judul; judulnya diambil dari baris pertama caption (isi judul target untuk memilihnya sendiri)",
		en: "YouTube needs a title; it is the caption's first line (give a target title to choose it)"},
	WarnOrderLinkRewritten: {
		id: "link pemesanan {given} diterbitkan sebagai {link}: wa.me hanya membuka chat dengan nomor berformat internasional, tanpa spasi atau angka 0 di depan",
		en: "the order link {given} is published as {link}: wa.me opens a chat only with the number in international digits, without spaces or the national 0"},
	WarnHashtagEmpty: {
		id: "hashtags[{index}] kosong dan tidak dipakai",
		en: "hashtags[{index}] is empty and left out"},
	WarnHashtagNoLetters: {
		id: "hashtags[{index}] {given} tidak dipakai: tidak ada huruf atau angka",
		en: "hashtags[{index}] {given} is left out: it has no letters or digits"},
	WarnHashtagRewritten: {
		id: "hashtags[{index}] {given} diterbitkan sebagai #{tag}: hashtag adalah satu kata dari huruf, angka atau _, dan berakhir di spasi atau tanda baca lain",
		en: "hashtags[{index}] {given} is published as #{tag}: a hashtag is one word of letters, digits or _, and ends at a space or any other punctuation"},
	WarnMediaNone: {
		id: "{platform} tidak menerbitkan satu pun media postingan ini",
		en: "{platform} publishes none of the post's media"},
	WarnMediaFault: {
		id: "media[{index}] tidak dipakai: {reason}",
		en: "media[{index}] left out: {reason}"},
	WarnMediaLeftOut: {
		id: "{items} tidak dipakai: {reason}; target ini menerbitkan {published}",
		en: "{items} left out: {reason}; this target publishes {published}"},
	WarnMediaUnreadTyped: {
		id: "{field} tidak bisa dibaca saat postingan dibuat ({error}); dianggap {kind}, sesuai \"type\"-nya",
		en: "{field} could not be read when the post was created ({error}); it is taken to be {kind}, as its \"type\" says"},
	WarnMediaUnreadGuessed: {
		id: "{field} tidak bisa dibaca saat postingan dibuat ({error}); dianggap {kind} dari namanya saja: isi \"type\" untuk menyebutkannya",
		en: "{field} could not be read when the post was created ({error}); it is taken to be {kind} from its name alone: add \"type\" to say what it is"},
	WarnPermissionMissing: {
		id: "{feature}: akun belum memberi izin {permission}, jadi {feature_words} dilewati kecuali akun dihubungkan ulang dan mengizinkannya; postingannya sendiri tetap terbit",
		en: "{feature}: the account has not granted the {permission} permission, so the {feature_words} will be skipped unless the account is reconnected and allows it; the post itself publishes"},
	WarnFirstCommentRefused: {
		id: "Komentar pertama tidak diposting: {reason}",
		en: "The first comment was not posted: {reason}"},
	WarnFirstCommentPermission: {
		id: "Komentar pertama tidak diposting: login Halaman tidak memberi izin {permissions}; hubungkan ulang Halaman dan berikan izinnya",
		en: "The first comment was not posted: the Page's login does not grant {permissions}; reconnect the Page and grant it"},
	WarnFirstCommentNotGranted: {
		id: "Komentar pertama tidak diposting: akun belum memberi Serentak izin {permission} (kode {code}); hubungkan ulang akun dan izinkan",
		en: "The first comment was not posted: the account has not granted Serentak the {permission} permission (code {code}); reconnect the account and allow it"},
	WarnFirstCommentGaveUp: {
		id: "komentar pertama tidak diposting setelah {tries} kali mencoba: {reason}",
		en: "the first comment was not posted after {tries} tries: {reason}"},
	WarnFacebookVideoProcessing: {
		id: "Facebook masih memproses video setelah {after} (video_status {status}); video sudah ada di Halaman dan Facebook menyelesaikannya sendiri",
		en: "Facebook was still processing the video after {after} (video_status {status}); it is on the Page and Facebook finishes it on its own"},
	WarnTikTokInbox: {
		id: "Postingan dikirim ke kotak masuk TikTok akun ini sebagai draf; buka TikTok dan selesaikan postingannya di sana.",
		en: "The post was sent to the TikTok inbox of the account as a draft; open TikTok and finish posting it there."},
	WarnTikTokNotPublic: {
		id: "TikTok sudah menerbitkan postingan ini tetapi belum menjadikannya publik: belum ada tautan publiknya. TikTok menjadikan privat setiap postingan dari aplikasi yang belum diaudit (hanya pemilik akun yang bisa melihatnya); bila bukan itu, peninjauannya lebih lama dari biasanya. Periksa postingan di profil TikTok.",
		en: "TikTok published the post but has not made it public: it has no public link yet. TikTok keeps every post of an app it has not audited private (only the account owner sees it); otherwise its review is taking longer than usual. Check the post on the TikTok profile."},
	WarnYouTubeQuotaMoved: {
		id: "YouTube: {limit} unggahan per hari dari proyek Google Cloud instalasi ini, dipakai bersama semua channel, sudah terjadwal untuk {days} (waktu Pasifik); video ini dijadwalkan pada {at}, di awal hari kuota berikutnya yang masih ada tempat",
		en: "YouTube: the {limit} uploads a day of this install's Google Cloud project, shared by every channel, are already planned for {days} (Pacific time); this video is scheduled for {at} instead, at the start of the next quota day with room"},
}
