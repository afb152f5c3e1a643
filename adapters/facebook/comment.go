package facebook

import (
	"context"
	"errors"
	"net/url"
	"strings"

	"github.com/serentak/serentak"
	"github.com/serentak/serentak/adapters/graph"
)

// First comment (docs/platforms/facebook.md#first-comment).
//
// Content.Options.FirstComment is posted as the Page's comment on the
// published post: POST /{post-id}/comments message=… with the Page token,
// which needs pages_manage_engagement (Pages API, Comments and @mentions,
// "Permissions", "Comments":
// https://developers.facebook.com/documentation/pages-api/comments-mentions).
//
// It goes through the same checkpointing as the post: the step is saved
// before the call and the comment's ID after it, so a later attempt never
// comments twice. An attempt that finds the step without an ID reads the
// post's comments (GET /{post-id}/comments) and takes the Page's own
// comment with exactly that text for ours before commenting again.
//
// The post is public by then, so a comment Facebook refuses does not fail
// the delivery: it is published with a warning saying why (for a missing
// pages_manage_engagement, which permission to grant by reconnecting the
// Page). A comment that could not be sent (network, rate limit) is retried.

// Checkpoint keys of the first comment.
const (
	cpCommentID = "comment_id"
	// cpWarnings holds the warnings of a finished publish (JSON), so
	// an attempt that returns the saved result returns them too.
	cpWarnings   = "warnings"
	stepComment  = "comment"
	commentLimit = "100"
)

// warn adds the warning of code, its arguments given as name, value
// pairs, to the result this attempt returns.
func (a *attempt) warn(code string, nameValues ...string) {
	a.warnings = append(a.warnings, serentak.NewWarning(code, nameValues...))
}

// firstComment posts the first comment on the published post postID, once.
func (a *attempt) firstComment(ctx context.Context, postID string) error {
	text := a.Req.Content.Options.FirstComment
	if strings.TrimSpace(text) == "" || a.CP[cpCommentID] != "" {
		return nil
	}
	if a.CP[cpStep] == stepComment {
		id, err := a.findComment(ctx, postID, text)
		if err != nil {
			return err
		}
		if id != "" {
			return a.commented(ctx, id)
		}
	}
	var out struct {
		ID string `json:"id"`
	}
	err := a.post(ctx, stepComment, false, postID+"/comments", "", map[string]any{"message": text}, &out)
	if err != nil {
		var pe *serentak.PublishError
		if !errors.As(err, &pe) || (pe.Kind != serentak.Rejected && pe.Kind != serentak.AuthExpired) {
			return err
		}
		// Refused: the post stands; say why the comment is missing, once.
		if perms := MissingPermissions(pe.Message); pe.Kind == serentak.AuthExpired && len(perms) > 0 {
			a.warn(serentak.WarnFirstCommentPermission, "permissions", strings.Join(perms, ", "))
		} else {
			a.warn(serentak.WarnFirstCommentRefused, "reason", pe.Message)
		}
		return a.commented(ctx, "-")
	}
	if out.ID == "" {
		return serentak.NewPublishError(serentak.Transient, "", "Facebook accepted the first comment but returned no ID; the next attempt looks for it")
	}
	return a.commented(ctx, out.ID)
}

// commented records the comment's ID ("-" when it was given up) and the
// warnings so far.
func (a *attempt) commented(ctx context.Context, id string) error {
	a.CP[cpCommentID] = id
	a.keepWarnings()
	if err := a.Save(ctx); err != nil {
		// The next attempt reads the post's comments and finds it.
		return graph.SaveFailed("Facebook", err)
	}
	return nil
}

// findComment looks for the Page's own comment with text on the post.
func (a *attempt) findComment(ctx context.Context, postID, text string) (string, error) {
	var out struct {
		Data []struct {
			ID      string `json:"id"`
			Message string `json:"message"`
			From    struct {
				ID string `json:"id"`
			} `json:"from"`
		} `json:"data"`
	}
	if err := a.Get(ctx, postID+"/comments", url.Values{"fields": {"id,message,from"}, "limit": {commentLimit}}, &out); err != nil {
		return "", err
	}
	want := graph.NormalizeText(text)
	for _, c := range out.Data {
		if c.From.ID == a.page && graph.NormalizeText(c.Message) == want {
			return c.ID, nil
		}
	}
	return "", nil
}
