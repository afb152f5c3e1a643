package compose

import (
	"fmt"
	"strings"

	"github.com/serentak/serentak"
)

// mediaRules is what one platform takes as a post's media (platforms.md §5).
type mediaRules struct {
	required     string   // message when a post has no media; "" when optional
	maxImages    int      // photos in one post
	imageTypes   []string // accepted image content types, when known
	maxImageSize int64    // bytes, when known; 0: no check
	maxVideoSize int64
	videoTypes   []string // accepted video content types; nil: any
	mix          bool     // images and a video in one post
	videoOnly    bool     // YouTube: one video, images unused
}

const mb = 1 << 20

func mediaRulesFor(p serentak.Platform) mediaRules {
	switch p {
	case serentak.Facebook:
		// A multi-photo post attaches each photo (attached_media); Graph
		// does not document a maximum, so we take Facebook's own composer's
		// practical 10 and refuse more rather than fail at publish time.
		return mediaRules{maxImages: 10, imageTypes: []string{"image/jpeg", "image/png"}, maxImageSize: 4 * mb}
	case serentak.Instagram:
		// Carousels take images and videos together, 2–10 items.
		return mediaRules{required: "Instagram needs an image or a video", maxImages: 10,
			imageTypes: []string{"image/jpeg"}, maxImageSize: 8 * mb, maxVideoSize: 300 * mb, mix: true}
	case serentak.YouTube:
		return mediaRules{required: "YouTube needs a video", videoOnly: true}
	case serentak.TikTok:
		return mediaRules{required: "TikTok needs a video or 1 to 35 photos", maxImages: 35,
			imageTypes: []string{"image/jpeg", "image/webp"}, maxImageSize: 20 * mb,
			videoTypes: []string{"video/mp4", "video/webm", "video/quicktime"}, maxVideoSize: 4 << 30}
	}
	return mediaRules{}
}

// checkMedia returns the media faults of a post on platform p, and
// warnings for media the platform will not use.
func checkMedia(p serentak.Platform, media []serentak.MediaRef) ([]serentak.FieldError, []string) {
	rules := mediaRulesFor(p)
	name := p.DisplayName()
	var errs []serentak.FieldError
	var warnings []string
	var images, videos int
	for i, m := range media {
		field := fmt.Sprintf("media[%d]", i)
		ct := contentType(m.ContentType)
		switch m.Kind {
		case serentak.MediaImage:
			images++
			if rules.videoOnly {
				continue
			}
			if ct != "" && rules.imageTypes != nil && !contains(rules.imageTypes, ct) {
				errs = append(errs, fieldErr(field, codeUnsupportedMedia, "%s needs %s images; %s is %s",
					name, typeNames(rules.imageTypes), field, ct))
			}
			if rules.maxImageSize > 0 && m.Size > rules.maxImageSize {
				errs = append(errs, fieldErr(field, codeUnsupportedMedia, "%s takes images of at most %s; %s is %s",
					name, sizeText(rules.maxImageSize), field, sizeText(m.Size)))
			}
		case serentak.MediaVideo:
			videos++
			if ct != "" && rules.videoTypes != nil && !contains(rules.videoTypes, ct) {
				errs = append(errs, fieldErr(field, codeUnsupportedMedia, "%s needs %s videos; %s is %s",
					name, typeNames(rules.videoTypes), field, ct))
			}
			if rules.maxVideoSize > 0 && m.Size > rules.maxVideoSize {
				errs = append(errs, fieldErr(field, codeUnsupportedMedia, "%s takes videos of at most %s; %s is %s",
					name, sizeText(rules.maxVideoSize), field, sizeText(m.Size)))
			}
		default:
			errs = append(errs, fieldErr(field, codeInvalid, "%s is neither an image nor a video (kind %q)", field, m.Kind))
		}
	}

	switch {
	case len(media) == 0 || (rules.videoOnly && videos == 0):
		if rules.required != "" {
			errs = append(errs, fieldErr("media", codeRequired, "%s", rules.required))
		}
	case videos > 1 && p != serentak.Instagram:
		errs = append(errs, fieldErr("media", codeUnsupportedMedia, "%s takes one video per post; this post has %d", name, videos))
	case rules.videoOnly && images > 0:
		warnings = append(warnings, fmt.Sprintf("%s publishes only the video; %s not used", name, plural(images, "image is", "images are")))
	case !rules.mix && videos > 0 && images > 0:
		errs = append(errs, fieldErr("media", codeUnsupportedMedia, "%s cannot mix a video and photos in one post", name))
	case p == serentak.Instagram && len(media) > rules.maxImages:
		errs = append(errs, fieldErr("media", codeUnsupportedMedia, "Instagram takes one item, or a carousel of 2 to 10; this post has %d", len(media)))
	case images > rules.maxImages && rules.maxImages > 0:
		errs = append(errs, fieldErr("media", codeUnsupportedMedia, "%s takes at most %d photos per post; this post has %d", name, rules.maxImages, images))
	}
	return errs, warnings
}

// tiktokPhotoMode reports whether a TikTok post is a photo post (title and
// description) rather than a video post (one caption).
func tiktokPhotoMode(media []serentak.MediaRef) bool {
	images := 0
	for _, m := range media {
		switch m.Kind {
		case serentak.MediaVideo:
			return false
		case serentak.MediaImage:
			images++
		}
	}
	return images > 0
}

func hasVideo(media []serentak.MediaRef) bool {
	for _, m := range media {
		if m.Kind == serentak.MediaVideo {
			return true
		}
	}
	return false
}

// contentType normalises a content type: lower case, no parameters, and
// the common misspelling image/jpg read as image/jpeg.
func contentType(ct string) string {
	ct, _, _ = strings.Cut(ct, ";")
	ct = strings.ToLower(strings.TrimSpace(ct))
	if ct == "image/jpg" || ct == "image/pjpeg" {
		return "image/jpeg"
	}
	return ct
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// typeNames writes content types the way people say them: "JPEG or PNG".
func typeNames(types []string) string {
	names := make([]string, len(types))
	for i, t := range types {
		_, sub, _ := strings.Cut(t, "/")
		switch sub {
		case "quicktime":
			sub = "MOV"
		}
		names[i] = strings.ToUpper(sub)
	}
	if len(names) == 1 {
		return names[0]
	}
	return strings.Join(names[:len(names)-1], ", ") + " or " + names[len(names)-1]
}

func sizeText(n int64) string {
	if n >= 1<<30 {
		return fmt.Sprintf("%.1f GB", float64(n)/(1<<30))
	}
	return fmt.Sprintf("%.1f MB", float64(n)/mb)
}

func plural(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return fmt.Sprintf("%d %s", n, many)
}
