package api

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/labstack/echo/v4"

	"github.com/serentak/serentak"
)

// optionsTTL is how long an account's options (what the platform says it
// can choose now) are kept: the contract says at most 5 minutes. The cache
// is each API process's own, in memory; two processes may each ask once.
const optionsTTL = 5 * time.Minute

// youtubePrivacy are the privacy statuses of a YouTube video
// (videos.insert, status.privacyStatus).
func youtubePrivacy() []string { return []string{"public", "unlisted", "private"} }

// Limits of option values. YouTube's tags: at most 500 characters in all
// (docs/platforms/youtube.md#limits); its category IDs are short numbers.
// First comments are bounded like a caption (Instagram's 2,200).
const (
	maxYouTubeTags   = 500
	maxCategoryID    = 10
	maxFirstComment  = 2200
	maxOptionsFields = 20
)

// optionsCache keeps accounts' options for optionsTTL. Entries are filled
// only when first needed (attaching an account does not fill one), and
// failures are never kept.
type optionsCache struct {
	mu sync.Mutex
	m  map[string]cachedOptions // by account ID
}

type cachedOptions struct {
	opts serentak.AccountOptions
	at   time.Time
	// token is the access token the answer was asked with: a reconnected
	// account (a new token, maybe another creator's settings) asks again.
	token string
}

// accountOptions answers what acc can choose now: from the platform's
// OptionsReader when there is one (cached), else what the platform takes,
// which does not change. Errors are the API's (*serentak.Error).
func (s *Server) accountOptions(ctx context.Context, acc serentak.Account) (serentak.AccountOptions, error) {
	r := s.cfg.OptionsReaders[acc.Platform]
	if r == nil {
		return staticOptions(acc.Platform), nil
	}
	now := s.now()
	s.options.mu.Lock()
	c, ok := s.options.m[acc.ID]
	s.options.mu.Unlock()
	if ok && c.token == acc.Token.AccessToken && now.Sub(c.at) < optionsTTL && !c.at.After(now) {
		return c.opts, nil
	}
	opts, err := r.ReadOptions(ctx, acc)
	if err != nil {
		return serentak.AccountOptions{}, optionsError(acc, err)
	}
	s.options.mu.Lock()
	if s.options.m == nil {
		s.options.m = map[string]cachedOptions{}
	}
	s.options.m[acc.ID] = cachedOptions{opts: opts, at: now, token: acc.Token.AccessToken}
	s.options.mu.Unlock()
	return opts, nil
}

// staticOptions is what a platform without an OptionsReader takes.
func staticOptions(p serentak.Platform) serentak.AccountOptions {
	o := serentak.AccountOptions{Platform: p, Accepts: p.TargetOptions(), CanPost: true}
	if p == serentak.YouTube {
		o.PrivacyOptions = youtubePrivacy()
	}
	return o
}

// optionsError turns a failure to ask the platform into the API's error:
// a token the platform no longer takes is the caller's to fix (422,
// reconnect the account); a platform asking to slow down is 429; anything
// else is 503, the platform could not answer now.
func optionsError(acc serentak.Account, err error) error {
	var pe *serentak.PublishError
	if !errors.As(err, &pe) {
		return serentak.Errorf(serentak.ECodeUnavailable, "%s could not be asked what this account can choose; try again in a minute", acc.Platform.DisplayName())
	}
	switch pe.Kind {
	case serentak.AuthExpired:
		return serentak.Invalid(fmt.Sprintf("%s no longer accepts this account's token; reconnect the account (%s)", acc.Platform.DisplayName(), pe.Message),
			fieldError("account_id", "needs_reauth", "reconnect the %s account %s", acc.Platform.DisplayName(), acc.Name))
	case serentak.RateLimited:
		return serentak.Errorf(serentak.ECodeRateLimited, "%s asks to slow down (%s); try again in a minute", acc.Platform.DisplayName(), pe.Message)
	}
	// The adapter's message speaks of its own retries; this is a request.
	return serentak.Errorf(serentak.ECodeUnavailable, "%s could not be reached to ask what the account %s can choose now; nothing was stored, try again in a minute", acc.Platform.DisplayName(), acc.Name)
}

// getAccountOptions answers GET …/accounts/{id}/options.
func (s *Server) getAccountOptions(c echo.Context) error {
	ctx := c.Request().Context()
	acc, err := s.cfg.Store.FindAccountByID(ctx, workspaceID(c), c.Param("id"))
	if err != nil {
		return err
	}
	opts, err := s.accountOptions(ctx, acc)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, viewAccountOptions(acc.Platform, opts))
}

