package youtube

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"time"

	"github.com/serentak/serentak"
)

// notListedGrace is how long a fresh upload may be missing from
// videos.list before it is taken as deleted.
const notListedGrace = 10 * time.Minute

// failureReasons and rejectionReasons explain status.failureReason and
// status.rejectionReason (docs/platforms/youtube.md#processing).
var (
	failureReasons = map[string]string{
		"codec":         "YouTube could not decode the video's codec; export it as H.264 MP4 and post again",
		"conversion":    "YouTube could not convert the video; export it again and post again",
		"emptyFile":     "the uploaded video file was empty",
		"invalidFile":   "YouTube could not read the file as a video",
		"tooSmall":      "the video file is too small to be a video",
		"uploadAborted": "YouTube says the upload was aborted",
	}
	rejectionReasons = map[string]string{
		"claim":                    "a copyright claim",
		"copyright":                "copyright infringement",
		"duplicate":                "being a duplicate of a video already uploaded",
		"inappropriate":            "inappropriate content",
		"legal":                    "legal reasons",
		"length":                   "its length",
		"termsOfUse":               "a Terms of Service violation",
		"trademark":                "trademark infringement",
		"uploaderAccountClosed":    "the channel being closed",
		"uploaderAccountSuspended": "the channel being suspended",
	}
)

// awaitProcessing checks the uploaded video once: Pending while YouTube
// processes it, Rejected if processing failed or YouTube rejected it, nil
// when it is done. Checks that cannot be made do not fail a delivery whose
// video is already up: a token with only the youtube.upload scope may not
// call videos.list, and a video that processes for longer than
// maxProcessingWait is reported as published (it is watchable while
// YouTube finishes).
func (a *attempt) awaitProcessing(ctx context.Context) error {
	id := a.cp[cpVideoID]
	uploaded, err := time.Parse(time.RFC3339Nano, a.cp[cpUploadedAt])
	if err != nil {
		uploaded = a.now()
	}
	since := a.now().Sub(uploaded)
	if since > maxProcessingWait {
		return a.processed(ctx)
	}
	pending := func(format string, args ...any) error {
		return &serentak.PublishError{Kind: serentak.Pending, Code: "processing", RetryAfter: a.poll,
			Message: fmt.Sprintf(format, args...)}
	}

	u := a.base + "/youtube/v3/videos?part=status,processingDetails&id=" + url.QueryEscape(id)
	req, err := a.newRequest(ctx, http.MethodGet, u, nil)
	if err != nil {
		return err
	}
	status, header, answer, err := a.do(req)
	if err != nil {
		return pending("the video %s is uploaded; checking its processing failed (%v) and is tried again", WatchURL(id), netErr(err))
	}
	if status/100 != 2 {
		pe := a.classify(status, answer, header)
		switch {
		case pe.Kind == serentak.AuthExpired:
			return pe
		case pe.Kind == serentak.Transient:
			return pending("the video %s is uploaded; YouTube could not report its processing (%s) and is asked again", WatchURL(id), pe.Code)
		}
		// Not allowed to look (scope) or out of read quota: the video
		// is up, which is what matters.
		return a.processed(ctx)
	}
	var out struct {
		Items []videoResource `json:"items"`
	}
	if err := json.Unmarshal(answer, &out); err != nil {
		return pending("the video %s is uploaded; YouTube's processing report could not be read and is asked again", WatchURL(id))
	}
	if len(out.Items) == 0 {
		if since < notListedGrace {
			return pending("the video %s is uploaded and not listed yet", WatchURL(id))
		}
		return serentak.NewPublishError(serentak.Rejected, "deleted",
			"YouTube no longer lists the uploaded video %s; it was deleted or removed", id)
	}
	v := out.Items[0]
	processing := ""
	if v.ProcessingDetails != nil {
		processing = v.ProcessingDetails.ProcessingStatus
	}
	switch {
	case v.Status.UploadStatus == "failed":
		why := failureReasons[v.Status.FailureReason]
		if why == "" {
			why = "YouTube could not process the video"
		}
		return serentak.NewPublishError(serentak.Rejected, "failed/"+v.Status.FailureReason,
			"%s (failureReason %q)", why, v.Status.FailureReason)
	case v.Status.UploadStatus == "rejected":
		why := rejectionReasons[v.Status.RejectionReason]
		if why == "" {
			why = "its content"
		}
		return serentak.NewPublishError(serentak.Rejected, "rejected/"+v.Status.RejectionReason,
			"YouTube rejected the video for %s (rejectionReason %q)", why, v.Status.RejectionReason)
	case v.Status.UploadStatus == "deleted":
		return serentak.NewPublishError(serentak.Rejected, "deleted", "the uploaded video %s was deleted", id)
	case processing == "failed" || processing == "terminated":
		return serentak.NewPublishError(serentak.Rejected, "processing_"+processing,
			"YouTube's processing of the video %s ended as %s", id, processing)
	case processing == "processing" || (processing == "" && v.Status.UploadStatus == "uploaded"):
		return pending("YouTube is processing the video %s", WatchURL(id))
	}
	return a.processed(ctx)
}

// processed records that processing no longer needs checking; the video is
// up either way, so a failed save does not matter.
func (a *attempt) processed(ctx context.Context) error {
	a.cp[cpProcessed] = "1"
	_ = a.save(ctx)
	return nil
}
