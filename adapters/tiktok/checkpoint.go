package tiktok

import (
	"context"
	"fmt"
	"maps"
	"strconv"
	"time"

	"github.com/serentak/serentak"
)

// Exactly-once, and where TikTok makes it impossible.
//
// The init call is the one that can make a post, and TikTok gives it no
// idempotency key and has no way to list a creator's posts by a marker of
// ours (the Display API's video list needs another scope and shows a post
// only after moderation). So:
//
//   - Before init the checkpoint says "about to init" (step=init) with the
//     source. The moment init answers, the publish_id is saved; every later
//     attempt works on that publish_id (resumes the upload, reads the
//     status) and never inits again.
//   - If init may have reached TikTok but no answer came (a broken
//     connection after the request was written), what we do depends on
//     the source:
//     FILE_UPLOAD: TikTok cannot publish a video whose bytes it never
//     received, and the bytes go to an upload_url only the lost answer
//     held. The orphan publish expires with its upload_url (1 h). So
//     initialising again is safe, and the next attempt does.
//     PULL_FROM_URL (videos pulled, and every photo post): TikTok fetches
//     the media by itself, so the post may well be on its way. Nothing can
//     tell us, so we do NOT init again: the delivery fails (Rejected) with
//     a message saying the post may exist and asking the user to look at
//     their TikTok profile. We prefer never twice to never lost here,
//     because a duplicate is public and a missing post is one click away.
//   - An init refused with an error answer made no post; the step is
//     cleared and the error classified.
//   - Upload progress (chunks done) is saved after every chunk. A chunk
//     whose answer was lost is sent again; TikTok answers 416 with its real
//     progress if it had it, and we carry on from there. An upload_url
//     that expired (403, or older than an hour) before the last chunk was
//     accepted means that publish can never complete, so a fresh init is
//     safe.
//   - A FAILED publish is dead too: a retryable fail_reason clears the
//     publish and the next attempt inits again.

// Checkpoint keys.
const (
	cpStep   = "step" // "init": the init call is about to be (or was) sent
	cpStepAt = "step_at"
	cpSource = "source" // FILE_UPLOAD or PULL_FROM_URL
	cpMode   = "mode"   // "direct" or "inbox"
	cpKind   = "kind"   // "video" or "photo"

	cpPrivacy  = "privacy_level"
	cpUsername = "username"
	// cpNotice is the warning code of what differs from what the user
	// asked (serentak.WarnTikTokNotPublic: kept private, the app being
	// unaudited; serentak.WarnTikTokInbox: sent to the inbox). One saved
	// before notices had codes holds the English words instead.
	cpNotice      = "notice"
	cpPullRefused = "pull_refused" // TikTok refused the video URL as unverified

	cpPublishID  = "publish_id"
	cpInitAt     = "init_at"
	cpUploadURL  = "upload_url"
	cpVideoSize  = "video_size"
	cpChunkSize  = "chunk_size"
	cpChunks     = "chunk_count"
	cpChunksDone = "chunks_done"
	cpUploaded   = "uploaded" // "1" once TikTok has every byte

	cpPolls      = "polls"
	cpCompleteAt = "complete_at" // PUBLISH_COMPLETE seen, public ID not yet

	cpPostID      = "post_id"
	cpPermalink   = "permalink"
	cpPublishedAt = "published_at"
)

const (
	stepInit   = "init"
	srcFile    = "FILE_UPLOAD"
	srcPull    = "PULL_FROM_URL"
	modeDirect = "direct"
	modeInbox  = "inbox"
)

// publishKeys are what a publish_id brings; clearing them lets the next
// attempt init afresh.
var publishKeys = []string{cpStep, cpStepAt, cpSource, cpPublishID, cpInitAt, cpUploadURL, cpVideoSize,
	cpChunkSize, cpChunks, cpChunksDone, cpUploaded, cpPolls, cpCompleteAt}

