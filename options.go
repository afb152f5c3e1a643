package serentak

import (
	"context"
	"fmt"
	"slices"
	"strings"
)

// AccountOptions is what one account can choose now, as its platform
// says (API: GET …/accounts/{id}/options). Only the fields of the
// account's platform are set.
type AccountOptions struct {
	Platform Platform

	// TikTok, from creator_info (docs/platforms/tiktok.md#options).
	CreatorNickname  string
	CreatorAvatarURL string
	// PrivacyLevelOptions are the levels the creator may post with, in
	// TikTok's own order; a TikTok target's privacy_level must be one.
	PrivacyLevelOptions []string
	// CommentDisabled, DuetDisabled and StitchDisabled: the creator has
	// turned that interaction off, so a post must turn it off too.
	CommentDisabled, DuetDisabled, StitchDisabled bool
	// MaxVideoPostDurationSec is the longest video the creator may post.
	MaxVideoPostDurationSec int
	// CanPost is false when TikTok says the creator cannot post right now
	// (too many posts today, a ban); CannotPostReason says why.
	CanPost          bool
	CannotPostReason string

	// YouTube: the privacy statuses a video may take.
	PrivacyOptions []string

	// Accepts names the target options (targets[i].options) the platform
	// takes.
	Accepts []string
}

// OptionsReader is implemented by publishers that can say what an account
// may choose now. The API asks it (and caches the answer a few minutes)
// for GET …/accounts/{id}/options and to check a TikTok target's options
// when a post is created. Its errors are *PublishError: AuthExpired when
// the account's token no longer works, RateLimited or Transient when the
// platform could not answer.
type OptionsReader interface {
	ReadOptions(ctx context.Context, account Account) (AccountOptions, error)
}

// TargetOptions names the target options the platform takes (the JSON
// names of Options), as the API accepts them in targets[i].options.
func (p Platform) TargetOptions() []string {
	switch p {
	case TikTok:
		return []string{"privacy_level", "disable_comment", "disable_duet", "disable_stitch",
			"brand_content_toggle", "brand_organic_toggle", "auto_add_music"}
	case YouTube:
		return []string{"privacy", "made_for_kids", "category_id", "tags"}
	case Instagram:
		return []string{"first_comment", "share_to_feed"}
	case Facebook:
		return []string{"first_comment"}
	}
	return nil
}

// TikTok privacy levels that rules depend on.
const (
	TikTokSelfOnly = "SELF_ONLY"
)

// CheckTikTokOptions checks a TikTok target's options
// (docs/platforms/tiktok.md#options): privacy_level is required, since
// TikTok's guidelines forbid choosing it for the user, and branded content
// cannot be private. With the account's options (nil when not known) the
// privacy level must also be one the creator offers now. Each fault names
// the option (its JSON name) in Field.
func CheckTikTokOptions(o Options, ao *AccountOptions) []FieldError {
	var errs []FieldError
	fail := func(field, code, format string, args ...any) {
		errs = append(errs, FieldError{Field: field, Code: code, Message: fmt.Sprintf(format, args...)})
	}
	offered := ""
	if ao != nil {
		offered = " (this account offers " + strings.Join(ao.PrivacyLevelOptions, ", ") + ")"
	}
	switch {
	case o.PrivacyLevel == "":
		fail("privacy_level", "required", "TikTok requires the user to choose who can see the post; give privacy_level%s", offered)
	case ao != nil && !slices.Contains(ao.PrivacyLevelOptions, o.PrivacyLevel):
		fail("privacy_level", "invalid", "%s is not a privacy level this TikTok account offers now%s", o.PrivacyLevel, offered)
	case o.BrandContentToggle && o.PrivacyLevel == TikTokSelfOnly:
		// Content sharing guidelines: branded content's visibility cannot
		// be set to private.
		fail("privacy_level", "invalid", "branded content (brand_content_toggle) cannot be posted as SELF_ONLY; choose who can see it")
	}
	return errs
}
