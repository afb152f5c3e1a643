package api

import (
	"crypto/rand"
	"encoding/base64"
	"net/http"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/serentak/serentak"
)

// The approval link (docs/api.md#approval-link): a page for a merchant
// without an account, showing each platform's preview of a post with
// Approve and Reject. The token in the link is the only key, so:
//   - GET and HEAD only show the page: link-preview robots (WhatsApp,
//     Telegram, Slack) fetch a link as it is shared and must not use it up;
//     only the POST of a decision does.
//   - The forms carry the token, so another site cannot forge a decision
//     (it does not know the token): no cookie, no CSRF token needed.
//   - The token is in the query, never the path, so the access log (which
//     logs paths only) does not keep it, and Referrer-Policy no-referrer
//     keeps it from the media hosts the page loads images from.
//   - Only its hash is stored.

// approvalLinkPath is the page's route.
const approvalLinkPath = "/v1/approval-link"

// approvalMessages is the page's catalogue, by language then message ID:
// the template holds no words of its own. Bahasa Indonesia first.
var approvalMessages = catalogue{
	"id": {
		"title":          "Persetujuan postingan",
		"intro":          "%s meminta persetujuan Anda untuk postingan ini. Begini tampilannya di tiap platform:",
		"scheduled_for":  "Jadwal terbit: %s",
		"title_label":    "Judul",
		"warnings_label": "Catatan",
		"link_label":     "Tautan",
		"decide_label":   "Keputusan Anda",
		"to_reject":      "Tolak…",
		"photo":          "Foto %d",
		"video":          "Video %d",
		"approve_button": "Setujui",
		"reject_button":  "Tolak",
		"comment_label":  "Alasan menolak (boleh dikosongkan)",
		"approved":       "Terima kasih! Postingan disetujui dan akan terbit sesuai jadwal: %s.",
		"approved_now":   "Terima kasih! Postingan disetujui. Jadwalnya sudah lewat, jadi postingan diterbitkan sekarang.",
		"rejected":       "Postingan ditolak. Tim Anda akan melihat alasan yang Anda tulis.",
		"used":           "Tautan ini sudah dipakai: keputusan untuk postingan ini sudah tercatat. Tautan persetujuan hanya bisa dipakai sekali.",
		"expired":        "Tautan ini sudah kedaluwarsa (berlaku 72 jam). Minta tautan baru kepada tim Anda.",
		"unknown":        "Tautan ini tidak dikenal. Periksa kembali tautannya, atau minta tautan baru kepada tim Anda.",
		"decided":        "Postingan ini sudah tidak menunggu persetujuan, jadi tidak ada yang perlu diputuskan lagi.",
		"bad_decision":   "Pilih Setujui atau Tolak.",
		"comment_long":   "Alasannya tidak bisa disimpan: tulis paling banyak 2000 karakter.",
		// A date as Indonesians write it: "Sabtu, 5 Des 2026 09.00 WIB".
		"days":        "Minggu Senin Selasa Rabu Kamis Jumat Sabtu",
		"months":      "Jan Feb Mar Apr Mei Jun Jul Agu Sep Okt Nov Des",
		"date_format": "%[1]s, %[2]d %[3]s %[4]d %02[5]d.%02[6]d %[7]s",
	},
	"en": {
		"title":          "Post approval",
		"intro":          "%s asks you to approve this post. This is how it looks on each platform:",
		"scheduled_for":  "To be published: %s",
		"title_label":    "Title",
		"warnings_label": "Notes",
		"link_label":     "Link",
		"decide_label":   "Your decision",
		"to_reject":      "Reject…",
		"photo":          "Photo %d",
		"video":          "Video %d",
		"approve_button": "Approve",
		"reject_button":  "Reject",
		"comment_label":  "Why you reject it (optional)",
		"approved":       "Thank you! The post is approved and will be published as scheduled: %s.",
		"approved_now":   "Thank you! The post is approved. Its time had passed, so it is being published now.",
		"rejected":       "The post is rejected. Your team will see the reason you gave.",
		"used":           "This link has been used already: a decision on this post is recorded. An approval link works once.",
		"expired":        "This link has expired (links last 72 hours). Ask your team for a new one.",
		"unknown":        "This link is not known. Check it, or ask your team for a new one.",
		"decided":        "This post is no longer awaiting approval: there is nothing left to decide.",
		"bad_decision":   "Choose Approve or Reject.",
		"comment_long":   "The reason cannot be kept: write at most 2000 characters.",
		"days":           "Sunday Monday Tuesday Wednesday Thursday Friday Saturday",
		"months":         "Jan Feb Mar Apr May Jun Jul Aug Sep Oct Nov Dec",
		"date_format":    "%[1]s, %[2]d %[3]s %[4]d %02[5]d:%02[6]d %[7]s",
	},
}

