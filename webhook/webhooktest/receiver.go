package webhooktest

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// VerifyIndependently checks a webhook from the text of the Standard
// Webhooks specification alone, without calling package webhook, so a
// test does not check the signer with itself: the signed content is
// "{webhook-id}.{webhook-timestamp}.{body}", the key is the base64
// decoding of the secret's part after "whsec_", the signature is the
// base64 of its HMAC-SHA256, and webhook-signature holds space-separated
// "v1,<signature>" entries of which one must match. The timestamp must be
// within five minutes of now.
func VerifyIndependently(secret string, h http.Header, body []byte, now time.Time) error {
	key, err := base64.StdEncoding.DecodeString(strings.TrimPrefix(secret, "whsec_"))
	if err != nil {
		return fmt.Errorf("secret: %v", err)
	}
	id, ts := h.Get("Webhook-Id"), h.Get("Webhook-Timestamp")
	sec, err := strconv.ParseInt(ts, 10, 64)
	if id == "" || err != nil {
		return fmt.Errorf("missing id or bad timestamp %q", ts)
	}
	if d := now.Unix() - sec; d > 300 || d < -300 {
		return fmt.Errorf("timestamp %d is %d s from now", sec, d)
	}
	m := hmac.New(sha256.New, key)
	fmt.Fprintf(m, "%s.%s.%s", id, ts, body)
	want := "v1," + base64.StdEncoding.EncodeToString(m.Sum(nil))
	entries := strings.Split(h.Get("Webhook-Signature"), " ")
	for _, s := range entries {
		if hmac.Equal([]byte(s), []byte(want)) {
			return nil
		}
	}
	return fmt.Errorf("no signature matches among %d", len(entries))
}

// Received is one request a Receiver got.
type Received struct {
	Header http.Header
	Body   []byte
	// Verified is VerifyIndependently's verdict with the receiver's
	// secret, and VerifiedOld with its OldSecret (nil when none is set).
	Verified, VerifiedOld error
}

// Receiver is a real HTTP server on 127.0.0.1 that checks every request
// it gets with VerifyIndependently and answers as told.
type Receiver struct {
	srv *httptest.Server
	now func() time.Time

	mu        sync.Mutex
	secret    string
	oldSecret string
	reqs      []Received
	answer    func(n int, w http.ResponseWriter, r *http.Request)
}

// NewReceiver starts a receiver verifying with secret at the times now
// reads; it stops when the test ends.
func NewReceiver(t testing.TB, secret string, now func() time.Time) *Receiver {
	t.Helper()
	rc := &Receiver{secret: secret, now: now}
	rc.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		rc.mu.Lock()
		got := Received{Header: r.Header.Clone(), Body: body, Verified: VerifyIndependently(rc.secret, r.Header, body, rc.now())}
		if rc.oldSecret != "" {
			got.VerifiedOld = VerifyIndependently(rc.oldSecret, r.Header, body, rc.now())
		}
		n := len(rc.reqs)
		rc.reqs = append(rc.reqs, got)
		answer := rc.answer
		rc.mu.Unlock()
		if answer == nil {
			w.WriteHeader(http.StatusNoContent)
			return
		}
		answer(n, w, r)
	}))
	t.Cleanup(rc.srv.Close)
	return rc
}

// URL is the receiver's base URL (http://127.0.0.1:port).
func (rc *Receiver) URL() string { return rc.srv.URL }

// Port is the port the receiver listens on.
func (rc *Receiver) Port() string {
	_, port, _ := strings.Cut(strings.TrimPrefix(rc.srv.URL, "http://"), ":")
	return port
}

// SetSecrets sets the secrets requests are verified with.
func (rc *Receiver) SetSecrets(secret, old string) {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	rc.secret, rc.oldSecret = secret, old
}

// SetAnswer sets how the n-th (from 0) request is answered; 204 when nil.
func (rc *Receiver) SetAnswer(f func(n int, w http.ResponseWriter, r *http.Request)) {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	rc.answer = f
}

// Requests returns the requests received so far, oldest first.
func (rc *Receiver) Requests() []Received {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	return append([]Received(nil), rc.reqs...)
}
