package compose

import (
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
