package facebook

import (
	"errors"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/serentak/serentak"
)

func TestClassify(t *testing.T) {
	graph := func(body string) []byte { return []byte(`{"error":` + body + `}`) }
	buc := func(minutes string) http.Header {
		h := http.Header{}
		h.Set("X-Business-Use-Case-Usage", `{"1001":[{"type":"pages","call_count":100,"total_cputime":1,"total_time":1,"estimated_time_to_regain_access":`+minutes+`}]}`)
		return h
	}
	appUsage := http.Header{}
	appUsage.Set("X-App-Usage", `{"call_count":100,"total_cputime":1,"total_time":1,"estimated_time_to_regain_access":3}`)

	tests := []struct {
		name   string
		status int
		body   []byte
		header http.Header
		kind   serentak.PublishErrorKind
		code   string
		retry  time.Duration
		says   string // a phrase the message must contain
	}{
		{"token expired", 400, graph(`{"message":"Error validating access token: Session has expired","type":"OAuthException","code":190,"error_subcode":463,"fbtrace_id":"A1"}`), nil, serentak.AuthExpired, "190/463", 0, "reconnect the Page"},
		{"token invalid", 400, graph(`{"message":"Invalid OAuth access token","type":"OAuthException","code":190}`), nil, serentak.AuthExpired, "190", 0, "Invalid OAuth access token"},
		{"password changed", 400, graph(`{"message":"m","code":190,"error_subcode":460}`), nil, serentak.AuthExpired, "190/460", 0, "reconnect"},
		{"session invalid", 400, graph(`{"message":"m","code":102}`), nil, serentak.AuthExpired, "102", 0, "reconnect"},
		{"app not installed subcode", 400, graph(`{"message":"m","code":1,"error_subcode":458}`), nil, serentak.AuthExpired, "1/458", 0, "reconnect"},
		{"checkpointed user", 400, graph(`{"message":"m","code":190,"error_subcode":459}`), nil, serentak.AuthExpired, "190/459", 0, "reconnect"},
		{"unconfirmed user", 400, graph(`{"message":"m","code":190,"error_subcode":464}`), nil, serentak.AuthExpired, "190/464", 0, "reconnect"},
		{"invalid token subcode", 400, graph(`{"message":"m","code":190,"error_subcode":467}`), nil, serentak.AuthExpired, "190/467", 0, "reconnect"},
		{"lost page role", 400, graph(`{"message":"m","code":190,"error_subcode":492}`), nil, serentak.AuthExpired, "190/492", 0, "reconnect"},

		{"app throttled with BUC header", 400, graph(`{"message":"(#4) Application request limit reached","code":4,"is_transient":true}`), buc("7"), serentak.RateLimited, "4", 7 * time.Minute, "rate limit"},
		{"app throttled without header", 400, graph(`{"message":"m","code":4}`), nil, serentak.RateLimited, "4", time.Minute, "rate limit"},
		{"app throttled, header says 0", 400, graph(`{"message":"m","code":4}`), buc("0"), serentak.RateLimited, "4", time.Minute, "rate limit"},
		{"user throttled", 400, graph(`{"message":"m","code":17}`), nil, serentak.RateLimited, "17", time.Minute, "rate limit"},
		{"page throttled, X-App-Usage", 400, graph(`{"message":"m","code":32}`), appUsage, serentak.RateLimited, "32", 3 * time.Minute, "rate limit"},
		{"custom rate limit", 400, graph(`{"message":"m","code":613}`), nil, serentak.RateLimited, "613", time.Minute, "rate limit"},
		{"BUC rate limit", 400, graph(`{"message":"m","code":80001}`), buc("12"), serentak.RateLimited, "80001", 12 * time.Minute, "rate limit"},
		{"application limit", 400, graph(`{"message":"m","code":341}`), nil, serentak.RateLimited, "341", time.Minute, "rate limit"},
		{"posting too fast", 400, graph(`{"message":"blocked","code":368,"error_subcode":1390008}`), nil, serentak.RateLimited, "368/1390008", time.Hour, "temporarily blocked"},
		{"soft block without subcode", 400, graph(`{"message":"blocked","code":368}`), nil, serentak.RateLimited, "368", time.Hour, "temporarily blocked"},
		{"blocked for community standards", 400, graph(`{"message":"m","code":368,"error_subcode":1404102}`), nil, serentak.Rejected, "368/1404102", 0, "Community Standards"},
		{"flagged abusive", 400, graph(`{"message":"m","code":100,"error_subcode":1346003}`), nil, serentak.Rejected, "100/1346003", 0, "Community Standards"},

		{"unknown error", 500, graph(`{"message":"An unknown error occurred","code":1}`), nil, serentak.Transient, "1", 0, "temporary"},
		{"service error", 500, graph(`{"message":"m","code":2,"is_transient":true}`), nil, serentak.Transient, "2", 0, "temporary"},
		{"code 1 with HTTP 400", 400, graph(`{"message":"m","code":1}`), nil, serentak.Transient, "1", 0, "temporary"},
		{"is_transient", 400, graph(`{"message":"m","code":9007,"is_transient":true}`), nil, serentak.Transient, "9007", 0, "temporary"},
		{"service unavailable subcode", 400, graph(`{"message":"m","code":100,"error_subcode":1363047}`), nil, serentak.Transient, "100/1363047", 0, "temporary"},
		{"unlisted code with HTTP 503", 503, graph(`{"message":"m","code":9999}`), nil, serentak.Transient, "9999", 0, "HTTP 503"},

		{"duplicate", 400, graph(`{"message":"(#506) Duplicate status message","code":506}`), nil, serentak.Rejected, "506", 0, "duplicate"},
		{"invalid parameter", 400, graph(`{"message":"(#100) Invalid parameter","code":100,"error_user_msg":"The link is bad"}`), nil, serentak.Rejected, "100", 0, "The link is bad"},
		{"invalid parameter on HTTP 500", 500, graph(`{"message":"m","code":100}`), nil, serentak.Rejected, "100", 0, "invalid"},
		{"photo too big", 400, graph(`{"message":"m","code":100,"error_subcode":1366046}`), nil, serentak.Rejected, "100/1366046", 0, "JPG or PNG"},
		{"invalid photo file", 400, graph(`{"message":"m","code":100,"error_subcode":2069019}`), nil, serentak.Rejected, "100/2069019", 0, "JPG or PNG"},
		// Permission errors: what the person can grant again marks the
		// account needs_reauth naming the permission; what only the app's
		// operator can fix fails the delivery without a reconnect.
		{"permission denied", 403, graph(`{"message":"(#10) Application does not have permission for this action","code":10}`), nil, serentak.AuthExpired, "10", 0, "reconnect the Page"},
		{"permission 200 names it", 403, graph(`{"message":"(#200) Requires pages_manage_posts permission","code":200}`), nil, serentak.AuthExpired, "200", 0, "permission pages_manage_posts is missing"},
		{"permission 200 two named", 403, graph(`{"message":"(#200) If posting to a page, requires both pages_read_engagement and pages_manage_posts permission","code":200}`), nil, serentak.AuthExpired, "200", 0, "grant pages_read_engagement, pages_manage_posts"},
		{"permission 299", 400, graph(`{"message":"m","code":299}`), nil, serentak.AuthExpired, "299", 0, "reconnect the Page"},
		{"engagement permission", 403, graph(`{"message":"(#200) Requires pages_manage_engagement permission to manage the object","code":200}`), nil, serentak.AuthExpired, "200", 0, "pages_manage_engagement"},
		{"app review", 403, graph(`{"message":"(#200) requires pages_manage_posts permission to be approved via App Review","code":200}`), nil, serentak.Rejected, "200", 0, "operator"},
		{"app review names the permission", 403, graph(`{"message":"(#200) requires pages_manage_posts permission to be approved via App Review","code":200}`), nil, serentak.Rejected, "200", 0, "may not use pages_manage_posts"},
		{"app in development mode", 400, graph(`{"message":"(#10) This endpoint requires the app to be in Live Mode","code":10}`), nil, serentak.Rejected, "10", 0, "reconnecting the Page does not help"},
		{"feature not available", 400, graph(`{"message":"(#10) This feature is not available to this app","code":10}`), nil, serentak.Rejected, "10", 0, "operator"},
		{"advanced access", 400, graph(`{"message":"(#200) Requires advanced access to pages_read_engagement","code":200,"error_user_msg":"Advanced Access is required"}`), nil, serentak.Rejected, "200", 0, "App Review"},
		{"link scrape failed", 400, graph(`{"message":"Error Posting Link","code":1609005}`), nil, serentak.Rejected, "1609005", 0, "link"},
		{"page publishing authorization", 400, graph(`{"message":"m","code":100,"error_subcode":1404078}`), nil, serentak.Rejected, "100/1404078", 0, "Page Publishing Authorization"},
		{"capability missing", 400, graph(`{"message":"m","code":3}`), nil, serentak.Rejected, "3", 0, "refused"},

		{"HTML 502", 502, []byte("<html>Bad Gateway</html>"), nil, serentak.Transient, "http_502", 0, "HTTP 502"},
		{"empty 500", 500, nil, nil, serentak.Transient, "http_500", 0, "HTTP 500"},
		{"HTML 404", 404, []byte("<html>Not Found</html>"), nil, serentak.Rejected, "http_404", 0, "HTTP 404"},
		{"JSON without error object", 400, []byte(`{"id":"1"}`), nil, serentak.Rejected, "http_400", 0, "HTTP 400"},
		{"plain 429", 429, []byte("slow down"), nil, serentak.RateLimited, "http_429", time.Minute, "429"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			h := tc.header
			if h == nil {
				h = http.Header{}
			}
			got := Classify(tc.status, tc.body, h)
			if got.Kind != tc.kind || got.Code != tc.code || got.RetryAfter != tc.retry {
				t.Fatalf("classify = {%s %s %v}, want {%s %s %v}", got.Kind, got.Code, got.RetryAfter, tc.kind, tc.code, tc.retry)
			}
			if !strings.Contains(got.Message, tc.says) {
				t.Errorf("message %q does not say %q", got.Message, tc.says)
			}
		})
	}
}

