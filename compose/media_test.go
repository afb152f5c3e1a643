package compose

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/serentak/serentak"
)

// TestInspectedMediaRules holds uploads, whose inspection is known, to each
// platform's rules (the "Limits" sections under docs/platforms/), one rule
// per case.
func TestInspectedMediaRules(t *testing.T) {
	t.Parallel()
	img := func(ct string, w, h int) serentak.MediaRef {
		return serentak.MediaRef{ID: "med_1", Kind: serentak.MediaImage, ContentType: ct, Size: 1 << 20,
			Inspection: serentak.Inspection{Width: w, Height: h}}
	}
	vid := func(ct string, size int64, in serentak.Inspection) serentak.MediaRef {
		return serentak.MediaRef{ID: "med_2", Kind: serentak.MediaVideo, ContentType: ct, Size: size, Inspection: in}
	}
	// A video every platform takes: 30 s, 1080×1920, 30 fps, H.264.
	good := serentak.Inspection{Width: 1080, Height: 1920, DurationMS: 30000, FrameRate: 30, VideoCodec: "h264", AudioCodec: "aac"}
	with := func(f func(*serentak.Inspection)) serentak.Inspection {
		in := good
		f(&in)
		return in
	}
	tests := []struct {
		name  string
		p     serentak.Platform
		media serentak.MediaRef
		want  string // the message, or "" for no fault
	}{
		{"Instagram 4:5 portrait", serentak.Instagram, img("image/jpeg", 1080, 1350), ""},
		{"Instagram 1.91:1 landscape", serentak.Instagram, img("image/jpeg", 1910, 1000), ""},
		{"Instagram square", serentak.Instagram, img("image/jpeg", 1080, 1080), ""},
		{"Instagram too tall", serentak.Instagram, img("image/jpeg", 1080, 1920),
			"Instagram takes images with an aspect ratio from 4:5 (portrait) to 1.91:1 (landscape); media[0] is 1080×1920 (0.56:1): crop it"},
		{"Instagram too wide", serentak.Instagram, img("image/jpeg", 2000, 1000),
			"Instagram takes images with an aspect ratio from 4:5 (portrait) to 1.91:1 (landscape); media[0] is 2000×1000 (2.00:1): crop it"},
		{"Instagram PNG", serentak.Instagram, img("image/png", 1080, 1080), "Instagram needs JPEG images; media[0] is image/png"},
		{"Instagram image over 8 MB", serentak.Instagram, serentak.MediaRef{Kind: serentak.MediaImage, ContentType: "image/jpeg", Size: 8*mb + 1},
			"Instagram takes images of at most 8.0 MB; media[0] is 8.0 MB"},
		{"Instagram Reel", serentak.Instagram, vid("video/mp4", 50*mb, good), ""},
		{"Instagram Reel under 3 s", serentak.Instagram, vid("video/mp4", mb, with(func(i *serentak.Inspection) { i.DurationMS = 2500 })),
			"Instagram takes videos of 3 s to 15 min; media[0] is 2.5 s"},
		{"Instagram Reel over 15 min", serentak.Instagram, vid("video/mp4", 200*mb, with(func(i *serentak.Inspection) { i.DurationMS = 16*60000 + 5000 })),
			"Instagram takes videos of 3 s to 15 min; media[0] is 16 min 5 s"},
		{"Instagram Reel over 300 MB", serentak.Instagram, vid("video/mp4", 301*mb, good),
			"Instagram takes videos of at most 300.0 MB; media[0] is 301.0 MB"},
		{"Instagram Reel at 15 fps", serentak.Instagram, vid("video/mp4", mb, with(func(i *serentak.Inspection) { i.FrameRate = 15 })),
			"Instagram takes videos of 23 to 60 frames per second; media[0] has 15"},
		{"Instagram Reel at 120 fps", serentak.Instagram, vid("video/mp4", mb, with(func(i *serentak.Inspection) { i.FrameRate = 120 })),
			"Instagram takes videos of 23 to 60 frames per second; media[0] has 120"},
		{"Instagram Reel at 23.976 fps", serentak.Instagram, vid("video/mp4", mb, with(func(i *serentak.Inspection) { i.FrameRate = 23.98 })), ""},
		{"Instagram Reel in VP9", serentak.Instagram, vid("video/mp4", mb, with(func(i *serentak.Inspection) { i.VideoCodec = "vp9" })),
			"Instagram needs H.264 or HEVC (H.265) video; media[0] is VP9"},
		{"Instagram WebM", serentak.Instagram, vid("video/webm", mb, serentak.Inspection{}),
			"Instagram needs MP4 or MOV videos; media[0] is video/webm"},
		{"YouTube video", serentak.YouTube, vid("video/quicktime", 2<<30, with(func(i *serentak.Inspection) { i.DurationMS = 3 * 3600000 })), ""},
		{"YouTube over 12 h", serentak.YouTube, vid("video/mp4", 2<<30, with(func(i *serentak.Inspection) { i.DurationMS = 13 * 3600000 })),
			"YouTube takes videos of at most 12 h; media[0] is 13 h"},
		{"YouTube image only", serentak.YouTube, img("image/jpeg", 100, 100), "YouTube needs a video"},
		{"TikTok video", serentak.TikTok, vid("video/mp4", 500*mb, good), ""},
		{"TikTok 1080p photo, portrait", serentak.TikTok, img("image/jpeg", 1080, 1920), ""},
		{"TikTok 1080p photo, landscape", serentak.TikTok, img("image/webp", 1920, 1080), ""},
		{"TikTok photo above 1080p", serentak.TikTok, img("image/jpeg", 1440, 1440),
			"TikTok takes photos of at most 1080×1920 pixels (1080p); media[0] is 1440×1440: resize it"},
		{"TikTok 4K photo", serentak.TikTok, img("image/jpeg", 3840, 2160),
			"TikTok takes photos of at most 1080×1920 pixels (1080p); media[0] is 3840×2160: resize it"},
		{"TikTok 12 min", serentak.TikTok, vid("video/mp4", 500*mb, with(func(i *serentak.Inspection) { i.DurationMS = 12 * 60000 })),
			"TikTok takes videos of at most 10 min; media[0] is 12 min"},
		{"TikTok at 20 fps", serentak.TikTok, vid("video/mp4", mb, with(func(i *serentak.Inspection) { i.FrameRate = 20 })),
			"TikTok takes videos of 23 to 60 frames per second; media[0] has 20"},
		{"TikTok too small", serentak.TikTok, vid("video/mp4", mb, with(func(i *serentak.Inspection) { i.Width, i.Height = 320, 240 })),
			"TikTok takes videos of 360 to 4096 pixels on each side; media[0] is 320×240"},
		{"TikTok too large", serentak.TikTok, vid("video/mp4", mb, with(func(i *serentak.Inspection) { i.Width, i.Height = 7680, 4320 })),
			"TikTok takes videos of 360 to 4096 pixels on each side; media[0] is 7680×4320"},
		{"TikTok over 4 GB", serentak.TikTok, vid("video/mp4", 5<<30, good), "TikTok takes videos of at most 4.0 GB; media[0] is 5.0 GB"},
		{"TikTok ProRes", serentak.TikTok, vid("video/quicktime", mb, with(func(i *serentak.Inspection) { i.VideoCodec = "prores" })),
			"TikTok needs H.264, HEVC (H.265), VP8 or VP9 video; media[0] is PRORES"},
		{"Facebook JPEG", serentak.Facebook, img("image/jpeg", 4000, 100), ""},
		{"Facebook PNG over 4 MB", serentak.Facebook, serentak.MediaRef{Kind: serentak.MediaImage, ContentType: "image/png", Size: 5 * mb},
			"Facebook takes images of at most 4.0 MB; media[0] is 5.0 MB"},
		{"Facebook GIF", serentak.Facebook, img("image/gif", 10, 10), "Facebook needs JPEG or PNG images; media[0] is image/gif"},
		// A URL is not inspected: only what its extension says is checked.
		{"URL video, nothing known", serentak.TikTok, serentak.MediaRef{URL: "https://cdn.example.com/a.mp4", Kind: serentak.MediaVideo}, ""},
		{"URL image, nothing known", serentak.Instagram, serentak.MediaRef{URL: "https://cdn.example.com/a.jpg", Kind: serentak.MediaImage}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			errs := Fit(tt.p, Input{Caption: "Keripik", Media: []serentak.MediaRef{tt.media}}, Target{Title: "Keripik"}).Errors
			var msgs []string
			for _, e := range errs {
				if e.Field != "media[0]" && e.Field != "media" {
					t.Errorf("unexpected fault %+v", e)
					continue
				}
				msgs = append(msgs, e.Message)
			}
			got := strings.Join(msgs, " | ")
			if got != tt.want {
				t.Errorf("faults = %q\nwant     %q", got, tt.want)
			}
		})
	}
}

