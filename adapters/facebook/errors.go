package facebook

import (
	"fmt"
	"net/http"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/serentak/serentak"
	"github.com/serentak/serentak/adapters/graph"
)

// Retry hints when Facebook gives none.
const (
	defaultRateLimitWait = graph.DefaultRateLimitWait
	// softBlockWait is for code 368 ("temporarily blocked", e.g. subcode
	// 1390008 "posting too fast"): retrying soon only prolongs the block.
	softBlockWait = time.Hour
)

// offsetMismatch is the subcode of a resumable upload chunk sent at the
// wrong offset *(practice)*.
const offsetMismatch = 1363037

// Classify turns a Graph error answer into a PublishError. It decides on
// the error's code and subcode; the HTTP status only matters when the body
// is not a Graph error (a proxy's HTML page, say).
//
// connect reads its account checks and its logins with it too, so a Graph
// error means one thing in one place.
func Classify(status int, body []byte, header http.Header) *serentak.PublishError {
	g, ok := graph.DecodeError(body)
	if !ok {
		return graph.ClassifyStatus("Facebook", "SERENTAK_FACEBOOK_API_URL", status)
	}
	code := g.CodeRef()
	pe := func(kind serentak.PublishErrorKind, explain string) *serentak.PublishError {
		return &serentak.PublishError{Kind: kind, Code: code, Message: explain + g.Quote("Facebook")}
	}

	switch {
	case g.Subcode == offsetMismatch:
		// A resumable upload's chunk sent at an offset the server does
		// not expect: error_data says which (video.go).
		e := pe(serentak.Transient, fmt.Sprintf("Facebook expects the video's bytes from another offset (code %s); the upload resumes there.", code))
		if off, ok := offsetsOf(body); ok {
			e.Err = off
		}
		return e
	case g.Code == 190 || g.Code == 102 || (g.Subcode >= 458 && g.Subcode <= 467) || g.Subcode == 492:
		return pe(serentak.AuthExpired, fmt.Sprintf("Facebook says the Page token is invalid or expired (code %s); reconnect the Page.", code))
	case g.Subcode == 1346003 || g.Subcode == 1404102:
		return pe(serentak.Rejected, fmt.Sprintf("Facebook refused the post as against its Community Standards (code %s); change the content.", code))
	case g.Code == 368:
		e := pe(serentak.RateLimited, fmt.Sprintf("Facebook has temporarily blocked posting from this Page, usually for posting too fast (code %s); it will be retried in an hour.", code))
		e.RetryAfter = softBlockWait
		return e
	case g.Code == 4 || g.Code == 17 || g.Code == 32 || g.Code == 613 || g.Code == 80001 || g.Code == 341:
		wait := graph.RegainAccess(header)
		if wait == 0 {
			wait = defaultRateLimitWait
		}
		e := pe(serentak.RateLimited, fmt.Sprintf("Facebook's rate limit was reached (code %s); it will be retried in %s.", code, wait))
		e.RetryAfter = wait
		return e
	case g.Code == 1 || g.Code == 2 || g.IsTransient || g.Subcode == 1363047 || g.Subcode == 1609010:
		return pe(serentak.Transient, fmt.Sprintf("Facebook had a temporary problem (code %s); it will be retried.", code))
	case g.Code == 10 || (g.Code >= 200 && g.Code <= 299):
		return classifyPermission(g, code, pe)
	case g.Subcode == 1404078:
		return pe(serentak.Rejected, fmt.Sprintf("Facebook requires Page Publishing Authorization for this Page (code %s); complete it in the Page's settings on Facebook, then retry.", code))
	case g.Code == 506:
		return pe(serentak.Rejected, fmt.Sprintf("Facebook refused a duplicate of a recent post (code %s); change the text.", code))
	case g.Code == 1609005:
		return pe(serentak.Rejected, fmt.Sprintf("Facebook could not read the post's link (code %s); check that the link opens publicly.", code))
	case g.Code == 100 && (g.Subcode == 1366046 || g.Subcode == 2069019):
		return pe(serentak.Rejected, fmt.Sprintf("Facebook could not use a photo (code %s); photos must be public JPG or PNG files under 4 MB.", code))
	case g.Code == 100:
		return pe(serentak.Rejected, fmt.Sprintf("Facebook refused the request as invalid (code %s); the content must change before it can be published.", code))
	case status >= 500:
		return pe(serentak.Transient, fmt.Sprintf("Facebook failed with HTTP %d (code %s); it will be retried.", status, code))
	}
	return pe(serentak.Rejected, fmt.Sprintf("Facebook refused the post (code %s).", code))
}

