package webhook_test

import (
	"encoding/base64"
	"errors"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/serentak/serentak/webhook"
	"github.com/serentak/serentak/webhook/webhooktest"
)

// The specification's published test vector: from the Standard Webhooks
// reference library's tests, libraries/go/webhook_symmetric_test.go
// (TestSymmetricWebhookSign) at commit
// 3ac24afe352b5989ddf44d4b4cd4f08bdfa2c2e4 of
// github.com/standard-webhooks/standard-webhooks.
const (
	vectorSecret    = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
	vectorID        = "msg_p5jXN8AQM9LWM0D4loKWxJek"
	vectorTimestamp = 1614265330
	vectorBody      = `{"test": 2432232314}`
	vectorSignature = "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="
)

func vectorHeader(sig string) http.Header {
	h := http.Header{}
	h.Set(webhook.HeaderID, vectorID)
	h.Set(webhook.HeaderTimestamp, strconv.Itoa(vectorTimestamp))
	h.Set(webhook.HeaderSignature, sig)
	return h
}

func TestSignMatchesTheSpecificationVector(t *testing.T) {
	got, err := webhook.Sign(vectorSecret, vectorID, time.Unix(vectorTimestamp, 0), []byte(vectorBody))
	if err != nil {
		t.Fatal(err)
	}
	if got != vectorSignature {
		t.Errorf("Sign = %s, want the specification's %s", got, vectorSignature)
	}
	at := time.Unix(vectorTimestamp, 0)
	if err := webhook.Verify(vectorSecret, vectorHeader(vectorSignature), []byte(vectorBody), at); err != nil {
		t.Errorf("Verify refused the specification's vector: %v", err)
	}
	if err := webhooktest.VerifyIndependently(vectorSecret, vectorHeader(vectorSignature), []byte(vectorBody), at); err != nil {
		t.Errorf("the independent verifier refused the specification's vector: %v", err)
	}
}

func TestVerify(t *testing.T) {
	at := time.Unix(vectorTimestamp, 0)
	other := webhook.NewSecret()
	for _, tc := range []struct {
		name   string
		secret string
		header http.Header
		body   string
		now    time.Time
		ok     bool
	}{
		{"valid", vectorSecret, vectorHeader(vectorSignature), vectorBody, at, true},
		{"one of several signatures", vectorSecret, vectorHeader("v1,Ceo5qEr07ixe2NLpvHk3FH9bwy/WavXrAFQ/9tdO6mc= v1a,xyz " + vectorSignature), vectorBody, at, true},
		{"body changed", vectorSecret, vectorHeader(vectorSignature), `{"test": 2432232315}`, at, false},
		{"another secret", other, vectorHeader(vectorSignature), vectorBody, at, false},
		{"too old", vectorSecret, vectorHeader(vectorSignature), vectorBody, at.Add(webhook.Tolerance + time.Second), false},
		{"from the future", vectorSecret, vectorHeader(vectorSignature), vectorBody, at.Add(-webhook.Tolerance - time.Second), false},
		{"empty signature", vectorSecret, vectorHeader("v1,"), vectorBody, at, false},
		{"no signature", vectorSecret, vectorHeader(""), vectorBody, at, false},
		{"signature of another scheme", vectorSecret, vectorHeader(strings.Replace(vectorSignature, "v1,", "v2,", 1)), vectorBody, at, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := webhook.Verify(tc.secret, tc.header, []byte(tc.body), tc.now)
			if tc.ok && err != nil {
				t.Errorf("Verify: %v, want nil", err)
			}
			if !tc.ok && !errors.Is(err, webhook.ErrInvalidSignature) {
				t.Errorf("Verify: %v, want ErrInvalidSignature", err)
			}
		})
	}
}

func TestNewSecret(t *testing.T) {
	a, b := webhook.NewSecret(), webhook.NewSecret()
	if a == b {
		t.Fatal("two secrets are equal")
	}
	raw, ok := strings.CutPrefix(a, "whsec_")
	if !ok {
		t.Fatalf("secret %q lacks the whsec_ prefix", a[:6])
	}
	key, err := base64.StdEncoding.DecodeString(raw)
	if err != nil || len(key) != 32 {
		t.Fatalf("secret decodes to %d bytes (%v), want 32", len(key), err)
	}
	// A signature made with it verifies independently.
	now := time.Now()
	sig, err := webhook.Sign(a, "msg_1", now, []byte("{}"))
	if err != nil {
		t.Fatal(err)
	}
	h := http.Header{}
	h.Set("webhook-id", "msg_1")
	h.Set("webhook-timestamp", strconv.FormatInt(now.Unix(), 10))
	h.Set("webhook-signature", sig)
	if err := webhooktest.VerifyIndependently(a, h, []byte("{}"), now); err != nil {
		t.Errorf("independent verify: %v", err)
	}
}
