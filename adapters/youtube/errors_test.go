package youtube

import (
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/serentak/serentak"
)

func TestClassify(t *testing.T) {
	// 2026-07-01 20:00 UTC is 13:00 PDT: 11 h to midnight Pacific, plus
	// the 5 min margin and 5 min of jitter.
	now := time.Date(2026, 7, 1, 20, 0, 0, 0, time.UTC)
	p, err := New(Config{Now: func() time.Time { return now }, Rand: func() float64 { return 0.5 }})
	if err != nil {
		t.Fatal(err)
	}
	const untilMidnight = 11*time.Hour + 10*time.Minute
	google := func(code int, reason string) []byte {
		return []byte(`{"error":{"code":` + strconv.Itoa(code) + `,"message":"m","errors":[{"message":"m","domain":"d","reason":"` + reason + `"}]}}`)
	}
	retry := func(v string) http.Header { h := http.Header{}; h.Set("Retry-After", v); return h }

	tests := []struct {
		name   string
		status int
		body   []byte
		header http.Header
		kind   serentak.PublishErrorKind
		code   string
		wait   time.Duration
		says   string
	}{
		{"quota", 403, google(403, "quotaExceeded"), nil, serentak.RateLimited, "quotaExceeded", untilMidnight, "midnight Pacific"},
		{"daily limit (old name)", 403, google(403, "dailyLimitExceeded"), nil, serentak.RateLimited, "dailyLimitExceeded", untilMidnight, "quota"},
		{"channel upload limit", 400, google(400, "uploadLimitExceeded"), nil, serentak.RateLimited, "uploadLimitExceeded", untilMidnight, "daily upload limit"},
		{"rate limit", 403, google(403, "rateLimitExceeded"), nil, serentak.RateLimited, "rateLimitExceeded", time.Minute, "rate limit"},
		{"user rate limit with Retry-After", 403, google(403, "userRateLimitExceeded"), retry("120"), serentak.RateLimited, "userRateLimitExceeded", 2 * time.Minute, "rate limit"},
		{"upload rate", 429, google(429, "uploadRateLimitExceeded"), nil, serentak.RateLimited, "uploadRateLimitExceeded", 15 * time.Minute, "too fast"},
		{"bare 429", 429, nil, nil, serentak.RateLimited, "http_429", time.Minute, "rate limit"},

		{"auth error", 401, google(401, "authError"), nil, serentak.AuthExpired, "authError", 0, "refreshed"},
		{"expired", 401, google(401, "expired"), nil, serentak.AuthExpired, "expired", 0, "refreshed"},
		{"bare 401", 401, []byte("Unauthorized"), nil, serentak.AuthExpired, "http_401", 0, "reconnected"},
		{"no channel", 401, google(401, "youtubeSignupRequired"), nil, serentak.Rejected, "youtubeSignupRequired", 0, "no YouTube channel"},

		{"insufficient permissions", 403, google(403, "insufficientPermissions"), nil, serentak.Rejected, "insufficientPermissions", 0, "reconnect"},
		{"forbidden", 403, google(403, "forbidden"), nil, serentak.Rejected, "forbidden", 0, "refused"},
		{"account suspended", 403, google(403, "authenticatedUserAccountSuspended"), nil, serentak.Rejected, "authenticatedUserAccountSuspended", 0, "refused"},
		{"bare 403", 403, nil, nil, serentak.Rejected, "http_403", 0, "permissions"},

		{"invalid title", 400, google(400, "invalidTitle"), nil, serentak.Rejected, "invalidTitle", 0, "title"},
		{"invalid description", 400, google(400, "invalidDescription"), nil, serentak.Rejected, "invalidDescription", 0, "caption"},
		{"invalid tags", 400, google(400, "invalidTags"), nil, serentak.Rejected, "invalidTags", 0, "details"},
		{"invalid category", 400, google(400, "invalidCategoryId"), nil, serentak.Rejected, "invalidCategoryId", 0, "details"},
		{"invalid publishAt", 400, google(400, "invalidPublishAt"), nil, serentak.Rejected, "invalidPublishAt", 0, "details"},
		{"invalid metadata", 400, google(400, "invalidVideoMetadata"), nil, serentak.Rejected, "invalidVideoMetadata", 0, "details"},
		{"invalid filename", 400, google(400, "invalidFilename"), nil, serentak.Rejected, "invalidFilename", 0, "details"},
		{"language not set", 400, google(400, "defaultLanguageNotSet"), nil, serentak.Rejected, "defaultLanguageNotSet", 0, "details"},
		{"media body required", 400, google(400, "mediaBodyRequired"), nil, serentak.Rejected, "mediaBodyRequired", 0, "details"},
		{"unknown 400 reason", 400, google(400, "somethingNew"), nil, serentak.Rejected, "somethingNew", 0, "HTTP 400"},

		{"backend error", 503, google(503, "backendError"), retry("30"), serentak.Transient, "backendError", 30 * time.Second, "resumes"},
		{"internal error", 500, google(500, "internalError"), nil, serentak.Transient, "internalError", 0, "HTTP 500"},
		{"HTML 502", 502, []byte("<html>Bad Gateway</html>"), nil, serentak.Transient, "http_502", 0, "HTTP 502"},
		{"empty 504", 504, nil, nil, serentak.Transient, "http_504", 0, "HTTP 504"},
		{"HTML 404", 404, []byte("<html>Not Found</html>"), nil, serentak.Rejected, "http_404", 0, "SERENTAK_YOUTUBE_API_URL"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			h := tc.header
			if h == nil {
				h = http.Header{}
			}
			got := p.classify(tc.status, tc.body, h)
			if got.Kind != tc.kind || got.Code != tc.code || got.RetryAfter != tc.wait {
				t.Fatalf("classify = {%s %s %v}, want {%s %s %v}", got.Kind, got.Code, got.RetryAfter, tc.kind, tc.code, tc.wait)
			}
			if !strings.Contains(got.Message, tc.says) {
				t.Errorf("message %q does not say %q", got.Message, tc.says)
			}
		})
	}
}

