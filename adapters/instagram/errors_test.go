package instagram

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/serentak/serentak"
)

func TestClassify(t *testing.T) {
	graph := func(body string) []byte { return []byte(`{"error":` + body + `}`) }
	buc := func(minutes string) http.Header {
		h := http.Header{}
		h.Set("X-Business-Use-Case-Usage", `{"178":[{"type":"instagram","call_count":100,"total_cputime":1,"total_time":1,"estimated_time_to_regain_access":`+minutes+`}]}`)
		return h
	}

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
		// auth (docs/platforms/instagram.md#errors)
		{"token expired", 400, graph(`{"message":"Error validating access token: Session has expired","type":"OAuthException","code":190,"error_subcode":463,"fbtrace_id":"A1"}`), nil, serentak.AuthExpired, "190/463", 0, "reconnect the Instagram account"},
		{"token revoked", 400, graph(`{"message":"REVOKED_ACCESS_TOKEN","code":190,"error_subcode":33}`), nil, serentak.AuthExpired, "190/33", 0, "reconnect"},
		{"session invalid", 400, graph(`{"message":"m","code":102}`), nil, serentak.AuthExpired, "102", 0, "reconnect"},
		{"password changed subcode", 400, graph(`{"message":"m","code":1,"error_subcode":460}`), nil, serentak.AuthExpired, "1/460", 0, "reconnect"},
		{"checkpoint: session invalidated", 400, graph(`{"message":"The session has been invalidated because the user changed their password","code":190,"error_subcode":460}`), nil, serentak.AuthExpired, "190/460", 0, "log in to Instagram"},
		{"checkpoint: cannot access the app", 400, graph(`{"message":"You cannot access the app till you log in to www.facebook.com and follow the instructions given.","code":190,"error_subcode":459}`), nil, serentak.AuthExpired, "190/459", 0, "log in to Instagram"},
		{"checkpoint: malformed session key", 400, graph(`{"message":"Session key is malformed","code":1}`), nil, serentak.AuthExpired, "1", 0, "log in to Instagram"},
		{"permission 10", 403, graph(`{"message":"(#10) Application does not have permission","code":10}`), nil, serentak.AuthExpired, "10", 0, "instagram_content_publish"},
		{"permission 200", 403, graph(`{"message":"(#200) not authorized","code":200}`), nil, serentak.AuthExpired, "200", 0, "grant content publishing"},

		// rate limits
		{"app throttled with BUC header", 400, graph(`{"message":"(#4) Application request limit reached","code":4,"is_transient":true}`), buc("7"), serentak.RateLimited, "4", 7 * time.Minute, "rate limit"},
		{"app throttled without header", 400, graph(`{"message":"m","code":4}`), nil, serentak.RateLimited, "4", time.Minute, "rate limit"},
		{"user throttled", 400, graph(`{"message":"m","code":17}`), nil, serentak.RateLimited, "17", time.Minute, "rate limit"},
		{"page throttled", 400, graph(`{"message":"m","code":32}`), nil, serentak.RateLimited, "32", time.Minute, "rate limit"},
		{"custom rate limit", 400, graph(`{"message":"m","code":613}`), buc("3"), serentak.RateLimited, "613", 3 * time.Minute, "rate limit"},
		// Business Use Case throttles (Graph "Rate Limits": Instagram
		// Platform calls are BUC-limited, 80002 is Instagram's code; the
		// 80000–80014 family is the same kind): rate limits with the
		// header's estimated_time_to_regain_access, never refusals.
		{"instagram BUC throttle 80002 with header", 400, graph(`{"message":"There have been too many calls to this Instagram account. Wait a bit and try again.","code":80002,"is_transient":true}`), buc("12"), serentak.RateLimited, "80002", 12 * time.Minute, "rate limit"},
		{"instagram BUC throttle 80002 without header", 400, graph(`{"message":"m","code":80002}`), nil, serentak.RateLimited, "80002", time.Minute, "rate limit"},
		{"pages BUC throttle 80001", 400, graph(`{"message":"m","code":80001}`), buc("2"), serentak.RateLimited, "80001", 2 * time.Minute, "rate limit"},
		{"BUC family 80014", 400, graph(`{"message":"m","code":80014}`), nil, serentak.RateLimited, "80014", time.Minute, "rate limit"},
		{"page throttled 32 with BUC header", 400, graph(`{"message":"m","code":32}`), buc("5"), serentak.RateLimited, "32", 5 * time.Minute, "rate limit"},
		{"soft block", 400, graph(`{"message":"blocked","code":368}`), nil, serentak.RateLimited, "368", time.Hour, "temporarily blocked"},
		{"publishing quota 9/2207042", 400, graph(`{"message":"You reached maximum number of posts","code":9,"error_subcode":2207042}`), nil, serentak.RateLimited, "9/2207042", time.Hour, "24-hour publishing limit"},
		{"code 9 without subcode", 400, graph(`{"message":"m","code":9}`), nil, serentak.RateLimited, "9", time.Hour, "publishing limit"},
		{"activity restricted is not a rate limit", 400, graph(`{"message":"We restrict certain activity","code":4,"error_subcode":2207051}`), nil, serentak.Rejected, "4/2207051", 0, "suspicion of spam"},

		// not ready: poll again
		{"not ready 9007/2207027", 400, graph(`{"message":"The media is not ready for publishing","code":9007,"error_subcode":2207027,"is_transient":true}`), nil, serentak.Pending, "9007/2207027", 10 * time.Second, "not ready"},
		{"9007 without subcode", 400, graph(`{"message":"Media ID is not available","code":9007}`), nil, serentak.Pending, "9007", 10 * time.Second, "not ready"},

		// media not fetchable
		{"not fetchable", 400, graph(`{"message":"The media could not be fetched from this uri","code":9004,"error_subcode":2207052}`), nil, serentak.Rejected, "9004/2207052", 0, "SERENTAK_PUBLIC_URL"},
		{"not fetchable, transient", 400, graph(`{"message":"m","code":9004,"error_subcode":2207052,"is_transient":true}`), nil, serentak.Transient, "9004/2207052", 0, "retried"},

		// retryable
		{"download too slow", 400, graph(`{"message":"m","code":-2,"error_subcode":2207003}`), nil, serentak.Transient, "-2/2207003", 0, "too long to download"},
		{"media expired", 400, graph(`{"message":"m","code":-2,"error_subcode":2207020}`), nil, serentak.Transient, "-2/2207020", 0, "expired"},
		{"server error", 400, graph(`{"message":"m","code":-1,"error_subcode":2207001}`), nil, serentak.Transient, "-1/2207001", 0, "server error"},
		{"create media failed", 400, graph(`{"message":"m","code":-1,"error_subcode":2207032}`), nil, serentak.Transient, "-1/2207032", 0, "failed to create"},
		{"unknown upload error", 400, graph(`{"message":"m","code":-1,"error_subcode":2207053}`), nil, serentak.Transient, "-1/2207053", 0, "unknown error"},
		{"code -1 alone", 400, graph(`{"message":"m","code":-1}`), nil, serentak.Transient, "-1", 0, "temporary"},
		{"unknown error 1", 500, graph(`{"message":"An unknown error occurred","code":1}`), nil, serentak.Transient, "1", 0, "temporary"},
		{"service 2", 500, graph(`{"message":"m","code":2,"is_transient":true}`), nil, serentak.Transient, "2", 0, "temporary"},
		{"is_transient on an odd code", 400, graph(`{"message":"m","code":12345,"is_transient":true}`), nil, serentak.Transient, "12345", 0, "temporary"},
		{"unknown error wording", 400, graph(`{"message":"An unknown error occurred","code":12345}`), nil, serentak.Transient, "12345", 0, "temporary"},
		{"unlisted code with HTTP 503", 503, graph(`{"message":"m","code":9999}`), nil, serentak.Transient, "9999", 0, "HTTP 503"},

		// permanent
		{"thumb offset", 400, graph(`{"message":"m","code":1,"error_subcode":2207057}`), nil, serentak.Rejected, "1/2207057", 0, "thumbnail offset"},
		{"image too large", 400, graph(`{"message":"The image size is too large.","code":36000,"error_subcode":2207004,"error_user_msg":"It should be less than 8 MiB."}`), nil, serentak.Rejected, "36000/2207004", 0, "8 MB"},
		{"not JPEG", 400, graph(`{"message":"m","code":36001,"error_subcode":2207005}`), nil, serentak.Rejected, "36001/2207005", 0, "JPEG"},
		{"aspect ratio", 400, graph(`{"message":"m","code":36003,"error_subcode":2207009}`), nil, serentak.Rejected, "36003/2207009", 0, "4:5"},
		{"caption too long", 400, graph(`{"message":"m","code":36004,"error_subcode":2207010}`), nil, serentak.Rejected, "36004/2207010", 0, "2,200"},
		{"video format", 400, graph(`{"message":"m","code":352,"error_subcode":2207026}`), nil, serentak.Rejected, "352/2207026", 0, "MP4 or MOV"},
		{"carousel size", 400, graph(`{"message":"m","code":100,"error_subcode":2207028}`), nil, serentak.Rejected, "100/2207028", 0, "2 to 10"},
		{"too many tags", 400, graph(`{"message":"m","code":100,"error_subcode":2207040}`), nil, serentak.Rejected, "100/2207040", 0, "20 @mentions"},
		{"user restricted", 400, graph(`{"message":"m","code":100,"error_subcode":2207050}`), nil, serentak.Rejected, "100/2207050", 0, "restricted"},
		{"unknown media type", 400, graph(`{"message":"m","code":100,"error_subcode":2207023}`), nil, serentak.Rejected, "100/2207023", 0, "media type"},
		{"collaborator", 400, graph(`{"message":"m","code":100,"error_subcode":2207018}`), nil, serentak.Rejected, "100/2207018", 0, "collaborator"},
		{"trial reels", 400, graph(`{"message":"m","code":100,"error_subcode":2207081}`), nil, serentak.Rejected, "100/2207081", 0, "trial Reels"},
		// 2207008 is transient: the same container later, not a new one.
		{"media builder transient 2207008", 400, graph(`{"message":"m","code":24,"error_subcode":2207008}`), nil, serentak.Transient, "24/2207008", time.Minute, "same container"},
		{"container not found", 400, graph(`{"message":"m","code":100,"error_subcode":2207006}`), nil, serentak.Transient, "100/2207006", 0, "new one"},
		{"invalid parameter", 400, graph(`{"message":"(#100) Invalid parameter","code":100,"error_user_msg":"The caption is bad"}`), nil, serentak.Rejected, "100", 0, "The caption is bad"},
		{"invalid parameter on HTTP 500", 500, graph(`{"message":"m","code":100}`), nil, serentak.Rejected, "100", 0, "invalid"},

		// not a Graph error
		{"HTML 502", 502, []byte("<html>Bad Gateway</html>"), nil, serentak.Transient, "http_502", 0, "HTTP 502"},
		{"empty 500", 500, nil, nil, serentak.Transient, "http_500", 0, "HTTP 500"},
		{"HTML 404", 404, []byte("<html>Not Found</html>"), nil, serentak.Rejected, "http_404", 0, "SERENTAK_INSTAGRAM_API_URL"},
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
				t.Fatalf("classify = {%s %s %v}, want {%s %s %v}: %s", got.Kind, got.Code, got.RetryAfter, tc.kind, tc.code, tc.retry, got.Message)
			}
			if !strings.Contains(got.Message, tc.says) {
				t.Errorf("message %q does not say %q", got.Message, tc.says)
			}
		})
	}
}

