package instagram

import (
	"context"
	"errors"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/serentak/serentak"
	"github.com/serentak/serentak/adapters/graph"
)

// First comment (docs/platforms/instagram.md#first-comment).
//
// Content.Options.FirstComment is commented on the media right after it is
// published: POST /{ig-media-id}/comments?message=… (Comments reference,
// "Creating":
// https://developers.facebook.com/documentation/instagram-platform/instagram-graph-api/reference/ig-media/comments).
// It goes through the same checkpoint step as every non-idempotent call:
// "about to comment" is saved before the call and the comment's ID after
// it. An attempt that finds the step saved without an ID (the answer was
// lost, or the worker died) lists the media's comments and takes an
// identical one for ours before commenting again, so a retry never
// comments twice.
//
// The post is public by then, so a comment that cannot be made never
// fails the delivery: a refusal (a missing permission, a token gone bad)
// is given up at once, a temporary failure after maxCommentTries, and the
// result then carries a warning saying why.

// maxCommentTries bounds the attempts spent on a temporary failure of the
// first comment.
const maxCommentTries = 3

// FeatureFirstComment names the first comment (a target's first_comment
// option) for PermissionsFor.
const FeatureFirstComment = "first_comment"

// featurePermissions is what each feature needs beyond publishing, by
// login: the first comment needs the login's comments permission
// (Comments reference, "Requirements":
// https://developers.facebook.com/documentation/instagram-platform/instagram-graph-api/reference/ig-media/comments;
// docs/platforms/instagram.md#first-comment).
var featurePermissions = map[bool]map[string][]string{
	false: {FeatureFirstComment: {"instagram_business_manage_comments"}, serentak.FeatureMetrics: {metricsPermission[false]}}, // Instagram Login
	true:  {FeatureFirstComment: {"instagram_manage_comments"}, serentak.FeatureMetrics: {metricsPermission[true]}},           // Facebook Login
}

// facebookLogin reports whether the base URL is the Facebook Login host
// (graph.facebook.com); any other is Instagram Login's
// (docs/platforms/instagram.md#connecting).
func facebookLogin(baseURL string) bool {
	return strings.Contains(baseURL, "graph.facebook.com")
}

// PermissionsFor returns the permissions a feature ("first_comment") needs
// beyond publishing with the login this publisher's host serves
// (SERENTAK_INSTAGRAM_API_URL); nil for a feature that needs none or is
// unknown. Compared with an account's granted scopes, it tells an account
// connected before Serentak asked for a permission which one it lacks.
func (p *Publisher) PermissionsFor(feature string) []string {
	return slices.Clone(featurePermissions[facebookLogin(p.g.Endpoint.BaseURL)][feature])
}

// commentPermission is the comments permission of the login the base URL
// serves.
func (a *attempt) commentPermission() string {
	return featurePermissions[facebookLogin(a.Endpoint.BaseURL)][FeatureFirstComment][0]
}

// firstComment makes the post's first comment, once, and returns res with
// any warning about it.
func (a *attempt) firstComment(ctx context.Context, res serentak.Result) (serentak.Result, error) {
	msg := strings.TrimSpace(a.Req.Content.Options.FirstComment)
	if msg == "" || a.CP[cpCommentID] != "" {
		return res, nil
	}
	if w := a.CP[cpCommentWarning]; w != "" {
		res.Warnings = append(res.Warnings, serentak.ParseCheckpointWarnings(w)...)
		return res, nil
	}
	mediaID := res.ExternalID
	if a.CP[cpStep] == stepComment {
		// An earlier attempt sent the comment and never learned the
		// outcome: look for it before commenting again.
		id, err := a.findComment(ctx, mediaID, msg)
		if err != nil {
			return a.commentFailed(ctx, res, err)
		}
		if id != "" {
			return a.commented(ctx, res, id), nil
		}
	}
	var out struct {
		ID string `json:"id"`
	}
	if err := a.post(ctx, stepComment, false, mediaID+"/comments", url.Values{"message": {msg}}, &out); err != nil {
		return a.commentFailed(ctx, res, err)
	}
	if out.ID == "" {
		// The step stays saved: the next attempt looks the comment up.
		return a.commentFailed(ctx, res, serentak.NewPublishError(serentak.Transient, "",
			"Instagram accepted the first comment on media %s but returned no comment ID; it is looked for before commenting again", mediaID))
	}
	return a.commented(ctx, res, out.ID), nil
}

// commented records the comment's ID. The comment exists either way; a
// failed save means a later attempt finds it by listing.
func (a *attempt) commented(ctx context.Context, res serentak.Result, id string) serentak.Result {
	a.CP[cpCommentID] = id
	delete(a.CP, cpStep)
	delete(a.CP, cpStepAt)
	_ = a.Save(ctx)
	return res
}

// commentFailed decides what a failed first comment does: a refusal is
// given up with a warning at once, a temporary failure is retried (the
// attempt fails, and the next one comes back here through the saved
// result) until maxCommentTries, then given up too.
func (a *attempt) commentFailed(ctx context.Context, res serentak.Result, err error) (serentak.Result, error) {
	var pe *serentak.PublishError
	if !errors.As(err, &pe) {
		pe = &serentak.PublishError{Kind: serentak.Transient, Message: err.Error(), Err: err}
	}
	tries, _ := strconv.Atoi(a.CP[cpCommentTries])
	tries++
	a.CP[cpCommentTries] = strconv.Itoa(tries)
	var warning serentak.Warning
	switch {
	case isPermission(pe.Code):
		perm := a.commentPermission()
		warning = serentak.NewWarning(serentak.WarnFirstCommentNotGranted, "permission", perm, "code", pe.Code)
	case pe.Kind == serentak.Rejected || pe.Kind == serentak.AuthExpired:
		warning = serentak.NewWarning(serentak.WarnFirstCommentRefused, "reason", pe.Message)
	case tries >= maxCommentTries:
		warning = serentak.NewWarning(serentak.WarnFirstCommentGaveUp, "tries", strconv.Itoa(tries), "reason", pe.Message)
	default:
		_ = a.Save(ctx)
		return serentak.Result{}, &serentak.PublishError{Kind: pe.Kind, RetryAfter: pe.RetryAfter, Code: pe.Code, Err: pe.Err,
			Message: "the post is published; its first comment failed and is tried again: " + pe.Message}
	}
	a.CP[cpCommentWarning] = serentak.CheckpointWarnings([]serentak.Warning{warning})
	_ = a.Save(ctx)
	res.Warnings = append(res.Warnings, warning)
	return res, nil
}

// isPermission reports the Graph permission codes (10, 200–299) in a
// PublishError code ("10", "200/…").
func isPermission(code string) bool {
	c, _, _ := strings.Cut(code, "/")
	n, err := strconv.Atoi(c)
	return err == nil && (n == 10 || (n >= 200 && n <= 299))
}

// findComment looks for our comment among the media's comments: the same
// text. A comment by someone else with the very same words, minutes after
// publication, would be taken for ours; it says the same thing, so not
// commenting again is harmless.
func (a *attempt) findComment(ctx context.Context, mediaID, msg string) (string, error) {
	var out struct {
		Data []struct {
			ID   string `json:"id"`
			Text string `json:"text"`
		} `json:"data"`
	}
	if err := a.Get(ctx, mediaID+"/comments", url.Values{"fields": {"id,text"}}, &out); err != nil {
		return "", err
	}
	want := graph.NormalizeText(msg)
	for _, c := range out.Data {
		if graph.NormalizeText(c.Text) == want {
			return c.ID, nil
		}
	}
	return "", nil
}
