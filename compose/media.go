package compose

import (
	"fmt"
	"strings"
	"time"

	"github.com/serentak/serentak"
)

// mediaRules is what one platform takes as a post's media (the "Limits"
// section of each page under docs/platforms/).
type mediaRules struct {
	required     string   // message when a post has no media; "" when optional
	maxImages    int      // photos in one post
	imageTypes   []string // accepted image content types, when known
	maxImageSize int64    // bytes, when known; 0: no check
	maxVideoSize int64
	videoTypes   []string // accepted video content types; nil: any
	mix          bool     // images and a video in one post
	videoOnly    bool     // YouTube: one video, images unused

	// Rules on what inspection of an upload found (serentak.Inspection);
	// each is skipped when the field is unknown (zero), as it is for URLs.
	minAspect, maxAspect float64       // image width/height; 0: no check
	minDuration          time.Duration // video
	maxDuration          time.Duration
	minFPS, maxFPS       float64
	minSide, maxSide     int // video, pixels on each side
	// maxImageShort and maxImageLong bound an image's shorter and longer
	// side (TikTok's 1080p: 1080×1920 either way up); 0: no check.
	maxImageShort, maxImageLong int
	videoCodecs                 []string // Inspection.VideoCodec names; nil: any
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
		// Every video is held to the Reels rules
		// (docs/platforms/instagram.md#limits), the strictest Instagram
		// publishes through the API that we use.
		return mediaRules{required: "Instagram needs an image or a video", maxImages: 10,
			imageTypes: []string{"image/jpeg"}, maxImageSize: 8 * mb, maxVideoSize: 300 * mb, mix: true,
			videoTypes: []string{"video/mp4", "video/quicktime"}, minAspect: 4.0 / 5, maxAspect: 1.91,
			minDuration: 3 * time.Second, maxDuration: 15 * time.Minute, minFPS: 23, maxFPS: 60,
			videoCodecs: []string{"h264", "hevc"}}
	case serentak.YouTube:
		return mediaRules{required: "YouTube needs a video", videoOnly: true, maxVideoSize: 256 << 30, maxDuration: 12 * time.Hour}
	case serentak.TikTok:
		// The creator's own maximum duration (creator_info) is known only
		// to the adapter at publish time; 10 min is the API's maximum.
		return mediaRules{required: "TikTok needs a video or 1 to 35 photos", maxImages: 35,
			imageTypes: []string{"image/jpeg", "image/webp"}, maxImageSize: 20 * mb,
			// Photos at most 1080p (docs/platforms/tiktok.md#limits): a
			// larger one fails TikTok's picture_size_check after its time.
			maxImageShort: 1080, maxImageLong: 1920,
			videoTypes: []string{"video/mp4", "video/webm", "video/quicktime"}, maxVideoSize: 4 << 30,
			maxDuration: 10 * time.Minute, minFPS: 23, maxFPS: 60, minSide: 360, maxSide: 4096,
			videoCodecs: []string{"h264", "hevc", "vp8", "vp9"}}
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
			errs = append(errs, rules.checkImage(name, field, m.Inspection)...)
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
			errs = append(errs, rules.checkVideo(name, field, m.Inspection)...)
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

// checkImage holds an inspected image to the platform's size and aspect
// ratio.
func (r mediaRules) checkImage(name, field string, in serentak.Inspection) []serentak.FieldError {
	if in.Width <= 0 || in.Height <= 0 {
		return nil
	}
	if short, long := min(in.Width, in.Height), max(in.Width, in.Height); r.maxImageShort > 0 && (short > r.maxImageShort || long > r.maxImageLong) {
		return []serentak.FieldError{fieldErr(field, codeUnsupportedMedia,
			"%s takes photos of at most %d×%d pixels (1080p); %s is %d×%d: resize it",
			name, r.maxImageShort, r.maxImageLong, field, in.Width, in.Height)}
	}
	if r.maxAspect == 0 {
		return nil
	}
	aspect := float64(in.Width) / float64(in.Height)
	// Two decimals of slack: a 1080×1350 photo is exactly 4:5, and a
	// 1.91:1 crop is rarely exact to the pixel.
	if aspect < r.minAspect-0.005 || aspect > r.maxAspect+0.005 {
		return []serentak.FieldError{fieldErr(field, codeUnsupportedMedia,
			"%s takes images with an aspect ratio from 4:5 (portrait) to 1.91:1 (landscape); %s is %d×%d (%.2f:1): crop it",
			name, field, in.Width, in.Height, aspect)}
	}
	return nil
}

// checkVideo holds an inspected video to the platform's duration, frame
// rate, size and codec rules.
func (r mediaRules) checkVideo(name, field string, in serentak.Inspection) []serentak.FieldError {
	var errs []serentak.FieldError
	fail := func(format string, args ...any) {
		errs = append(errs, fieldErr(field, codeUnsupportedMedia, format, args...))
	}
	d := time.Duration(in.DurationMS) * time.Millisecond
	if in.DurationMS > 0 && ((r.minDuration > 0 && d < r.minDuration) || (r.maxDuration > 0 && d > r.maxDuration)) {
		if r.minDuration > 0 {
			fail("%s takes videos of %s to %s; %s is %s", name, durationText(r.minDuration), durationText(r.maxDuration), field, durationText(d))
		} else {
			fail("%s takes videos of at most %s; %s is %s", name, durationText(r.maxDuration), field, durationText(d))
		}
	}
	if in.FrameRate > 0 && r.maxFPS > 0 && (in.FrameRate < r.minFPS-0.01 || in.FrameRate > r.maxFPS+0.01) {
		fail("%s takes videos of %g to %g frames per second; %s has %g", name, r.minFPS, r.maxFPS, field, in.FrameRate)
	}
	if in.Width > 0 && in.Height > 0 && r.maxSide > 0 &&
		(min(in.Width, in.Height) < r.minSide || max(in.Width, in.Height) > r.maxSide) {
		fail("%s takes videos of %d to %d pixels on each side; %s is %d×%d", name, r.minSide, r.maxSide, field, in.Width, in.Height)
	}
	if in.VideoCodec != "" && r.videoCodecs != nil && !contains(r.videoCodecs, in.VideoCodec) {
		fail("%s needs %s video; %s is %s", name, codecNames(r.videoCodecs), field, codecName(in.VideoCodec))
	}
	return errs
}

// durationText writes a duration the way people say it: "12 min", "2.5 s",
// "1 min 30 s".
func durationText(d time.Duration) string {
	switch {
	case d < time.Minute:
		return strings.TrimSuffix(fmt.Sprintf("%.1f", d.Seconds()), ".0") + " s"
	case d >= time.Hour && d%time.Hour < time.Minute:
		return fmt.Sprintf("%d h", int(d.Hours()))
	case d >= time.Hour:
		return fmt.Sprintf("%d h %d min", int(d.Hours()), int(d.Minutes())%60)
	case d%time.Minute < time.Second:
		return fmt.Sprintf("%d min", int(d.Minutes()))
	}
	return fmt.Sprintf("%d min %d s", int(d.Minutes()), int(d.Seconds())%60)
}

func codecName(c string) string {
	switch c {
	case "h264":
		return "H.264"
	case "hevc":
		return "HEVC (H.265)"
	}
	return strings.ToUpper(c)
}

func codecNames(cs []string) string {
	names := make([]string, len(cs))
	for i, c := range cs {
		names[i] = codecName(c)
	}
	if len(names) == 1 {
		return names[0]
	}
	return strings.Join(names[:len(names)-1], ", ") + " or " + names[len(names)-1]
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
