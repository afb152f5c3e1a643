package tiktok

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/serentak/serentak"
)

// firstPoll is the wait between sending a post and the first status read:
// TikTok takes about 30 s for half a gigabyte.
const firstPoll = 5 * time.Second

// start sends a new post: creator_info, then init (and the upload).
func (a *attempt) start(ctx context.Context) (serentak.Result, error) {
	k, err := kindOf(a.req.Content)
	if err != nil {
		return serentak.Result{}, err
	}
	opts := a.options(a.req.Account)
	a.cp[cpKind] = string(k)
	a.cp[cpMode] = modeDirect
	if opts.Inbox {
		a.cp[cpMode] = modeInbox
	}
	delete(a.cp, cpNotice)

	// Inbox uploads need only the video.upload scope, which does not
	// cover creator_info, and take no post settings.
	var ci creatorInfo
	if !opts.Inbox {
		if ci, err = a.creatorInfo(ctx); err != nil {
			return serentak.Result{}, err
		}
		// The user chose the privacy level when the post was made (TikTok's
		// guidelines forbid choosing it for them); the creator's settings
		// may have changed since, so it is checked again against what
		// creator_info offers now (Query creator info).
		ao := ci.accountOptions()
		if errs := serentak.CheckTikTokOptions(a.req.Content.Options, &ao); len(errs) > 0 {
			return serentak.Result{}, serentak.NewPublishError(serentak.Rejected, "privacy_level_option_mismatch",
				"%s; edit the post's TikTok options and schedule it again", errs[0].Message)
		}
		a.cp[cpPrivacy] = a.req.Content.Options.PrivacyLevel
		a.cp[cpUsername] = ci.Username
		if k == kindVideo {
			if err := a.checkDuration(ctx, ci); err != nil {
				return serentak.Result{}, err
			}
		}
	}
	if k == kindVideo {
		return a.startVideo(ctx, ci)
	}
	return a.startPhoto(ctx, ci)
}

// checkDuration refuses a video longer than the creator may post
// (creator_info's max_video_post_duration_sec), when its length is known:
// from Config.DurationFunc, else from the upload's inspection.
func (a *attempt) checkDuration(ctx context.Context, ci creatorInfo) error {
	if ci.MaxDurationSec <= 0 {
		return nil
	}
	m := a.req.Content.Media[0]
	d, ok := time.Duration(m.DurationMS)*time.Millisecond, m.DurationMS > 0
	if a.cfg.DurationFunc != nil {
		d, ok = a.cfg.DurationFunc(ctx, m)
	}
	limit := time.Duration(ci.MaxDurationSec) * time.Second
	if ok && d > limit {
		return serentak.NewPublishError(serentak.Rejected, "duration_too_long",
			"the video is %s long, but this TikTok account can post videos of at most %s; shorten it", d.Round(time.Second), limit)
	}
	return nil
}

// postInfoVideo is the direct post's post_info (Direct post, "Request"):
// what the user chose, except that an interaction the creator has turned
// off stays off (Content sharing guidelines: the app cannot turn it on).
func (a *attempt) postInfoVideo(ci creatorInfo) map[string]any {
	o := a.req.Content.Options
	return map[string]any{
		"title":                a.req.Content.Text,
		"privacy_level":        a.cp[cpPrivacy],
		"disable_comment":      o.DisableComment || ci.CommentDisabled,
		"disable_duet":         o.DisableDuet || ci.DuetDisabled,
		"disable_stitch":       o.DisableStitch || ci.StitchDisabled,
		"brand_content_toggle": o.BrandContentToggle,
		"brand_organic_toggle": o.BrandOrganicToggle,
	}
}