// accountOptionsView is GET …/accounts/{id}/options: every platform names
// the options it accepts; TikTok adds creator_info, YouTube its privacy
// statuses.
type accountOptionsView struct {
	Platform string   `json:"platform"`
	Accepts  []string `json:"accepts"`

	Creator                 *creatorView `json:"creator,omitempty"`
	PrivacyLevelOptions     []string     `json:"privacy_level_options,omitempty"`
	CommentDisabled         *bool        `json:"comment_disabled,omitempty"`
	DuetDisabled            *bool        `json:"duet_disabled,omitempty"`
	StitchDisabled          *bool        `json:"stitch_disabled,omitempty"`
	MaxVideoPostDurationSec *int         `json:"max_video_post_duration_sec,omitempty"`
	CanPost                 *bool        `json:"can_post,omitempty"`
	CannotPostReason        string       `json:"cannot_post_reason,omitempty"`

	PrivacyOptions []string `json:"privacy_options,omitempty"`
}

type creatorView struct {
	Nickname  string `json:"nickname"`
	AvatarURL string `json:"avatar_url"`
}

func viewAccountOptions(p serentak.Platform, o serentak.AccountOptions) accountOptionsView {
	v := accountOptionsView{Platform: string(p), Accepts: append([]string{}, o.Accepts...)}
	switch p {
	case serentak.TikTok:
		v.Creator = &creatorView{Nickname: o.CreatorNickname, AvatarURL: o.CreatorAvatarURL}
		v.PrivacyLevelOptions = append([]string{}, o.PrivacyLevelOptions...)
		v.CommentDisabled, v.DuetDisabled, v.StitchDisabled = &o.CommentDisabled, &o.DuetDisabled, &o.StitchDisabled
		v.MaxVideoPostDurationSec, v.CanPost, v.CannotPostReason = &o.MaxVideoPostDurationSec, &o.CanPost, o.CannotPostReason
	case serentak.YouTube:
		v.PrivacyOptions = append([]string{}, o.PrivacyOptions...)
	}
	return v
}

// targetOptions reads targets[i].options for acc's platform: every key
// must be an option of that platform (an option of another platform, or an
// unknown one, is named in the fault), every value of its type, and the
// platform's rules hold. Defaults are filled in, so what is stored is what
// is published. media are what the target publishes (for TikTok's video
// length). An error is the API's, for a platform that could not be asked.
//
// Faults are the target's (fields "target.options.<name>", as compose
// names a target's own fields), so a preview shows them beside that
// target and create reports them as targets[i].options.<name>.
func (b *postBuilder) targetOptions(acc serentak.Account, raw json.RawMessage, media []serentak.MediaRef) (serentak.Options, []serentak.FieldError, error) {
	const field = "target.options"
	f := &faults{}
	o, err := b.readOptions(f, field, acc, raw, media)
	return o, f.errs, err
}

// faults collects one target's faults.
type faults struct{ errs []serentak.FieldError }

func (f *faults) fail(field, code, format string, args ...any) {
	f.errs = append(f.errs, fieldError(field, code, format, args...))
}

