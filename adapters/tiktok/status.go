package tiktok

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/serentak/serentak"
)

// Publish statuses (status/fetch).
const (
	statusProcessingUpload   = "PROCESSING_UPLOAD"
	statusProcessingDownload = "PROCESSING_DOWNLOAD"
	statusSendToUserInbox    = "SEND_TO_USER_INBOX"
	statusPublishComplete    = "PUBLISH_COMPLETE"
	statusFailed             = "FAILED"
)

const (
	// maxProcessing is how long a post may stay in processing before we
	// stop waiting: TikTok gives up on a pull after 1 h and an upload_url
	// lives 1 h, so three hours is well past anything alive.
	maxProcessing = 3 * time.Hour
	// publicIDWait is how long a public post that is PUBLISH_COMPLETE is
	// polled for its public ID, which arrives after moderation (usually
	// about a minute). After that the publish_id stands in.
	publicIDWait  = 2 * time.Minute
	publicIDDelay = 15 * time.Second
)

// pollDelay spaces status reads: quick at first (most posts finish within
// a minute), then slower, keeping well under 30 reads a minute per user.
func pollDelay(polls int64) time.Duration {
	switch {
	case polls <= 6:
		return 5 * time.Second
	case polls <= 20:
		return 15 * time.Second
	}
	return time.Minute
}

// publishStatus is status/fetch's data.
type publishStatus struct {
	Status          string  `json:"status"`
	FailReason      string  `json:"fail_reason"`
	PostIDs         postIDs `json:"publicaly_available_post_id"` // sic
	UploadedBytes   int64   `json:"uploaded_bytes"`
	DownloadedBytes int64   `json:"downloaded_bytes"`
}

// postIDs reads publicaly_available_post_id leniently: documented as a
// list of int64, seen otherwise; numbers keep every digit.
type postIDs []string

func (p *postIDs) UnmarshalJSON(b []byte) error {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil // lenient: an unreadable ID list is an absent one
	}
	var out postIDs
	add := func(x any) {
		switch x := x.(type) {
		case json.Number:
			out = append(out, x.String())
		case string:
			if s := strings.TrimSpace(x); s != "" {
				out = append(out, s)
			}
		}
	}
	if list, ok := v.([]any); ok {
		for _, x := range list {
			add(x)
		}
	} else {
		add(v)
	}
	*p = out
	return nil
}

func (a *attempt) status(ctx context.Context) (publishStatus, error) {
	var st publishStatus
	err := a.read(ctx, pathStatus, map[string]string{"publish_id": a.cp[cpPublishID]}, &st)
	return st, err
}

// resume works on a publish an earlier attempt made: finish its upload,
// or read its status.
func (a *attempt) resume(ctx context.Context) (serentak.Result, error) {
	if a.cp[cpSource] == srcFile && a.cp[cpUploaded] != "1" {
		return a.resumeUpload(ctx)
	}
	st, err := a.status(ctx)
	if err != nil {
		return serentak.Result{}, err
	}
	return a.handleStatus(ctx, st)
}

func (a *attempt) handleStatus(ctx context.Context, st publishStatus) (serentak.Result, error) {
	publishID := a.cp[cpPublishID]
	switch st.Status {
	case statusPublishComplete:
		var id string
		if len(st.PostIDs) > 0 {
			id = st.PostIDs[0]
		}
		if id == "" && a.waitForPublicID(ctx) {
			return serentak.Result{}, &serentak.PublishError{Kind: serentak.Pending, RetryAfter: publicIDDelay, Code: st.Status,
				Message: fmt.Sprintf("TikTok has published the post and is reviewing it before it gets its public ID; checking again in %s", publicIDDelay)}
		}
		res := serentak.Result{ExternalID: id, Permalink: permalink(a.cp[cpUsername], id), PublishedAt: a.now()}
		if id == "" {
			// Private posts never get a public ID; the publish_id is
			// the only handle there is.
			res.ExternalID = publishID
			if a.cp[cpMode] == modeDirect && a.cp[cpPrivacy] == PublicToEveryone {
				// Asked public, yet no public ID: TikTok keeps every post
				// of an app it has not audited private (Content sharing
				// guidelines, "Direct Post API - Developer Guidelines"),
				// or its review is taking longer than usual.
				a.cp[cpNotice] = serentak.WarnTikTokNotPublic
			}
		}
		return a.done(ctx, res), nil
	case statusSendToUserInbox:
		a.cp[cpNotice] = serentak.WarnTikTokInbox
		return a.done(ctx, serentak.Result{ExternalID: publishID, PublishedAt: a.now()}), nil
	case statusFailed:
		return serentak.Result{}, a.failed(ctx, st.FailReason)
	}
	// PROCESSING_UPLOAD, PROCESSING_DOWNLOAD, or a status this code does
	// not know yet: wait.
	initAt, err := time.Parse(time.RFC3339Nano, a.cp[cpInitAt])
	if err == nil && a.now().Sub(initAt) > maxProcessing {
		return serentak.Result{}, serentak.NewPublishError(serentak.Rejected, "processing_timeout",
			"TikTok has been processing the post for more than %s (status %s, publish_id %s) and has not finished. It may still appear: check the TikTok profile before scheduling it again.",
			maxProcessing, st.Status, publishID)
	}
	polls := a.cpInt(cpPolls) + 1
	a.setInt(cpPolls, polls)
	_ = a.save(ctx) // only paces the polling
	d := pollDelay(polls)
	what := "processing the post"
	switch st.Status {
	case statusProcessingUpload:
		what = "processing the uploaded video"
	case statusProcessingDownload:
		what = "downloading the media"
	}
	return serentak.Result{}, &serentak.PublishError{Kind: serentak.Pending, RetryAfter: d, Code: st.Status,
		Message: fmt.Sprintf("TikTok is %s (status %s); checking again in %s", what, st.Status, d)}
}

// waitForPublicID reports whether a completed public post should be
// polled a little longer for its public ID.
func (a *attempt) waitForPublicID(ctx context.Context) bool {
	if a.cp[cpMode] != modeDirect || a.cp[cpPrivacy] != PublicToEveryone {
		return false
	}
	at, err := time.Parse(time.RFC3339Nano, a.cp[cpCompleteAt])
	if err != nil {
		a.cp[cpCompleteAt] = a.now().UTC().Format(time.RFC3339Nano)
		_ = a.save(ctx)
		return true
	}
	return a.now().Sub(at) < publicIDWait
}

// failed turns a FAILED status into the delivery's error. A publish that
// failed for a passing reason is dead, so it is forgotten and the next
// attempt posts again: no duplicate can result.
func (a *attempt) failed(ctx context.Context, reason string) error {
	pe := classifyFailReason(reason)
	if pe.Kind != serentak.Rejected {
		a.forget()
		if err := a.save(ctx); err != nil {
			return saveFailed(err)
		}
	}
	return pe
}