func TestMissingPermissionsFor(t *testing.T) {
	all := []string{"pages_show_list", "pages_read_engagement", "pages_manage_posts", "pages_manage_engagement"}
	old := all[:3] // connected before first comments needed engagement
	comment := serentak.Content{Text: "x", Options: serentak.Options{FirstComment: "order here"}}
	if got := MissingPermissionsFor(comment, old); len(got) != 1 || got[0] != "pages_manage_engagement" {
		t.Errorf("first comment on an old account: missing %v, want pages_manage_engagement", got)
	}
	if got := MissingPermissionsFor(comment, all); len(got) != 0 {
		t.Errorf("all granted: missing %v", got)
	}
	if got := MissingPermissionsFor(serentak.Content{Text: "x"}, old); len(got) != 0 {
		t.Errorf("no first comment: missing %v", got)
	}
}

func TestPermissionsFor(t *testing.T) {
	if got := PermissionsFor(FeatureFirstComment); !slices.Equal(got, []string{"pages_manage_engagement"}) {
		t.Errorf("first_comment needs %v, want pages_manage_engagement", got)
	}
	if got := New(Config{}).PermissionsFor("first_comment"); !slices.Equal(got, []string{"pages_manage_engagement"}) {
		t.Errorf("Publisher.PermissionsFor(first_comment) = %v", got)
	}
	if got := PermissionsFor("share_to_feed"); got != nil {
		t.Errorf("an unknown feature needs %v, want nothing", got)
	}
	// The answer is the caller's: changing it changes no later answer.
	PermissionsFor(FeatureFirstComment)[0] = "changed"
	if got := PermissionsFor(FeatureFirstComment); got[0] != "pages_manage_engagement" {
		t.Errorf("the table was changed through an answer: %v", got)
	}
}

// A chunk at the wrong offset is Transient and carries the offsets the
// server expects, given as an object or as a JSON string holding one.
func TestClassifyOffsetMismatch(t *testing.T) {
	for _, data := range []string{`{"start_offset":"524288","end_offset":"786432"}`, `"{\"start_offset\":524288,\"end_offset\":786432}"`} {
		got := Classify(400, []byte(`{"error":{"message":"m","code":100,"error_subcode":1363037,"error_data":`+data+`}}`), http.Header{})
		var off *offsetError
		if got.Kind != serentak.Transient || !errors.As(got, &off) || off.start != 524288 || off.end != 786432 {
			t.Errorf("error_data %s: %+v (offsets %+v)", data, got, off)
		}
	}
}