// message is one entry of the approval page's catalogue.
func message(lang, id string, args ...any) string { return approvalMessages.text(lang, id, args...) }

var approvalPage = parsePages("pages/approval.html", approvalMessages)

// pageData is what the page shows.
type pageData struct {
	Lang        string
	Notice      string
	Workspace   string
	ScheduledAt string
	Post        []pagePreview
	// Token and Action make the forms; empty: no forms (a decided or
	// dead link).
	Token, Action string
}

type pagePreview struct {
	Platform, Title, Text, Link string
	Media                       []pageMedia
	Warnings                    []string
}

type pageMedia struct {
	URL, Label string
	Image      bool
}

// approvalTokenPrefix marks approval-link tokens.
const approvalTokenPrefix = "apr_"

// createApprovalLink makes a single-use link to a post awaiting approval
// (409 otherwise), valid 72 hours.
func (s *Server) createApprovalLink(c echo.Context) error {
	ctx := c.Request().Context()
	p, err := s.cfg.Store.FindPostByID(ctx, workspaceID(c), c.Param("id"))
	if err != nil {
		return err
	}
	if p.Status != serentak.PostPendingApproval {
		return serentak.Errorf(serentak.ECodeConflict, "the post is %s, not pending_approval: there is nothing to approve", p.Status)
	}
	var b [32]byte
	rand.Read(b[:]) // cannot fail (Go 1.24 and later)
	token := approvalTokenPrefix + base64.RawURLEncoding.EncodeToString(b[:])
	now := s.now()
	l := serentak.ApprovalLink{Hash: serentak.HashSecret(token), WorkspaceID: p.WorkspaceID, PostID: p.ID,
		ExpiresAt: now.Add(serentak.ApprovalLinkLifetime), CreatedAt: now}
	if err := s.cfg.Store.CreateApprovalLink(ctx, l); err != nil {
		return err
	}
	return c.JSON(http.StatusCreated, linkView{URL: s.baseURL(c) + approvalLinkPath + "?token=" + token, ExpiresAt: l.ExpiresAt})
}

// baseURL is PublicURL, or else the URL this request came to.
func (s *Server) baseURL(c echo.Context) string {
	if s.cfg.PublicURL != "" {
		return strings.TrimRight(s.cfg.PublicURL, "/")
	}
	return c.Scheme() + "://" + c.Request().Host
}

// showApprovalLink answers the page (GET, HEAD): it never uses the link.
func (s *Server) showApprovalLink(c echo.Context) error {
	token := c.QueryParam("token")
	_, ws, p, status, notice, err := s.openApprovalLink(c, token)
	if err != nil {
		return err
	}
	if notice != "" {
		return s.renderPage(c, status, pageData{Lang: ws.Language, Notice: message(ws.Language, notice)})
	}
	d := s.pageOf(ws, p)
	d.Token, d.Action = token, approvalLinkPath
	return s.renderPage(c, http.StatusOK, d)
}

// decideApprovalLink is the POST of a decision: it uses the link up.
func (s *Server) decideApprovalLink(c echo.Context) error {
	token := c.FormValue("token")
	l, ws, p, status, notice, err := s.openApprovalLink(c, token)
	if err != nil {
		return err
	}
	lang := ws.Language
	if notice != "" {
		return s.renderPage(c, status, pageData{Lang: lang, Notice: message(lang, notice)})
	}
	again := func(status int, notice string) error { // the page again, with what was wrong
		d := s.pageOf(ws, p)
		d.Token, d.Action, d.Notice = token, approvalLinkPath, message(lang, notice)
		return s.renderPage(c, status, d)
	}
	dec := serentak.Decision{By: "link", At: s.now(), LinkHash: l.Hash}
	switch c.FormValue("decision") {
	case "approve":
		dec.Approve = true
	case "reject":
		raw := c.FormValue("comment")
		comment, fe := checkComment(&raw)
		if fe != nil {
			return again(http.StatusUnprocessableEntity, "comment_long")
		}
		dec.Comment = comment
	default:
		return again(http.StatusUnprocessableEntity, "bad_decision")
	}
	decided, err := s.cfg.Store.DecidePost(c.Request().Context(), ws.ID, p.ID, dec)
	switch serentak.ErrorCode(err) {
	case serentak.ECodeNotFound: // used or expired since it was read
		return s.renderPage(c, http.StatusGone, pageData{Lang: lang, Notice: message(lang, "used")})
	case serentak.ECodeConflict:
		return s.renderPage(c, http.StatusConflict, pageData{Lang: lang, Notice: message(lang, "decided")})
	}
	if err != nil {
		return err
	}
	action := "post.reject"
	if dec.Approve {
		action = "post.approve"
	}
	s.record(c, ws.ID, serentak.Actor{Type: serentak.ActorLink}, action, p.ID)
	if !dec.Approve {
		return s.renderPage(c, http.StatusOK, pageData{Lang: lang, Notice: message(lang, "rejected")})
	}
	s.wake()
	if p.ScheduledAt.After(dec.At) {
		return s.renderPage(c, http.StatusOK, pageData{Lang: lang, Notice: message(lang, "approved", localTime(ws, decided.ScheduledAt))})
	}
	return s.renderPage(c, http.StatusOK, pageData{Lang: lang, Notice: message(lang, "approved_now")})
}

