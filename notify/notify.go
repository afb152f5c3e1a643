// Package notify tells a workspace's admins by email when something needs
// them (issue 17, "People are told too"): a post that failed or partly
// failed, an account that needs reconnecting. It writes the email in the
// workspace's language and decides whether it is due. The Notifier
// (notifier.go, in the scheduler role) reads the problems the store wrote
// with their webhook events (the notifications table), finds the admins,
// keeps when an email about each account's problem last went out, and
// sends.
//
// Dedup rule: at most one email per account per problem in any Window
// (24 hours, rolling): Due. A second failure of the same account within
// a day sends nothing; a different problem of the same account (a failed
// post, then a broken token) is another key and is sent.
package notify

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/serentak/serentak"
	"github.com/serentak/serentak/mail"
)

// Kind is what went wrong.
type Kind string

// The problems people are told about.
const (
	// PostFailed: no target of the post was published.
	PostFailed Kind = "post.failed"
	// PostPartiallyFailed: some targets were published, this account's
	// was not.
	PostPartiallyFailed Kind = "post.partially_failed"
	// AccountNeedsReconnect: the account's token is broken (a publish
	// was refused, or the pre-flight check found it) until someone logs
	// in again through the reconnect link.
	AccountNeedsReconnect Kind = "account.needs_reconnect"
)

// Window is how long after one email about a key the next may go.
const Window = 24 * time.Hour

// Problem is one account's problem in one workspace.
type Problem struct {
	Kind      Kind
	Workspace serentak.Workspace
	// The account it is about: its ID is the dedup key's half.
	AccountID   string
	AccountName string
	Platform    serentak.Platform
	// PostID, PostText and ScheduledAt: the post, for the post kinds.
	PostID      string
	PostText    string
	ScheduledAt time.Time
	// Error is the platform's message, as the delivery records it.
	Error string
	// ReconnectURL is the link that logs the account in again (required
	// for AccountNeedsReconnect; shown with the post kinds when set).
	ReconnectURL string

	// account is the account to reconnect (the Notifier makes its link
	// only when the email is due).
	account serentak.Account
}

// Key is the dedup key of p: one per account per kind.
func (p Problem) Key() string { return p.AccountID + "|" + string(p.Kind) }

// Due reports whether an email about a key may go out at now, when the
// last went out at lastSent (the zero time: never). A lastSent in the
// future (a clock set back) counts as within the window.
func Due(lastSent, now time.Time) bool {
	return lastSent.IsZero() || !now.Before(lastSent.Add(Window))
}

// Notify emails p to each address in to when Due(lastSent, now), and
// reports whether it sent anything: the caller then stores now as p.Key()'s
// last-sent time. One address that fails does not stop the others; the
// errors are joined.
func Notify(ctx context.Context, s mail.Sender, p Problem, to []string, lastSent, now time.Time) (sent bool, err error) {
	if !Due(lastSent, now) || len(to) == 0 {
		return false, nil
	}
	if err := p.check(); err != nil {
		return false, err
	}
	var errs []error
	for _, addr := range to {
		m := Message(p)
		m.To = addr
		if err := s.Send(ctx, m); err != nil {
			errs = append(errs, fmt.Errorf("notify %s of %s: %w", addr, p.Kind, err))
			continue
		}
		sent = true
	}
	return sent, errors.Join(errs...)
}

func (p Problem) check() error {
	switch {
	case p.Kind != PostFailed && p.Kind != PostPartiallyFailed && p.Kind != AccountNeedsReconnect:
		return fmt.Errorf("notify: unknown problem %q", p.Kind)
	case p.AccountID == "":
		return errors.New("notify: the problem names no account")
	case p.Kind == AccountNeedsReconnect && p.ReconnectURL == "":
		return errors.New("notify: an account to reconnect needs its reconnect link")
	}
	return nil
}