func (b *postBuilder) readOptions(f *faults, field string, acc serentak.Account, raw json.RawMessage, media []serentak.MediaRef) (serentak.Options, error) {
	var o serentak.Options
	var fields map[string]json.RawMessage
	if t := bytes.TrimSpace(raw); len(t) > 0 && !bytes.Equal(t, []byte("null")) {
		if t[0] != '{' || json.Unmarshal(t, &fields) != nil {
			f.fail(field, "invalid", "must be an object of %s options (%s)", acc.Platform.DisplayName(), strings.Join(acc.Platform.TargetOptions(), ", "))
			return o, nil
		}
	}
	if len(fields) > maxOptionsFields {
		f.fail(field, "too_many", "at most %d options", maxOptionsFields)
		return o, nil
	}
	allowed := acc.Platform.TargetOptions()
	names := make([]string, 0, len(fields))
	for k := range fields {
		names = append(names, k)
	}
	sort.Strings(names)
	bad := false
	for _, k := range names {
		if !slices.Contains(allowed, k) {
			bad = true
			f.fail(field+"."+k, "unknown", "%s", unknownOption(acc.Platform, k))
			continue
		}
		// One option at a time, so a value of the wrong type names its
		// own option.
		one, _ := json.Marshal(map[string]json.RawMessage{k: fields[k]})
		if err := json.Unmarshal(one, &o); err != nil {
			bad = true
			f.fail(field+"."+k, "invalid", "%s", optionTypeMessage(k, err))
		}
	}
	if bad {
		return o, nil
	}
	switch acc.Platform {
	case serentak.YouTube:
		youtubeOptions(f, field, &o, b.s.cfg.YouTubePrivacy)
	case serentak.Instagram, serentak.Facebook:
		o.FirstComment = strings.TrimSpace(o.FirstComment)
		if _, given := fields["first_comment"]; given && o.FirstComment == "" {
			f.fail(field+".first_comment", "required", "must not be empty; leave it out for no first comment")
		}
		if utf8.RuneCountInString(o.FirstComment) > maxFirstComment {
			f.fail(field+".first_comment", "too_long", "must be at most %d characters", maxFirstComment)
		}
		if acc.Platform == serentak.Instagram && o.ShareToFeed == nil {
			yes := true // the contract's default: a Reel also shows in the feed
			o.ShareToFeed = &yes
		}
	case serentak.TikTok:
		return o, b.tiktokOptions(f, field, acc, &o, media)
	}
	return o, nil
}

// unknownOption says why an option name is refused, naming the platform
// it belongs to when it is another's.
func unknownOption(p serentak.Platform, name string) string {
	for _, other := range serentak.Platforms {
		if other != p && slices.Contains(other.TargetOptions(), name) {
			return fmt.Sprintf("%s is an option of %s, not of %s (which takes %s)", name, other.DisplayName(), p.DisplayName(), strings.Join(p.TargetOptions(), ", "))
		}
	}
	return fmt.Sprintf("%s is not an option; %s takes %s", name, p.DisplayName(), strings.Join(p.TargetOptions(), ", "))
}

func optionTypeMessage(name string, err error) string {
	var te *json.UnmarshalTypeError
	if errors.As(err, &te) {
		switch te.Type.String() {
		case "bool", "*bool":
			return "must be true or false"
		case "string":
			return "must be a string"
		case "[]string":
			return "must be a list of strings"
		}
	}
	return fmt.Sprintf("%s has a value of the wrong type", name)
}

func youtubeOptions(f *faults, field string, o *serentak.Options, def string) {
	switch {
	case o.Privacy == "":
		o.Privacy = def // SERENTAK_YOUTUBE_PRIVACY; empty: the adapter's own default
	case !slices.Contains(youtubePrivacy(), o.Privacy):
		f.fail(field+".privacy", "invalid", "must be one of %s", strings.Join(youtubePrivacy(), ", "))
	}
	if c := o.CategoryID; c != "" && (len(c) > maxCategoryID || strings.Trim(c, "0123456789") != "") {
		f.fail(field+".category_id", "invalid", "must be a YouTube video category ID, a number such as \"22\" (People & Blogs)")
	}
	total := 0
	for j, t := range o.Tags {
		t = strings.TrimSpace(t)
		o.Tags[j] = t
		switch {
		case t == "":
			f.fail(fmt.Sprintf("%s.tags[%d]", field, j), "required", "must not be empty")
		case strings.ContainsAny(t, "<>"):
			f.fail(fmt.Sprintf("%s.tags[%d]", field, j), "invalid", "YouTube does not allow '<' or '>' in tags")
		}
		// Counted as YouTube counts them: a comma between tags, and
		// quotes around a tag with a space (docs/platforms/youtube.md#limits).
		total += utf8.RuneCountInString(t)
		if j > 0 {
			total++
		}
		if strings.Contains(t, " ") {
			total += 2
		}
	}
	if total > maxYouTubeTags {
		f.fail(field+".tags", "too_long", "YouTube allows at most %d characters of tags in all; these have %d", maxYouTubeTags, total)
	}
}