// openApprovalLink finds the link, its workspace and its post. A link
// that cannot be used answers a notice (a message ID) and its status
// instead: unknown 404; used or expired 410; a post no longer awaiting
// approval 409. err is for failures of ours.
func (s *Server) openApprovalLink(c echo.Context, token string) (l serentak.ApprovalLink, ws serentak.Workspace, p serentak.Post, status int, notice string, err error) {
	ws.Language = serentak.DefaultLanguage
	ctx := c.Request().Context()
	if !strings.HasPrefix(token, approvalTokenPrefix) || len(token) > 100 {
		return l, ws, p, http.StatusNotFound, "unknown", nil
	}
	l, err = s.cfg.Store.FindApprovalLink(ctx, serentak.HashSecret(token))
	if serentak.ErrorCode(err) == serentak.ECodeNotFound {
		return l, ws, p, http.StatusNotFound, "unknown", nil
	}
	if err != nil {
		return l, ws, p, 0, "", err
	}
	if ws, err = s.cfg.Store.FindWorkspaceByID(ctx, l.WorkspaceID); err != nil {
		return l, ws, p, 0, "", err
	}
	switch {
	case l.UsedAt != nil:
		return l, ws, p, http.StatusGone, "used", nil
	case !s.now().Before(l.ExpiresAt):
		return l, ws, p, http.StatusGone, "expired", nil
	}
	if p, err = s.cfg.Store.FindPostByID(ctx, l.WorkspaceID, l.PostID); err != nil {
		return l, ws, p, 0, "", err
	}
	if p.Status != serentak.PostPendingApproval {
		return l, ws, p, http.StatusConflict, "decided", nil
	}
	return l, ws, p, 0, "", nil
}

// pageOf is the preview of each delivery, from its stored content: what
// the merchant approves is what is published.
func (s *Server) pageOf(ws serentak.Workspace, p serentak.Post) pageData {
	lang := ws.Language
	d := pageData{Lang: lang, Workspace: ws.Name, ScheduledAt: localTime(ws, p.ScheduledAt)}
	for _, dl := range p.Deliveries {
		pv := pagePreview{Platform: dl.Platform.DisplayName(), Title: dl.Content.Title, Text: dl.Content.Text,
			Warnings: serentak.WarningTexts(dl.Content.Warnings, lang)}
		if !strings.Contains(dl.Content.Text, dl.Content.Link) { // Facebook's link beside the text
			pv.Link = dl.Content.Link
		}
		count := map[string]int{}
		for _, m := range dl.Content.Media {
			u := m.URL
			if m.ID != "" && s.cfg.Signer != nil {
				u = s.cfg.Signer.URL(m.ID, s.now())
			}
			// Numbered by kind, so the post's one video is "Video 1"
			// on every platform, whatever else each one publishes.
			image := m.Kind == serentak.MediaImage
			kind := "video"
			if image {
				kind = "photo"
			}
			count[kind]++
			label := message(lang, kind, count[kind])
			pv.Media = append(pv.Media, pageMedia{URL: u, Label: label, Image: image})
		}
		d.Post = append(d.Post, pv)
	}
	return d
}

// localTime writes t in the workspace's time zone and language, as the
// merchant reads a calendar: "Sabtu, 5 Des 2026 09.00 WIB".
func localTime(ws serentak.Workspace, t time.Time) string {
	t = t.In(workspaceLocation(ws))
	lang := ws.Language
	days, months := strings.Fields(message(lang, "days")), strings.Fields(message(lang, "months"))
	zone, _ := t.Zone()
	return message(lang, "date_format", days[t.Weekday()], t.Day(), months[t.Month()-1], t.Year(), t.Hour(), t.Minute(), zone)
}

// renderPage writes the approval page. It loads the post's media from
// their hosts, so its token (in the URL) goes to no one as a referrer.
func (s *Server) renderPage(c echo.Context, status int, d pageData) error {
	if _, ok := approvalPage[d.Lang]; !ok {
		d.Lang = serentak.DefaultLanguage
	}
	return writePage(c, status, approvalPage[d.Lang], d, pagePolicy{
		CSP:      "default-src 'none'; style-src 'unsafe-inline'; img-src https: http:; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
		Referrer: "no-referrer",
	})
}
