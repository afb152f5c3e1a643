package tiktok

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/serentak/serentak"
)

func TestClassify(t *testing.T) {
	env := func(code, msg string) []byte {
		return []byte(`{"data":{},"error":{"code":"` + code + `","message":"` + msg + `","log_id":"202605010900LOG"}}`)
	}
	retry := http.Header{}
	retry.Set("Retry-After", "17")

	tests := []struct {
		name   string
		status int
		body   []byte
		header http.Header
		kind   serentak.PublishErrorKind // "" means success (nil)
		code   string
		wait   time.Duration
		says   string
	}{
		{"ok", 200, env("ok", ""), nil, "", "", 0, ""},
		{"ok with data", 200, []byte(`{"data":{"publish_id":"v_pub_file~1"},"error":{"code":"ok","message":"","log_id":"x"}}`), nil, "", "", 0, ""},
		{"ok code on HTTP 500", 500, env("ok", ""), nil, serentak.Transient, "http_500", 0, "HTTP 500"},

		{"access token invalid", 401, env("access_token_invalid", "The access token is invalid"), nil, serentak.AuthExpired, "access_token_invalid", 0, "refreshed"},
		{"scope not authorized", 401, env("scope_not_authorized", "m"), nil, serentak.AuthExpired, "scope_not_authorized", 0, "reconnect"},
		{"scope permission missed", 403, env("scope_permission_missed", "m"), nil, serentak.AuthExpired, "scope_permission_missed", 0, "video.publish"},

		{"rate limit", 429, env("rate_limit_exceeded", "m"), nil, serentak.RateLimited, "rate_limit_exceeded", time.Minute, "per-minute"},
		{"rate limit with Retry-After", 429, env("rate_limit_exceeded", "m"), retry, serentak.RateLimited, "rate_limit_exceeded", 17 * time.Second, "17s"},
		{"daily post cap", 403, env("spam_risk_too_many_posts", "m"), nil, serentak.RateLimited, "spam_risk_too_many_posts", 24 * time.Hour, "24 hours"},
		{"daily post cap from creator_info, HTTP 200", 200, env("spam_risk_too_many_posts", "m"), nil, serentak.RateLimited, "spam_risk_too_many_posts", 24 * time.Hour, "daily limit"},
		{"active user cap", 200, env("reached_active_user_cap", "m"), nil, serentak.RateLimited, "reached_active_user_cap", 24 * time.Hour, "24 hours"},

		{"banned", 403, env("spam_risk_user_banned_from_posting", "m"), nil, serentak.Rejected, "spam_risk_user_banned_from_posting", 0, "banned"},
		{"banned on HTTP 200", 200, env("spam_risk_user_banned_from_posting", "m"), nil, serentak.Rejected, "spam_risk_user_banned_from_posting", 0, "banned"},
		{"spam text", 403, env("spam_risk_text", "m"), nil, serentak.Rejected, "spam_risk_text", 0, "caption"},
		{"spam risk", 403, env("spam_risk", "m"), nil, serentak.Rejected, "spam_risk", 0, "spam"},
		{"too many pending drafts", 403, env("spam_risk_too_many_pending_share", "m"), nil, serentak.Rejected, "spam_risk_too_many_pending_share", 0, "5 drafts"},
		{"unaudited", 403, env("unaudited_client_can_only_post_to_private_accounts", "m"), nil, serentak.Rejected, "unaudited_client_can_only_post_to_private_accounts", 0, "audited"},
		{"url unverified", 403, env("url_ownership_unverified", "m"), nil, serentak.Rejected, "url_ownership_unverified", 0, "verified"},
		{"privacy mismatch", 403, env("privacy_level_option_mismatch", "m"), nil, serentak.Rejected, "privacy_level_option_mismatch", 0, "privacy level"},
		{"invalid params", 400, env("invalid_params", "title too long"), nil, serentak.Rejected, "invalid_params", 0, "title too long"},
		{"invalid param (other spelling)", 400, env("invalid_param", "m"), nil, serentak.Rejected, "invalid_param", 0, "invalid"},
		{"invalid file upload", 400, env("invalid_file_upload", "m"), nil, serentak.Rejected, "invalid_file_upload", 0, "file"},
		{"app version", 400, env("app_version_check_failed", "m"), nil, serentak.Rejected, "app_version_check_failed", 0, "31.8"},
		{"invalid publish id", 400, env("invalid_publish_id", "m"), nil, serentak.Rejected, "invalid_publish_id", 0, "does not know"},
		{"publish id of another user", 400, env("token_not_authorized_for_specified_publish_id", "m"), nil, serentak.Rejected, "token_not_authorized_for_specified_publish_id", 0, "another account"},

		{"internal error", 500, env("internal_error", "m"), nil, serentak.Transient, "internal_error", 0, "retried"},
		{"unknown code on 503", 503, env("something_new", "m"), nil, serentak.Transient, "something_new", 0, "HTTP 503"},
		{"unknown code on 429", 429, env("something_new", "m"), nil, serentak.RateLimited, "something_new", time.Minute, "rate limit"},
		{"unknown code on 401", 401, env("something_new", "m"), nil, serentak.AuthExpired, "something_new", 0, "refreshed"},
		{"unknown code on 400", 400, env("something_new", "m"), nil, serentak.Rejected, "something_new", 0, "HTTP 400"},

		{"HTML 502", 502, []byte("<html>Bad Gateway</html>"), nil, serentak.Transient, "http_502", 0, "HTTP 502"},
		{"empty 500", 500, nil, nil, serentak.Transient, "http_500", 0, "HTTP 500"},
		{"plain 429", 429, []byte("slow down"), nil, serentak.RateLimited, "http_429", time.Minute, "429"},
		{"plain 401", 401, nil, nil, serentak.AuthExpired, "http_401", 0, "401"},
		{"HTML 404", 404, []byte("<html>Not Found</html>"), nil, serentak.Rejected, "http_404", 0, "HTTP 404"},
		{"JSON without envelope", 200, []byte(`{"publish_id":"x"}`), nil, serentak.Rejected, "http_200", 0, "HTTP 200"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := Classify(tc.status, tc.body, tc.header)
			if tc.kind == "" {
				if got != nil {
					t.Fatalf("classify = %v, want success", got)
				}
				return
			}
			if got == nil {
				t.Fatalf("classify = nil, want %s", tc.kind)
			}
			if got.Kind != tc.kind || got.Code != tc.code || got.RetryAfter != tc.wait {
				t.Fatalf("classify = {%s %s %v}, want {%s %s %v}", got.Kind, got.Code, got.RetryAfter, tc.kind, tc.code, tc.wait)
			}
			if !strings.Contains(got.Message, tc.says) {
				t.Errorf("message %q does not say %q", got.Message, tc.says)
			}
			if strings.HasPrefix(string(tc.body), "{\"data\"") && !strings.HasPrefix(tc.code, "http_") && !strings.Contains(got.Message, "202605010900LOG") {
				t.Errorf("message %q does not keep the log_id", got.Message)
			}
		})
	}
}