// tiktokOptions checks a TikTok target's options
// (docs/platforms/tiktok.md#options): privacy_level is required and must
// be one the creator offers now (creator_info, asked through the
// account's options), an interaction the creator has turned off is turned
// off, and a video longer than the creator may post is refused now rather
// than at its time.
func (b *postBuilder) tiktokOptions(f *faults, field string, acc serentak.Account, o *serentak.Options, media []serentak.MediaRef) error {
	b.tiktokPhotoSources(f, media)
	if errs := serentak.CheckTikTokOptions(*o, nil); len(errs) > 0 || b.s.cfg.OptionsReaders[serentak.TikTok] == nil || !asksPlatforms(b.ctx) {
		// Without a reader (tests, tools), or for a preview, only what
		// needs no asking is checked; creating the post asks.
		for _, e := range errs {
			f.fail(field+"."+e.Field, e.Code, "%s", e.Message)
		}
		return nil
	}
	ao, err := b.s.accountOptions(b.ctx, acc)
	if err != nil {
		var ae *serentak.Error
		if errors.As(err, &ae) && ae.Code == serentak.ECodeValidation {
			// The account's token is broken: the target is at fault.
			f.fail("target.account_id", "needs_reauth", "%s", ae.Message)
			return nil
		}
		return err
	}
	if ao.CanPost {
		for _, e := range serentak.CheckTikTokOptions(*o, &ao) {
			f.fail(field+"."+e.Field, e.Code, "%s", e.Message)
		}
	}
	// else TikTok answered no privacy levels, only that the creator cannot
	// post today; a post for later is not refused for it, and the level is
	// checked again before it is sent.
	o.DisableComment = o.DisableComment || ao.CommentDisabled
	o.DisableDuet = o.DisableDuet || ao.DuetDisabled
	o.DisableStitch = o.DisableStitch || ao.StitchDisabled
	if limit := ao.MaxVideoPostDurationSec; limit > 0 {
		for _, m := range media {
			if m.Kind == serentak.MediaVideo && m.DurationMS > int64(limit)*1000 {
				f.fail("target.media", "too_long",
					"the video is %s long, but this TikTok account can post videos of at most %s",
					(time.Duration(m.DurationMS) * time.Millisecond).Round(time.Second), time.Duration(limit)*time.Second)
			}
		}
	}
	return nil
}

// tiktokPhotoSources refuses now, rather than at the post's time, photos
// TikTok will not be able to fetch. TikTok takes photos only by pulling
// them (PULL_FROM_URL), and only from a domain or URL prefix verified for
// the app (Media transfer guide, "Pull from URL";
// docs/platforms/tiktok.md#pull-from-url): here, SERENTAK_PUBLIC_URL's,
// when the operator has verified it (SERENTAK_TIKTOK_PULL_FROM_URL).
// Videos need no such check: one TikTok cannot pull is uploaded as a file.
func (b *postBuilder) tiktokPhotoSources(f *faults, media []serentak.MediaRef) {
	for _, m := range media {
		if m.Kind != serentak.MediaImage {
			return // a video post: the photos are not published
		}
	}
	public, _ := url.Parse(b.s.cfg.PublicURL)
	for j, m := range media {
		field := fmt.Sprintf("target.media[%d]", j)
		switch {
		case !b.s.cfg.TikTokPullFromURL:
			f.fail(field, "unsupported_media", "TikTok fetches photos itself, only from a domain verified for this app, and this server has none (SERENTAK_TIKTOK_PULL_FROM_URL is off); post a video to TikTok, or ask the operator to verify the domain of SERENTAK_PUBLIC_URL with TikTok and turn SERENTAK_TIKTOK_PULL_FROM_URL on")
			return
		case m.URL == "":
			// An upload: TikTok fetches it from PublicURL.
		case public == nil || !sameHost(m.URL, public):
			f.fail(field, "unsupported_media", "TikTok fetches photos only from this server's verified domain, not from %s; upload the photo (POST …/media) and use its id", hostOf(m.URL))
		}
	}
}

func sameHost(raw string, public *url.URL) bool {
	u, err := url.Parse(raw)
	return err == nil && u.Scheme == "https" && strings.EqualFold(u.Host, public.Host)
}

func hostOf(raw string) string {
	if u, err := url.Parse(raw); err == nil && u.Host != "" {
		return u.Host
	}
	return "that address"
}

// noAskingKey marks a request context in which the platforms are not asked
// for accounts' options (previewNoAsking).
type noAskingKey struct{}

// previewNoAsking is ctx for a preview: a preview shows what would be
// published without calling any platform (the contract lets it read the
// options; it does not, so previews stay instant and work offline), and
// the options are checked against the platform when the post is created.
func previewNoAsking(ctx context.Context) context.Context {
	return context.WithValue(ctx, noAskingKey{}, true)
}

func asksPlatforms(ctx context.Context) bool { return ctx.Value(noAskingKey{}) == nil }