func TestDurationText(t *testing.T) {
	t.Parallel()
	for d, want := range map[int64]string{2500: "2.5 s", 3000: "3 s", 90000: "1 min 30 s", 600000: "10 min", 43200000: "12 h", 45000000: "12 h 30 min"} {
		if got := durationText(msDuration(d)); got != want {
			t.Errorf("durationText(%d ms) = %q, want %q", d, got, want)
		}
	}
}

func msDuration(ms int64) time.Duration { return time.Duration(ms) * time.Millisecond }

// TestEachPlatformTakesWhatFits is the contract's table
// (docs/api.md#one-post-every-platform): one list of media for every
// target, each platform publishing what it takes, in the post's order, and
// saying what it leaves out, without refusing the post.
func TestEachPlatformTakesWhatFits(t *testing.T) {
	t.Parallel()
	video2 := serentak.MediaRef{URL: "https://cdn.example.com/kedua.mp4", Kind: serentak.MediaVideo, ContentType: "video/mp4"}
	tests := []struct {
		name     string
		p        serentak.Platform
		media    []serentak.MediaRef
		want     []int    // indexes published
		warnings []string // each contained in one warning, in order
	}{
		{"YouTube: the first video", serentak.YouTube, []serentak.MediaRef{jpeg, mp4, video2}, []int{1},
			[]string{"media[0] (photo), media[2] (video) left out: YouTube publishes one video; this target publishes media[1]"}},
		{"TikTok: the first video", serentak.TikTok, []serentak.MediaRef{jpeg, mp4}, []int{1},
			[]string{"media[0] (photo) left out: TikTok publishes one video, without photos, when the post has one"}},
		{"TikTok: photos without a video", serentak.TikTok, []serentak.MediaRef{jpeg, webp}, []int{0, 1}, nil},
		{"TikTok: at most 35 photos", serentak.TikTok, repeatMedia(36, jpeg), indexes(35),
			[]string{"media[35] (photo) left out: TikTok takes at most 35 photos per post"}},
		{"Instagram: one photo", serentak.Instagram, []serentak.MediaRef{jpeg}, []int{0}, nil},
		{"Instagram: a mixed carousel in order", serentak.Instagram, []serentak.MediaRef{jpeg, mp4, jpeg}, []int{0, 1, 2}, nil},
		{"Instagram: at most 10", serentak.Instagram, repeatMedia(12, jpeg), indexes(10),
			[]string{"media[10] (photo), media[11] (photo) left out: an Instagram carousel holds at most 10 items"}},
		{"Instagram: a PNG is left out of a carousel", serentak.Instagram, []serentak.MediaRef{jpeg, png, mp4}, []int{0, 2},
			[]string{"media[1] left out: Instagram needs JPEG images; media[1] is image/png"}},
		{"Facebook: the video", serentak.Facebook, []serentak.MediaRef{jpeg, mp4, jpeg}, []int{1},
			[]string{"media[0] (photo), media[2] (photo) left out: Facebook publishes one video"}},
		{"Facebook: the photos", serentak.Facebook, []serentak.MediaRef{jpeg, png}, []int{0, 1}, nil},
		{"Facebook: at most 10 photos", serentak.Facebook, repeatMedia(11, jpeg), indexes(10),
			[]string{"media[10] (photo) left out: Facebook takes at most 10 photos per post"}},
		{"Facebook: no media is a text post", serentak.Facebook, nil, nil, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := Fit(tt.p, Input{Product: keripik(), Media: tt.media}, Target{})
			if len(r.Errors) > 0 {
				t.Fatalf("errors %v: the post must not be refused", r.Errors)
			}
			if !slices.Equal(r.Media, tt.want) || len(r.Content.Media) != len(tt.want) {
				t.Fatalf("publishes %v (%d items), want %v", r.Media, len(r.Content.Media), tt.want)
			}
			for j, i := range r.Media {
				if r.Content.Media[j] != tt.media[i] {
					t.Errorf("Content.Media[%d] = %v, want media[%d] %v", j, r.Content.Media[j], i, tt.media[i])
				}
			}
			for _, w := range tt.warnings {
				wantContains(t, r.Warnings, w)
			}
			if tt.warnings == nil && len(r.Warnings) > 0 {
				t.Errorf("warnings %v, want none", r.Warnings)
			}
		})
	}
}