func (a *attempt) startVideo(ctx context.Context, ci creatorInfo) (serentak.Result, error) {
	m := a.req.Content.Media[0]
	src, pullURL, err := a.videoSource(m)
	if err != nil {
		return serentak.Result{}, err
	}
	path := pathVideoInit
	if a.cp[cpMode] == modeInbox {
		path = pathInboxInit
	}
	for tries := 0; ; tries++ {
		body := map[string]any{}
		if a.cp[cpMode] == modeDirect {
			body["post_info"] = a.postInfoVideo(ci)
		}
		var f *videoFile
		if src == srcFile {
			if f, err = a.openVideo(ctx, m); err != nil {
				return serentak.Result{}, err
			}
			plan := planChunks(f.size, a.cfg.ChunkSize)
			a.setInt(cpVideoSize, plan.size)
			a.setInt(cpChunkSize, plan.chunk)
			a.setInt(cpChunks, int64(plan.count))
			a.setInt(cpChunksDone, 0)
			body["source_info"] = map[string]any{"source": srcFile, "video_size": plan.size,
				"chunk_size": plan.chunk, "total_chunk_count": plan.count}
		} else {
			body["source_info"] = map[string]any{"source": srcPull, "video_url": pullURL}
		}
		pe := a.init(ctx, path, body, src)
		if pe != nil {
			if f != nil {
				f.Close()
			}
			if tries < 2 && a.fallback(pe, &src) {
				continue
			}
			return serentak.Result{}, pe
		}
		if f != nil {
			err := a.upload(ctx, m, f)
			f.Close()
			if err != nil {
				return serentak.Result{}, err
			}
		}
		return serentak.Result{}, a.submitted()
	}
}

func (a *attempt) startPhoto(ctx context.Context, ci creatorInfo) (serentak.Result, error) {
	urls := make([]string, 0, len(a.req.Content.Media))
	for _, m := range a.req.Content.Media {
		u, err := a.mediaURL(m)
		if err != nil {
			return serentak.Result{}, err
		}
		urls = append(urls, u)
	}
	for tries := 0; ; tries++ {
		o := a.req.Content.Options
		info := map[string]any{"description": a.req.Content.Text,
			"brand_content_toggle": o.BrandContentToggle, "brand_organic_toggle": o.BrandOrganicToggle}
		if a.req.Content.Title != "" {
			info["title"] = a.req.Content.Title
		}
		mode := "MEDIA_UPLOAD"
		if a.cp[cpMode] == modeDirect {
			mode = "DIRECT_POST"
			info["privacy_level"] = a.cp[cpPrivacy]
			info["disable_comment"] = o.DisableComment || ci.CommentDisabled
			// The user's choice (Photo post, post_info.auto_add_music).
			info["auto_add_music"] = o.AutoAddMusic
		}
		body := map[string]any{"media_type": "PHOTO", "post_mode": mode, "post_info": info,
			"source_info": map[string]any{"source": srcPull, "photo_images": urls, "photo_cover_index": 0}}
		src := srcPull
		pe := a.init(ctx, pathContentInit, body, src)
		if pe != nil {
			if tries < 2 && a.fallback(pe, &src) {
				continue
			}
			return serentak.Result{}, pe
		}
		return serentak.Result{}, a.submitted()
	}
}

// fallback adapts to an init refusal that a different request can get
// past, and reports whether to try again. The refusal is a 403 made
// before any post exists, so a second init is safe.
//
// unaudited_client_can_only_post_to_private_accounts is not among them:
// it is about the creator's account being public, so asking again as
// SELF_ONLY cannot get past it (Content sharing guidelines, "Direct Post
// API - Developer Guidelines": accounts must be private at the time of
// posting). Classify turns it into a refusal saying what to do.
func (a *attempt) fallback(pe *serentak.PublishError, src *string) bool {
	if pe.Code == "url_ownership_unverified" && *src == srcPull && a.cp[cpKind] == string(kindVideo) && a.req.OpenMediaFunc != nil {
		*src = srcFile
		a.cp[cpPullRefused] = "1"
		return true
	}
	return false
}

// submitted is the answer once TikTok has the post: it is processing.
func (a *attempt) submitted() error {
	return &serentak.PublishError{Kind: serentak.Pending, RetryAfter: firstPoll,
		Message: fmt.Sprintf("the %s was sent to TikTok (publish_id %s), which is processing it; its status is checked in %s",
			a.cp[cpKind], a.cp[cpPublishID], firstPoll)}
}

// videoSource decides between PULL_FROM_URL and FILE_UPLOAD.
func (a *attempt) videoSource(m serentak.MediaRef) (src, pullURL string, err error) {
	canFile := a.req.OpenMediaFunc != nil
	if a.cfg.PullFromURL && a.cp[cpPullRefused] == "" {
		u, err := a.mediaURL(m)
		if err == nil && a.pullable(u) {
			return srcPull, u, nil
		}
		if err != nil && !canFile {
			return "", "", err
		}
	}
	if canFile {
		return srcFile, "", nil
	}
	// Nothing can push the bytes; a URL is the last resort.
	u, err := a.mediaURL(m)
	if err != nil {
		return "", "", err
	}
	return srcPull, u, nil
}