func TestClassifyFailReason(t *testing.T) {
	tests := []struct {
		reason string
		kind   serentak.PublishErrorKind
		wait   time.Duration
		says   string
	}{
		{"file_format_check_failed", serentak.Rejected, 0, "format"},
		{"duration_check_failed", serentak.Rejected, 0, "length"},
		{"frame_rate_check_failed", serentak.Rejected, 0, "frame rate"},
		{"picture_size_check_failed", serentak.Rejected, 0, "picture size"},
		{"internal", serentak.Transient, 0, "posted again"},
		{"video_pull_failed", serentak.Transient, 0, "download"},
		{"photo_pull_failed", serentak.Transient, 0, "download"},
		{"publish_cancelled", serentak.Rejected, 0, "cancelled"},
		{"auth_removed", serentak.AuthExpired, 0, "reconnect"},
		{"spam_risk_too_many_posts", serentak.RateLimited, 24 * time.Hour, "24 hours"},
		{"spam_risk_user_banned_from_posting", serentak.Rejected, 0, "banned"},
		{"spam_risk_text", serentak.Rejected, 0, "caption"},
		{"spam_risk", serentak.Rejected, 0, "spam"},
		{"", serentak.Rejected, 0, "without saying why"},
		{"brand_new_reason", serentak.Rejected, 0, "brand_new_reason"},
	}
	for _, tc := range tests {
		t.Run(tc.reason, func(t *testing.T) {
			got := classifyFailReason(tc.reason)
			if got.Kind != tc.kind || got.RetryAfter != tc.wait || got.Code != "FAILED/"+tc.reason {
				t.Fatalf("= {%s %v %s}, want {%s %v FAILED/%s}", got.Kind, got.RetryAfter, got.Code, tc.kind, tc.wait, tc.reason)
			}
			if !strings.Contains(got.Message, tc.says) || !strings.Contains(got.Message, "fail_reason") {
				t.Errorf("message %q does not say %q and the fail_reason", got.Message, tc.says)
			}
		})
	}
}

