package tiktok

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptrace"
	"net/url"
	"sync/atomic"

	"github.com/serentak/serentak"
)

// API paths.
const (
	pathCreatorInfo = "/v2/post/publish/creator_info/query/"
	pathVideoInit   = "/v2/post/publish/video/init/"
	pathInboxInit   = "/v2/post/publish/inbox/video/init/"
	pathContentInit = "/v2/post/publish/content/init/"
	pathStatus      = "/v2/post/publish/status/fetch/"
)

// maxAnswer caps what we read of an answer.
const maxAnswer = 1 << 20

// envelope is every v2 API answer: {"data":…, "error":{…}}.
type envelope struct {
	Data  json.RawMessage `json:"data"`
	Error *apiError       `json:"error"`
}

type apiError struct {
	Code    string `json:"code"`
	Message string `json:"message"`
	LogID   string `json:"log_id"`
}

// answer is one HTTP exchange's outcome.
type answer struct {
	status int
	header http.Header
	body   []byte
	// wrote: the request was fully written, so it may have reached TikTok
	// even when no answer came.
	wrote bool
}

// call POSTs JSON (or nothing, when body is nil) to an API path with the
// bearer token. err is set only when no answer came.
func (a *attempt) call(ctx context.Context, path string, body any) (answer, error) {
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return answer{}, fmt.Errorf("tiktok: encoding the %s request: %w", path, err)
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, a.base+path, rd)
	if err != nil {
		return answer{}, &serentak.PublishError{Kind: serentak.Rejected, Err: err,
			Message: fmt.Sprintf("could not build the TikTok request (%v); check the TikTok API URL setting", err)}
	}
	req.Header.Set("Authorization", "Bearer "+a.req.Account.Token.AccessToken)
	if body != nil {
		req.Header.Set("Content-Type", "application/json; charset=UTF-8")
	}
	// Never an Idempotency-Key header: net/http would then treat the POST
	// as idempotent and might resend it on a broken connection.
	return a.do(req)
}

func (a *attempt) do(req *http.Request) (answer, error) {
	var wrote atomic.Bool
	req = req.WithContext(httptrace.WithClientTrace(req.Context(), &httptrace.ClientTrace{
		WroteRequest: func(info httptrace.WroteRequestInfo) {
			if info.Err == nil {
				wrote.Store(true)
			}
		},
	}))
	resp, err := a.client.Do(req)
	if err != nil {
		return answer{wrote: wrote.Load()}, netError(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, maxAnswer))
	if err != nil {
		return answer{wrote: true}, fmt.Errorf("reading the answer: %w", netError(err))
	}
	return answer{status: resp.StatusCode, header: resp.Header, body: b, wrote: true}, nil
}

// netError drops the URL from a *url.Error: an upload_url carries its
// upload_token in the query.
func netError(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		return fmt.Errorf("%s %s: %w", ue.Op, "request", ue.Err)
	}
	return err
}

// read calls an idempotent-enough path (creator_info, status) and decodes
// data into out; every failure to get an answer is Transient.
func (a *attempt) read(ctx context.Context, path string, body, out any) error {
	ans, err := a.call(ctx, path, body)
	if err != nil {
		var pe *serentak.PublishError
		if errors.As(err, &pe) {
			return pe
		}
		return &serentak.PublishError{Kind: serentak.Transient, Err: err,
			Message: fmt.Sprintf("could not reach TikTok for %s (%v); it will be retried", path, err)}
	}
	data, pe := decode(ans)
	if pe != nil {
		return pe
	}
	if err := json.Unmarshal(data, out); err != nil {
		return &serentak.PublishError{Kind: serentak.Transient, Err: err,
			Message: fmt.Sprintf("TikTok's answer for %s could not be read (%v)", path, err)}
	}
	return nil
}

// decode checks the envelope (even on HTTP 200: creator_info reports some
// errors with a deliberate 200) and returns data.
func decode(ans answer) (json.RawMessage, *serentak.PublishError) {
	if pe := Classify(ans.status, ans.body, ans.header); pe != nil {
		return nil, pe
	}
	var env envelope
	_ = json.Unmarshal(ans.body, &env) // classify has parsed it already
	if len(env.Data) == 0 || string(env.Data) == "null" {
		return json.RawMessage("{}"), nil
	}
	return env.Data, nil
}

// creatorInfo is creator_info/query's data (Query creator info,
// "Response").
type creatorInfo struct {
	AvatarURL       string   `json:"creator_avatar_url"`
	Username        string   `json:"creator_username"`
	Nickname        string   `json:"creator_nickname"`
	PrivacyOptions  []string `json:"privacy_level_options"`
	CommentDisabled bool     `json:"comment_disabled"`
	DuetDisabled    bool     `json:"duet_disabled"`
	StitchDisabled  bool     `json:"stitch_disabled"`
	MaxDurationSec  int      `json:"max_video_post_duration_sec"`
}

func (a *attempt) creatorInfo(ctx context.Context) (creatorInfo, error) {
	var ci creatorInfo
	if err := a.read(ctx, pathCreatorInfo, nil, &ci); err != nil {
		return ci, err
	}
	return ci, nil
}

// accountOptions is creator_info as the API shows it.
func (ci creatorInfo) accountOptions() serentak.AccountOptions {
	return serentak.AccountOptions{
		Platform:        serentak.TikTok,
		CreatorNickname: ci.Nickname, CreatorAvatarURL: ci.AvatarURL,
		// TikTok's own order, as the guidelines ask the choice be shown.
		PrivacyLevelOptions: append([]string{}, ci.PrivacyOptions...),
		CommentDisabled:     ci.CommentDisabled, DuetDisabled: ci.DuetDisabled, StitchDisabled: ci.StitchDisabled,
		MaxVideoPostDurationSec: ci.MaxDurationSec,
		CanPost:                 true,
		Accepts:                 serentak.TikTok.TargetOptions(),
	}
}

// ReadOptions asks creator_info what the creator can choose now
// (serentak.OptionsReader). When TikTok answers that the creator cannot
// post at the moment (too many posts today, a ban, the app's cap of
// active users), the answer says so in CanPost instead of failing: it is
// what the account can do now. An inbox-only account (AccountOptions.Inbox)
// is asked too: its token must then carry video.publish.
func (p *Publisher) ReadOptions(ctx context.Context, acc serentak.Account) (serentak.AccountOptions, error) {
	a := &attempt{Publisher: p, req: serentak.PublishRequest{Account: acc}, cp: serentak.Checkpoint{}}
	ci, err := a.creatorInfo(ctx)
	if err != nil {
		var pe *serentak.PublishError
		if errors.As(err, &pe) {
			switch pe.Code {
			case "spam_risk_too_many_posts", "spam_risk_user_banned_from_posting", "reached_active_user_cap":
				return serentak.AccountOptions{Platform: serentak.TikTok, CanPost: false, CannotPostReason: pe.Message,
					Accepts: serentak.TikTok.TargetOptions()}, nil
			}
		}
		return serentak.AccountOptions{}, redact(err, acc.Token.AccessToken, acc.Token.RefreshToken)
	}
	return ci.accountOptions(), nil
}