// pullable: TikTok pulls only https URLs on verified domains or prefixes.
func (a *attempt) pullable(u string) bool {
	if len(a.cfg.VerifiedPrefixes) == 0 {
		return strings.HasPrefix(u, "https://")
	}
	for _, p := range a.cfg.VerifiedPrefixes {
		if strings.HasPrefix(u, p) {
			return true
		}
	}
	return false
}

// mediaURL is the URL TikTok fetches a media item from.
func (a *attempt) mediaURL(m serentak.MediaRef) (string, error) {
	if m.URL != "" {
		return m.URL, nil
	}
	if a.req.MediaURLFunc == nil {
		return "", serentak.NewPublishError(serentak.Rejected, "",
			"uploaded media %s has no public URL to give TikTok; set SERENTAK_PUBLIC_URL", m.ID)
	}
	u, err := a.req.MediaURLFunc(m)
	if err != nil {
		return "", &serentak.PublishError{Kind: serentak.Transient, Err: err,
			Message: fmt.Sprintf("could not make a public URL for media %s: %v", m.ID, err)}
	}
	return u, nil
}

// init makes the call that creates a publish. It saves "about to init"
// first (and sends nothing if that fails), and the publish_id the moment
// it comes back. See checkpoint.go for what a lost answer means.
func (a *attempt) init(ctx context.Context, path string, body any, src string) *serentak.PublishError {
	a.cp[cpStep] = stepInit
	a.cp[cpStepAt] = a.now().UTC().Format(time.RFC3339Nano)
	a.cp[cpSource] = src
	if err := a.save(ctx); err != nil {
		return saveFailed(err)
	}
	ans, err := a.call(ctx, path, body)
	if err != nil {
		var pe *serentak.PublishError
		switch {
		case errors.As(err, &pe):
			a.clearStep(ctx)
			return pe
		case !ans.wrote:
			a.clearStep(ctx)
			return &serentak.PublishError{Kind: serentak.Transient, Err: err,
				Message: fmt.Sprintf("could not reach TikTok (%v); nothing was sent, and it will be retried", err)}
		case src == srcFile:
			// Safe to init again: see checkpoint.go.
			return &serentak.PublishError{Kind: serentak.Transient, Err: err, Message: fmt.Sprintf(
				"the upload was announced to TikTok but no answer came (%v); TikTok cannot post a video whose bytes it never got, so the next attempt starts the upload again", err)}
		}
		pe = a.maybeCreated()
		pe.Err = err
		return pe
	}
	var env envelope
	enveloped := json.Unmarshal(ans.body, &env) == nil && env.Error != nil && env.Error.Code != ""
	if pe := Classify(ans.status, ans.body, ans.header); pe != nil {
		if !enveloped && ans.status >= 500 && src != srcFile {
			// A gateway's error page: TikTok behind it may have acted.
			pe2 := a.maybeCreated()
			pe2.Err = pe
			return pe2
		}
		// TikTok answered with an error: no publish was made.
		a.clearStep(ctx)
		return pe
	}
	var out struct {
		PublishID string `json:"publish_id"`
		UploadURL string `json:"upload_url"`
	}
	_ = json.Unmarshal(env.Data, &out)
	if out.PublishID == "" || (src == srcFile && out.UploadURL == "") {
		if src == srcFile {
			return serentak.NewPublishError(serentak.Transient, "", "TikTok accepted the upload but gave no publish_id or upload_url; the next attempt starts again")
		}
		return a.maybeCreated()
	}
	a.cp[cpPublishID] = out.PublishID
	a.cp[cpInitAt] = a.now().UTC().Format(time.RFC3339Nano)
	if out.UploadURL != "" {
		a.cp[cpUploadURL] = out.UploadURL
	}
	delete(a.cp, cpStep)
	if err := a.save(ctx); err != nil {
		return saveFailed(err)
	}
	return nil
}

// clearStep records that an init made nothing. A failed save leaves the
// step, which only makes a later attempt more careful.
func (a *attempt) clearStep(ctx context.Context) {
	delete(a.cp, cpStep)
	_ = a.save(ctx)
}