func TestClassifyContainerError(t *testing.T) {
	tests := []struct {
		status string
		kind   serentak.PublishErrorKind
		retry  bool
		says   string
	}{
		{"2207026", serentak.Rejected, false, "MP4 or MOV"},
		{"Error: 2207026", serentak.Rejected, false, "MP4 or MOV"},
		{"Error: 2207052", serentak.Rejected, false, "public HTTPS"},
		{"Error: Media upload has failed with error code 2207009", serentak.Rejected, false, "aspect ratio"},
		{"Error: 2207008", serentak.Transient, true, "2207008"},
		{"2207052", serentak.Rejected, false, "public HTTPS"},
		{"2207004", serentak.Rejected, false, "8 MB"},
		{"2207009", serentak.Rejected, false, "aspect ratio"},
		{"2207001", serentak.Transient, true, "2207001"},
		{"2207053", serentak.Transient, true, "2207053"},
		{"2207003", serentak.Transient, true, "2207003"},
		{"", serentak.Transient, true, "failed to process"},
		{"something odd", serentak.Transient, true, "something odd"},
	}
	for _, tc := range tests {
		t.Run(tc.status, func(t *testing.T) {
			pe, retry := classifyContainerError("42", tc.status)
			if pe.Kind != tc.kind || retry != tc.retry {
				t.Fatalf("= {%s %v}, want {%s %v}: %s", pe.Kind, retry, tc.kind, tc.retry, pe.Message)
			}
			if !strings.Contains(pe.Message, tc.says) || !strings.Contains(pe.Message, "42") {
				t.Errorf("message %q does not say %q and name the container", pe.Message, tc.says)
			}
		})
	}
}