// texts are the emails' words by language, then message ID. Bahasa
// Indonesia first.
var texts = map[string]map[string]string{
	"id": {
		"failed_subject":    "Postingan gagal terbit di %s (%s)",
		"partial_subject":   "Postingan hanya terbit sebagian: gagal di %s (%s)",
		"reconnect_subject": "Akun %s %s perlu dihubungkan ulang (%s)",
		"greeting":          "Halo,",
		"failed_line":       "Postingan yang dijadwalkan %s tidak terbit di akun %s %s.",
		"partial_line":      "Postingan yang dijadwalkan %s terbit di platform lain, tetapi tidak di akun %s %s.",
		"reconnect_line":    "Akses Serentak ke akun %s %s sudah tidak berlaku, jadi postingan ke akun ini tidak bisa terbit sampai akunnya dihubungkan ulang.",
		"post_label":        "Postingan",
		"error_label":       "Pesan dari %s",
		"reconnect_action":  "Hubungkan ulang akunnya lewat tautan ini (masuk dengan akun %s yang benar):",
		"check_action":      "Periksa postingannya di Serentak (ID %s), perbaiki, lalu jadwalkan lagi.",
		"once_a_day":        "Email seperti ini dikirim paling banyak sekali sehari untuk tiap akun dan tiap masalah.",
		"footer":            "Anda menerima email ini sebagai admin ruang kerja %s di Serentak.",
	},
	"en": {
		"failed_subject":    "A post failed to publish on %s (%s)",
		"partial_subject":   "A post was only partly published: it failed on %s (%s)",
		"reconnect_subject": "The %s account %s needs reconnecting (%s)",
		"greeting":          "Hello,",
		"failed_line":       "The post scheduled for %s was not published on the %s account %s.",
		"partial_line":      "The post scheduled for %s was published on the other platforms, but not on the %s account %s.",
		"reconnect_line":    "Serentak's access to the %s account %s no longer works, so posts to it cannot be published until it is reconnected.",
		"post_label":        "Post",
		"error_label":       "%s said",
		"reconnect_action":  "Reconnect it through this link (log in with the right %s account):",
		"check_action":      "Look at the post in Serentak (ID %s), fix it and schedule it again.",
		"once_a_day":        "Emails like this one are sent at most once a day per account and per problem.",
		"footer":            "You receive this email as an admin of the workspace %s on Serentak.",
	},
}

// Message is p's email (without its recipient), in the workspace's
// language and time zone.
func Message(p Problem) mail.Message {
	lang := p.Workspace.Language
	if _, ok := texts[lang]; !ok {
		lang = serentak.DefaultLanguage
	}
	t := func(id string, args ...any) string { return fmt.Sprintf(texts[lang][id], args...) }
	platform, ws := p.Platform.DisplayName(), p.Workspace.Name
	account := p.AccountName
	if account == "" {
		account = p.AccountID
	}
	loc, err := time.LoadLocation(p.Workspace.Timezone)
	if err != nil {
		loc = time.UTC
	}
	when := p.ScheduledAt.In(loc).Format("02-01-2006 15:04 MST")
	var subject string
	lines := []string{t("greeting"), ""}
	switch p.Kind {
	case AccountNeedsReconnect:
		subject = t("reconnect_subject", platform, account, ws)
		lines = append(lines, t("reconnect_line", platform, account))
	case PostPartiallyFailed:
		subject = t("partial_subject", platform, ws)
		lines = append(lines, t("partial_line", when, platform, account))
	default:
		subject = t("failed_subject", platform, ws)
		lines = append(lines, t("failed_line", when, platform, account))
	}
	if p.Kind != AccountNeedsReconnect && p.PostText != "" {
		lines = append(lines, "", t("post_label")+": "+excerpt(p.PostText, 140))
	}
	if p.Error != "" {
		lines = append(lines, "", t("error_label", platform)+": "+excerpt(p.Error, 500))
	}
	if p.ReconnectURL != "" {
		lines = append(lines, "", t("reconnect_action", platform), p.ReconnectURL)
	}
	if p.Kind != AccountNeedsReconnect && p.PostID != "" {
		lines = append(lines, "", t("check_action", p.PostID))
	}
	lines = append(lines, "", "--", t("once_a_day"), t("footer", ws))
	return mail.Message{Subject: subject, Text: strings.Join(lines, "\n") + "\n"}
}

// excerpt is s on one line, cut to at most n characters.
func excerpt(s string, n int) string {
	s = strings.Join(strings.Fields(s), " ")
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	r := []rune(s)
	return strings.TrimSpace(string(r[:n-1])) + "…"
}