func TestClassifyOAuth(t *testing.T) {
	tests := []struct {
		status int
		code   string
		kind   serentak.PublishErrorKind
	}{
		{400, "invalid_grant", serentak.AuthExpired},
		{400, "access_denied", serentak.AuthExpired},
		{401, "invalid_client", serentak.Rejected},
		{400, "unauthorized_client", serentak.Rejected},
		{400, "unsupported_grant_type", serentak.Rejected},
		{400, "invalid_request", serentak.Rejected},
		{400, "invalid_scope", serentak.Rejected},
		{429, "rate_limit_exceeded", serentak.RateLimited},
		{500, "internal_error", serentak.Transient},
		{503, "whatever", serentak.Transient},
		{400, "whatever", serentak.Rejected},
	}
	for _, tc := range tests {
		if got := classifyOAuth(tc.status, tc.code, "d", "l"); got.Kind != tc.kind || got.Code != tc.code {
			t.Errorf("classifyOAuth(%d, %s) = {%s %s}, want %s", tc.status, tc.code, got.Kind, got.Code, tc.kind)
		}
	}
}

func TestPlanChunks(t *testing.T) {
	const mib = 5 * 1024 * 1024
	tests := []struct {
		name        string
		size, chunk int64
		want        chunkPlan
		final       int64
	}{
		{"the docs' example", 50_000_123, 10_000_000, chunkPlan{50_000_123, 10_000_000, 5}, 10_000_123},
		{"tiny file goes whole", 1000, 10_000_000, chunkPlan{1000, 1000, 1}, 1000},
		{"under 5 MB goes whole", mib - 1, mib, chunkPlan{mib - 1, mib - 1, 1}, mib - 1},
		{"exactly one chunk", 10_000_000, 10_000_000, chunkPlan{10_000_000, 10_000_000, 1}, 10_000_000},
		{"just over one chunk: the final absorbs the rest", 19_999_999, 10_000_000, chunkPlan{19_999_999, 10_000_000, 1}, 19_999_999},
		{"exact multiple", 30_000_000, 10_000_000, chunkPlan{30_000_000, 10_000_000, 3}, 10_000_000},
		{"4 GB at the smallest chunk", 4 << 30, mib, chunkPlan{4 << 30, mib, 819}, 4<<30 - 818*mib},
		{"over 1000 chunks grows the chunk", 6_000_000_000, mib, chunkPlan{6_000_000_000, 6_000_000, 1000}, 6_000_000},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := planChunks(tc.size, tc.chunk)
			if got != tc.want {
				t.Fatalf("planChunks(%d, %d) = %+v, want %+v", tc.size, tc.chunk, got, tc.want)
			}
			if f := got.chunkLen(got.count - 1); f != tc.final {
				t.Errorf("final chunk = %d, want %d", f, tc.final)
			}
			var sum int64
			for i := range got.count {
				sum += got.chunkLen(i)
			}
			if sum != tc.size {
				t.Errorf("chunks add up to %d, not %d", sum, tc.size)
			}
		})
	}
}

func TestNewClampsChunkSize(t *testing.T) {
	for in, want := range map[int64]int64{0: DefaultChunkSize, 1: MinChunkSize, 100 << 20: MaxChunkSize, 20_000_000: 20_000_000} {
		if got := New(Config{ChunkSize: in}).cfg.ChunkSize; got != want {
			t.Errorf("ChunkSize %d → %d, want %d", in, got, want)
		}
	}
}

func TestPostIDsAreLenient(t *testing.T) {
	tests := map[string][]string{
		`{"publicaly_available_post_id":[7345678901234567891]}`:   {"7345678901234567891"},
		`{"publicaly_available_post_id":["7345678901234567891"]}`: {"7345678901234567891"},
		`{"publicaly_available_post_id":7345678901234567891}`:     {"7345678901234567891"},
		`{"publicaly_available_post_id":[]}`:                      nil,
		`{"publicaly_available_post_id":null}`:                    nil,
		`{"publicaly_available_post_id":{"odd":1}}`:               nil,
		`{}`: nil,
	}
	for in, want := range tests {
		var st publishStatus
		if err := json.Unmarshal([]byte(in), &st); err != nil {
			t.Errorf("%s: %v", in, err)
			continue
		}
		if diff := cmp.Diff(want, []string(st.PostIDs)); diff != "" {
			t.Errorf("%s (-want +got):\n%s", in, diff)
		}
	}
}

func TestUploadedBytes(t *testing.T) {
	for in, want := range map[string]int64{"bytes 0-9/100": 10, "bytes 0-99/100": 100, "": -1, "bytes 5-9/100": -1, "bytes 0-x/1": -1} {
		h := http.Header{}
		h.Set("Content-Range", in)
		got, ok := uploadedBytes(h)
		if !ok {
			got = -1
		}
		if got != want {
			t.Errorf("uploadedBytes(%q) = %d, want %d", in, got, want)
		}
	}
}
