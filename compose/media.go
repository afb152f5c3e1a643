package compose

import (
	"fmt"
	"sort"
	"strconv"
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

// selection is what one target publishes of the post's media: the items
// (Content.Media), their indexes in the post's media, what was left out
// and why (warnings), and the faults that stop the target.
type selection struct {
	media    []serentak.MediaRef
	indexes  []int
	warnings []serentak.Warning
	errs     []serentak.FieldError
}

// selectMedia chooses what platform p publishes of a post's media. The
// post's media is one list for every target (docs/api.md#one-post-every-platform):
// without a choice (chosen == nil) each platform takes what fits —
//
//	YouTube    the first video
//	TikTok     the first video; with no video, the photos (at most 35)
//	Instagram  one item, or a carousel of up to 10, photos and videos mixed, in order
//	Facebook   the first video as a video post; with no video, the photos (at most 10)
//
// and an item the platform cannot take (a PNG for Instagram, a video too
// long for TikTok) is left out with a warning while something else is
// left to publish; a target is only refused when nothing fits. A choice
// (targets[i].media, indexes in publishing order) is taken as given, and
// anything in it the platform cannot take is a fault of "target.media" or
// of the item ("media[2]").
func selectMedia(p serentak.Platform, media []serentak.MediaRef, chosen []int) selection {
	rules := mediaRulesFor(p)
	if chosen != nil {
		return rules.checkChoice(p, media, chosen)
	}
	var sel selection
	var images, videos []int
	faults := map[int][]serentak.FieldError{}
	for i, m := range media {
		if rules.videoOnly && m.Kind == serentak.MediaImage {
			continue // never published, so never held to a rule
		}
		if errs := rules.itemFaults(p, fmt.Sprintf("media[%d]", i), m); len(errs) > 0 {
			faults[i] = errs
			continue
		}
		if m.Kind == serentak.MediaVideo {
			videos = append(videos, i)
		} else {
			images = append(images, i)
		}
	}
	var take []int
	var why string // why the items that fit were not all taken
	switch p {
	case serentak.YouTube:
		take, why = firstOf(videos), "YouTube publishes one video"
	case serentak.TikTok, serentak.Facebook:
		if len(videos) > 0 {
			take, why = firstOf(videos), p.DisplayName()+" publishes one video, without photos, when the post has one"
		} else {
			take = firstN(images, rules.maxImages)
			why = fmt.Sprintf("%s takes at most %d photos per post", p.DisplayName(), rules.maxImages)
		}
	case serentak.Instagram:
		all := append(append([]int{}, images...), videos...)
		sort.Ints(all) // in the post's order
		take, why = firstN(all, rules.maxImages), fmt.Sprintf("an Instagram carousel holds at most %d items", rules.maxImages)
	}
	if len(take) == 0 {
		// Nothing fits: what is wrong with the items is the fault to fix.
		for i := range media {
			sel.errs = append(sel.errs, faults[i]...)
		}
		switch {
		case len(sel.errs) > 0:
		case rules.required != "":
			sel.errs = append(sel.errs, fieldErr("media", codeRequired, "%s", rules.required))
		case len(media) > 0:
			sel.warnings = append(sel.warnings, serentak.NewWarning(serentak.WarnMediaNone, "platform", p.DisplayName()))
		}
		return sel
	}
	taken := map[int]bool{}
	for _, i := range take {
		taken[i] = true
		sel.indexes = append(sel.indexes, i)
		sel.media = append(sel.media, media[i])
	}
	var unused []string
	for i, m := range media {
		switch {
		case taken[i]:
		case len(faults[i]) > 0:
			sel.warnings = append(sel.warnings, serentak.NewWarning(serentak.WarnMediaFault, "index", strconv.Itoa(i), "reason", faults[i][0].Message))
		default:
			unused = append(unused, fmt.Sprintf("media[%d] (%s)", i, kindName(m.Kind)))
		}
	}
	if len(unused) > 0 {
		sel.warnings = append(sel.warnings, serentak.NewWarning(serentak.WarnMediaLeftOut,
			"items", strings.Join(unused, ", "), "reason", why, "published", indexList(sel.indexes)))
	}
	return sel
}

// checkChoice holds a target's own choice of items to what platform p
// takes in one post.
func (r mediaRules) checkChoice(p serentak.Platform, media []serentak.MediaRef, chosen []int) selection {
	var sel selection
	name := p.DisplayName()
	fail := func(format string, args ...any) {
		sel.errs = append(sel.errs, fieldErr("target.media", codeUnsupportedMedia, format, args...))
	}
	seen := map[int]bool{}
	var images, videos int
	for _, i := range chosen {
		switch {
		case i < 0 || i >= len(media):
			sel.errs = append(sel.errs, fieldErr("target.media", codeInvalid,
				"%d is not an index of the post's media (0 to %d)", i, len(media)-1))
			continue
		case seen[i]:
			sel.errs = append(sel.errs, fieldErr("target.media", codeInvalid, "media[%d] is chosen twice", i))
			continue
		}
		seen[i] = true
		sel.indexes = append(sel.indexes, i)
		sel.media = append(sel.media, media[i])
		sel.errs = append(sel.errs, r.itemFaults(p, fmt.Sprintf("media[%d]", i), media[i])...)
		if media[i].Kind == serentak.MediaVideo {
			videos++
		} else {
			images++
		}
	}
	if len(sel.errs) > 0 {
		return sel
	}
	n := len(sel.indexes)
	switch {
	case n == 0 && r.required != "":
		sel.errs = append(sel.errs, fieldErr("target.media", codeRequired, "%s; choose at least one item, or leave media out to let Serentak choose", r.required))
	case p == serentak.YouTube && (images > 0 || videos != 1):
		fail("YouTube publishes exactly one video; choose one video")
	case p == serentak.Instagram && n > r.maxImages:
		fail("Instagram takes one item, or a carousel of 2 to %d; %d are chosen", r.maxImages, n)
	case (p == serentak.TikTok || p == serentak.Facebook) && videos > 0 && n > 1:
		fail("%s publishes one video alone, or photos; a video and %d other item(s) are chosen", name, n-1)
	case images > r.maxImages && r.maxImages > 0:
		fail("%s takes at most %d photos per post; %d are chosen", name, r.maxImages, images)
	}
	return sel
}

// itemFaults holds one item to platform p's rules for its kind.
func (r mediaRules) itemFaults(p serentak.Platform, field string, m serentak.MediaRef) []serentak.FieldError {
	name := p.DisplayName()
	ct := contentType(m.ContentType)
	var errs []serentak.FieldError
	switch m.Kind {
	case serentak.MediaImage:
		if r.videoOnly {
			return []serentak.FieldError{fieldErr(field, codeUnsupportedMedia, "%s publishes videos only; %s is an image", name, field)}
		}
		if ct != "" && r.imageTypes != nil && !contains(r.imageTypes, ct) {
			errs = append(errs, fieldErr(field, codeUnsupportedMedia, "%s needs %s images; %s is %s",
				name, typeNames(r.imageTypes), field, ct))
		}
		if r.maxImageSize > 0 && m.Size > r.maxImageSize {
			errs = append(errs, fieldErr(field, codeUnsupportedMedia, "%s takes images of at most %s; %s is %s",
				name, sizeText(r.maxImageSize), field, sizeText(m.Size)))
		}
		errs = append(errs, r.checkImage(name, field, m.Inspection)...)
	case serentak.MediaVideo:
		if ct != "" && r.videoTypes != nil && !contains(r.videoTypes, ct) {
			errs = append(errs, fieldErr(field, codeUnsupportedMedia, "%s needs %s videos; %s is %s",
				name, typeNames(r.videoTypes), field, ct))
		}
		if r.maxVideoSize > 0 && m.Size > r.maxVideoSize {
			errs = append(errs, fieldErr(field, codeUnsupportedMedia, "%s takes videos of at most %s; %s is %s",
				name, sizeText(r.maxVideoSize), field, sizeText(m.Size)))
		}
		errs = append(errs, r.checkVideo(name, field, m.Inspection)...)
	default:
		errs = append(errs, fieldErr(field, codeInvalid, "%s is neither an image nor a video (kind %q)", field, m.Kind))
	}
	return errs
}

func firstOf(is []int) []int { return firstN(is, 1) }

func firstN(is []int, n int) []int {
	if n > 0 && len(is) > n {
		return is[:n]
	}
	return is
}

func kindName(k serentak.MediaKind) string {
	if k == serentak.MediaImage {
		return "photo"
	}
	return string(k)
}

// indexList writes indexes as the preview names items: "media[1]",
// "media[0], media[2]".
func indexList(is []int) string {
	names := make([]string, len(is))
	for j, i := range is {
		names[j] = fmt.Sprintf("media[%d]", i)
	}
	return strings.Join(names, ", ")
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