func TestUntilQuotaReset(t *testing.T) {
	tests := []struct {
		name string
		now  time.Time
		want time.Duration // before margin and jitter
	}{
		{"summer afternoon (PDT)", time.Date(2026, 7, 1, 20, 0, 0, 0, time.UTC), 11 * time.Hour},
		{"winter afternoon (PST)", time.Date(2026, 1, 15, 21, 0, 0, 0, time.UTC), 11 * time.Hour},
		{"just after midnight Pacific", time.Date(2026, 7, 1, 7, 1, 0, 0, time.UTC), 23*time.Hour + 59*time.Minute},
		{"midnight PST as DST starts (23-hour day)", time.Date(2026, 3, 8, 8, 0, 0, 0, time.UTC), 23 * time.Hour},
		{"midnight PDT as DST ends (25-hour day)", time.Date(2026, 11, 1, 7, 0, 0, 0, time.UTC), 25 * time.Hour},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p, _ := New(Config{Now: func() time.Time { return tc.now }, Rand: func() float64 { return 0 }})
			if got := p.untilQuotaReset(); got != tc.want+resetMargin {
				t.Fatalf("untilQuotaReset = %v, want %v", got, tc.want+resetMargin)
			}
		})
	}
}

func TestHashtagTags(t *testing.T) {
	long := strings.Repeat("a", 200)
	tests := []struct {
		in   string
		want []string
	}{
		{"no tags here", nil},
		{"#Keripik pedas #keripik #Pedas_Level5!", []string{"Keripik", "Pedas_Level5"}},
		{"Sambal #ButuhCepat, #Shorts.", []string{"ButuhCepat", "Shorts"}},
		{"#kue_lapis #ケーキ #торт", []string{"kue_lapis", "ケーキ", "торт"}},
		{"price #1 and #", []string{"1"}},
		// 200 + 1 + 200 = 401; a third 200 would be 602 > 500.
		{"#" + long + " #b" + long[1:] + " #c" + long[1:] + " #short", []string{long, "b" + long[1:], "short"}},
	}
	for _, tc := range tests {
		got := hashtagTags(tc.in)
		if diff := cmp.Diff(tc.want, got); diff != "" {
			t.Errorf("hashtagTags(%.40q) (-want +got):\n%s", tc.in, diff)
		}
		if n := tagsLength(got); n > maxTags {
			t.Errorf("hashtagTags(%.40q) is %d characters", tc.in, n)
		}
	}
}

func TestTagsLength(t *testing.T) {
	tests := []struct {
		tags []string
		want int
	}{
		{nil, 0},
		{[]string{"abc"}, 3},
		{[]string{"abc", "de"}, 6},
		{[]string{"two words", "x"}, 9 + 2 + 1 + 1},
		{[]string{"é"}, 1},
	}
	for _, tc := range tests {
		if got := tagsLength(tc.tags); got != tc.want {
			t.Errorf("tagsLength(%q) = %d, want %d", tc.tags, got, tc.want)
		}
	}
}

func TestRangeEnd(t *testing.T) {
	tests := []struct {
		h    string
		want int64
		bad  bool
	}{
		{"", 0, false},
		{"bytes=0-511", 512, false},
		{"bytes=0-999", 1000, false},
		{"bytes=0-1000", 0, true}, // beyond a 1000-byte video
		{"bytes=5-10", 0, true},
		{"bytes 0-10", 0, true},
		{"bytes=0-x", 0, true},
	}
	for _, tc := range tests {
		got, err := rangeEnd(tc.h, 1000)
		if (err != nil) != tc.bad || got != tc.want {
			t.Errorf("rangeEnd(%q) = %d, %v; want %d, bad %t", tc.h, got, err, tc.want, tc.bad)
		}
	}
}