// attempt is one Publish call's state.
type attempt struct {
	*Publisher
	req serentak.PublishRequest
	cp  serentak.Checkpoint
}

func (a *attempt) save(ctx context.Context) error {
	if a.req.SaveFunc == nil {
		return nil
	}
	return a.req.SaveFunc(ctx, maps.Clone(a.cp))
}

// forget drops the current publish so the next attempt inits again. Only
// for publishes that cannot complete.
func (a *attempt) forget() {
	for _, k := range publishKeys {
		delete(a.cp, k)
	}
}

func (a *attempt) run(ctx context.Context) (serentak.Result, error) {
	if a.req.Account.ExternalID == "" || a.req.Account.Token.AccessToken == "" {
		return serentak.Result{}, serentak.NewPublishError(serentak.AuthExpired, "",
			"the TikTok account has no open_id or access token; reconnect the account")
	}
	// An earlier attempt finished and saved the result, but the worker did
	// not get to record it.
	if id := a.cp[cpPostID]; id != "" {
		at, _ := time.Parse(time.RFC3339Nano, a.cp[cpPublishedAt])
		return serentak.Result{ExternalID: id, Permalink: a.cp[cpPermalink], PublishedAt: at, Warnings: a.warnings()}, nil
	}
	if a.cp[cpPublishID] != "" {
		return a.resume(ctx)
	}
	if a.cp[cpStep] == stepInit && a.cp[cpSource] != srcFile {
		return serentak.Result{}, a.maybeCreated()
	}
	// No step, or an init of a FILE_UPLOAD whose answer was lost: safe to
	// start (see above).
	return a.start(ctx)
}

// maybeCreated is the answer when a pulled post's init may have reached
// TikTok and nothing can tell whether it did.
func (a *attempt) maybeCreated() *serentak.PublishError {
	what := "video"
	if a.cp[cpKind] == string(kindPhoto) {
		what = "photo post"
	}
	return serentak.NewPublishError(serentak.Rejected, "outcome_unknown",
		"The %s was sent to TikTok (at %s) but the answer was lost, and TikTok offers no way to check whether it arrived. "+
			"To avoid posting it twice, Serentak did not send it again. Look at the TikTok profile (and the TikTok inbox): "+
			"if the post is not there within an hour, schedule it again.", what, a.cp[cpStepAt])
}

// done records the result in the checkpoint so a later attempt returns it
// without calling TikTok. The post exists either way, so a failed save
// does not fail the publish.
func (a *attempt) done(ctx context.Context, res serentak.Result) serentak.Result {
	a.cp[cpPostID] = res.ExternalID
	a.cp[cpPermalink] = res.Permalink
	a.cp[cpPublishedAt] = res.PublishedAt.UTC().Format(time.RFC3339Nano)
	_ = a.save(ctx)
	res.Warnings = a.warnings()
	return res
}

// warnings are what TikTok did differently from what was asked (the
// checkpoint's notice): the delivery's warnings say it, not only the
// checkpoint.
func (a *attempt) warnings() []serentak.Warning {
	switch n := a.cp[cpNotice]; n {
	case "":
		return nil
	case serentak.WarnTikTokInbox, serentak.WarnTikTokNotPublic:
		return []serentak.Warning{serentak.NewWarning(n)}
	default: // words saved before notices had codes: read as written
		return []serentak.Warning{{Plain: n}}
	}
}

func (a *attempt) cpInt(key string) int64 {
	n, _ := strconv.ParseInt(a.cp[key], 10, 64)
	return n
}

func (a *attempt) setInt(key string, n int64) { a.cp[key] = strconv.FormatInt(n, 10) }

func saveFailed(err error) *serentak.PublishError {
	return &serentak.PublishError{Kind: serentak.Transient, Err: err,
		Message: fmt.Sprintf("could not save the publish checkpoint, so nothing more was sent to TikTok: %v", err)}
}