func TestShapeOf(t *testing.T) {
	img := func(ct string) serentak.MediaRef {
		return serentak.MediaRef{URL: "https://x/a", Kind: serentak.MediaImage, ContentType: ct}
	}
	vid := func(ct string) serentak.MediaRef {
		return serentak.MediaRef{URL: "https://x/v", Kind: serentak.MediaVideo, ContentType: ct}
	}
	many := func(n int) []serentak.MediaRef {
		out := make([]serentak.MediaRef, n)
		for i := range out {
			out[i] = img("image/jpeg")
		}
		return out
	}
	tests := []struct {
		name  string
		c     serentak.Content
		shape shape
		err   string // empty: no error
	}{
		{"one JPEG", serentak.Content{Media: []serentak.MediaRef{img("image/jpeg")}}, shapeImage, ""},
		{"JPEG with parameters", serentak.Content{Media: []serentak.MediaRef{img("image/jpeg; charset=binary")}}, shapeImage, ""},
		{"image of unknown type", serentak.Content{Media: []serentak.MediaRef{img("")}}, shapeImage, ""},
		{"one video is a Reel", serentak.Content{Media: []serentak.MediaRef{vid("video/mp4")}}, shapeReel, ""},
		{"MOV Reel", serentak.Content{Media: []serentak.MediaRef{vid("video/quicktime")}}, shapeReel, ""},
		{"mixed carousel", serentak.Content{Media: []serentak.MediaRef{img("image/jpeg"), vid("video/mp4")}}, shapeCarousel, ""},
		{"ten items", serentak.Content{Media: many(10)}, shapeCarousel, ""},
		{"PNG", serentak.Content{Media: []serentak.MediaRef{img("image/png")}}, 0, "Instagram needs JPEG images; media[0] is image/png"},
		{"PNG in a carousel", serentak.Content{Media: []serentak.MediaRef{img("image/jpeg"), img("image/webp")}}, 0, "Instagram needs JPEG images; media[1] is image/webp"},
		{"WebM", serentak.Content{Media: []serentak.MediaRef{vid("video/webm")}}, 0, "MP4 or MOV"},
		{"no media", serentak.Content{Text: "hello"}, 0, "at least one photo or video"},
		{"eleven items", serentak.Content{Media: many(11)}, 0, "2 to 10"},
		{"odd kind", serentak.Content{Media: []serentak.MediaRef{{URL: "https://x/d", Kind: "document"}}}, 0, "cannot publish"},
		{"caption of 2200", serentak.Content{Text: strings.Repeat("é", 2200), Media: many(1)}, shapeImage, ""},
		{"caption of 2201", serentak.Content{Text: strings.Repeat("é", 2201), Media: many(1)}, 0, "2201 characters"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := shapeOf(tc.c)
			if tc.err == "" {
				if err != nil || got != tc.shape {
					t.Fatalf("shapeOf = %v, %v; want %v", got, err, tc.shape)
				}
				return
			}
			pe, ok := err.(*serentak.PublishError)
			if !ok || pe.Kind != serentak.Rejected || !strings.Contains(pe.Message, tc.err) {
				t.Fatalf("shapeOf error = %v, want rejected saying %q", err, tc.err)
			}
		})
	}
}