// Permission errors (codes 10 and 200–299).
//
// Error handling (https://developers.facebook.com/docs/graph-api/guides/error-handling,
// "Error Codes": 10 and 200–299, "Permission is either not granted or has
// been removed"; recovery: "Handle the missing permissions") says these are
// fixed by asking the person for the permission again, which takes a new
// login: the account is AuthExpired (needs_reauth), with the permission
// named, as Instagram's adapter does for the same codes.
//
// The same codes also come when the app itself may not do the thing: a
// permission or feature the app was not granted by App Review ("requires
// pages_manage_posts permission to be approved via App Review"), an app in
// development mode, a feature not available to the app. A new login cannot
// change that, so sending every merchant through a reconnect would be
// useless: the delivery fails (Rejected) with a message for the operator
// who runs the install. Meta gives no code or subcode that tells the two
// apart; its message does (docs/platforms/facebook.md#errors).

// appRestrictionPhrases mark a permission error about the app, not about
// what the person granted.
var appRestrictionPhrases = []string{
	"app review",
	"approved via",
	"not approved",
	"advanced access",
	"development mode",
	"in dev mode",
	"live mode",
	"app is not live",
	"feature is not available",
	"not available to this app",
	"feature not enabled",
	"business verification",
}

// permissionRE finds the permission names a Graph message mentions:
// "pages_manage_posts", "publish_video", "pages_manage_engagement".
var permissionRE = regexp.MustCompile(`\b(pages_[a-z_]+|publish_video|business_management|read_insights|instagram_[a-z_]+)\b`)

// MissingPermissions returns the permission names a Graph error message
// mentions, in order, each once.
func MissingPermissions(message string) []string {
	var out []string
	for _, m := range permissionRE.FindAllString(message, -1) {
		if !slices.Contains(out, m) {
			out = append(out, m)
		}
	}
	return out
}

func classifyPermission(g *graph.Error, code string, pe func(serentak.PublishErrorKind, string) *serentak.PublishError) *serentak.PublishError {
	text := strings.ToLower(g.Message + " " + g.UserMsg)
	perms := MissingPermissions(g.Message + " " + g.UserMsg)
	for _, phrase := range appRestrictionPhrases {
		if strings.Contains(text, phrase) {
			what := "a permission or feature"
			if len(perms) > 0 {
				what = strings.Join(perms, ", ")
			}
			return pe(serentak.Rejected, fmt.Sprintf("Facebook refused because the Serentak app itself may not use %s (code %s): this is for the operator of this Serentak install, not the Page's owner — get it approved in App Review, or switch the app to Live mode, in the Meta App Dashboard; reconnecting the Page does not help.", what, code))
		}
	}
	if len(perms) == 0 {
		return pe(serentak.AuthExpired, fmt.Sprintf("Facebook says the Page's login no longer grants a permission Serentak needs (code %s); reconnect the Page and leave every permission switched on (pages_manage_posts, pages_read_engagement, pages_show_list; publish_video for videos; pages_manage_engagement for first comments).", code))
	}
	return pe(serentak.AuthExpired, fmt.Sprintf("Facebook says the permission %s is missing for this Page (code %s); reconnect the Page and grant %s.", strings.Join(perms, ", "), code, strings.Join(perms, ", ")))
}

// Permissions Serentak's Facebook publishing needs
// (docs/platforms/facebook.md#connecting).
var (
	postPermissions    = []string{"pages_show_list", "pages_read_engagement", "pages_manage_posts"}
	commentPermissions = []string{"pages_manage_engagement"}
)

// FeatureFirstComment names the first comment (a target's first_comment
// option) for PermissionsFor.
const FeatureFirstComment = "first_comment"

// featurePermissions is what each feature needs beyond publishing: the
// first comment is the Page's comment, which needs pages_manage_engagement
// (Pages API, Comments and @mentions, "Permissions", "Comments":
// https://developers.facebook.com/documentation/pages-api/comments-mentions;
// docs/platforms/facebook.md#first-comment).
var featurePermissions = map[string][]string{
	FeatureFirstComment:     commentPermissions,
	serentak.FeatureMetrics: metricsPermissions, // metrics.go
}

// PermissionsFor returns the permissions a feature ("first_comment") needs
// beyond publishing; nil for a feature that needs none or is unknown.
// Compared with an account's granted scopes, it tells a Page connected
// before Serentak asked for a permission which one it lacks.
func PermissionsFor(feature string) []string {
	return slices.Clone(featurePermissions[feature])
}

// PermissionsFor is the package's PermissionsFor: a Page's permissions do
// not depend on the publisher's configuration.
func (p *Publisher) PermissionsFor(feature string) []string { return PermissionsFor(feature) }

// MissingPermissionsFor returns the permissions publishing c needs that
// granted (an account's scopes at its last connect, AccountHealth.Scopes)
// lacks: pages_manage_engagement for a first comment, say. An account
// connected before Serentak asked for a permission can be told which one
// to grant when the post is created, not only when it is published.
func MissingPermissionsFor(c serentak.Content, granted []string) []string {
	need := postPermissions
	if strings.TrimSpace(c.Options.FirstComment) != "" {
		need = append(slices.Clone(need), PermissionsFor(FeatureFirstComment)...)
	}
	var out []string
	for _, p := range need {
		if !slices.Contains(granted, p) {
			out = append(out, p)
		}
	}
	return out
}