// TestTargetChoosesItsMedia: a target's own choice is published in its
// order, and decides the post's shape (TikTok photos get a title).
func TestTargetChoosesItsMedia(t *testing.T) {
	t.Parallel()
	media := []serentak.MediaRef{jpeg, mp4, webp}
	r := Fit(serentak.TikTok, Input{Product: keripik(), Media: media}, Target{Media: []int{2, 0}})
	if len(r.Errors) > 0 {
		t.Fatal(r.Errors)
	}
	if !slices.Equal(r.Media, []int{2, 0}) || r.Content.Media[0] != webp || r.Content.Media[1] != jpeg {
		t.Errorf("publishes %v %v, want media[2] then media[0]", r.Media, r.Content.Media)
	}
	if r.Content.Title == "" {
		t.Error("a TikTok photo post has a title; the chosen photos make it one")
	}
	if len(r.Warnings) > 0 {
		t.Errorf("warnings %v: a target's own choice leaves nothing out by surprise", r.Warnings)
	}
	r = Fit(serentak.Instagram, Input{Product: keripik(), Media: media}, Target{Media: []int{1}})
	if len(r.Errors) > 0 || !slices.Equal(r.Media, []int{1}) {
		t.Errorf("Instagram choosing the video: %v %v, want a Reel of media[1]", r.Media, r.Errors)
	}
}
