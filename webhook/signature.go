package webhook

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/serentak/serentak"
)

// The headers of Standard Webhooks (standardwebhooks.com).
const (
	HeaderID        = "webhook-id"
	HeaderTimestamp = "webhook-timestamp"
	HeaderSignature = "webhook-signature"
)

// SecretPrefix starts every signing secret.
const SecretPrefix = "whsec_"

// Tolerance is how far a webhook-timestamp may be from the receiver's
// clock for Verify to accept it: the specification's recommendation,
// which bounds how long a captured request can be replayed.
const Tolerance = 5 * time.Minute

// NewSecret returns a new signing secret: "whsec_" and the base64 of 32
// random bytes.
func NewSecret() string {
	var b [32]byte
	rand.Read(b[:]) // cannot fail (Go 1.24 and later)
	return SecretPrefix + base64.StdEncoding.EncodeToString(b[:])
}

// secretKey decodes the HMAC key of a secret: the base64 after "whsec_".
func secretKey(secret string) ([]byte, error) {
	raw, ok := strings.CutPrefix(secret, SecretPrefix)
	if !ok {
		return nil, errors.New("webhook: a signing secret must start with " + SecretPrefix)
	}
	key, err := base64.StdEncoding.DecodeString(raw)
	if err != nil || len(key) == 0 {
		return nil, errors.New("webhook: a signing secret must be " + SecretPrefix + " followed by base64")
	}
	return key, nil
}

// Sign returns the signature "v1,<base64 HMAC-SHA256>" of id, timestamp
// and body ("id.timestamp.body") with secret.
func Sign(secret, id string, timestamp time.Time, body []byte) (string, error) {
	key, err := secretKey(secret)
	if err != nil {
		return "", err
	}
	return "v1," + base64.StdEncoding.EncodeToString(mac(key, id, timestamp.Unix(), body)), nil
}

func mac(key []byte, id string, unix int64, body []byte) []byte {
	h := hmac.New(sha256.New, key)
	h.Write([]byte(id + "." + strconv.FormatInt(unix, 10) + "."))
	h.Write(body)
	return h.Sum(nil)
}

// signatures returns the webhook-signature header of a message to e at
// now: signed with the current secret, and, during a rotation's overlap,
// with the previous one too (space-separated), so a receiver that still
// holds the old secret verifies it.
func signatures(e serentak.WebhookEndpoint, now time.Time, id string, timestamp time.Time, body []byte) (string, error) {
	sig, err := Sign(e.Secret, id, timestamp, body)
	if err != nil {
		return "", err
	}
	if e.PreviousSecret != "" && now.Before(e.PreviousUntil) {
		old, err := Sign(e.PreviousSecret, id, timestamp, body)
		if err != nil {
			return "", err
		}
		sig += " " + old
	}
	return sig, nil
}

// ErrInvalidSignature: the request was not signed with the secret, or its
// timestamp is outside Tolerance. A receiver answers it with 400 or 401 and
// does not act on the body.
var ErrInvalidSignature = errors.New("webhook: no valid signature")

// Verify checks a received webhook the way a receiver must: the headers
// are present, the timestamp is within Tolerance of now, and one of the
// space-separated v1 signatures is the HMAC of "id.timestamp.body" with
// secret (compared in constant time). body is the raw request body, before
// any JSON decoding.
func Verify(secret string, h http.Header, body []byte, now time.Time) error {
	key, err := secretKey(secret)
	if err != nil {
		return err
	}
	id, ts, sigs := h.Get(HeaderID), h.Get(HeaderTimestamp), h.Get(HeaderSignature)
	if id == "" || ts == "" || sigs == "" {
		return fmt.Errorf("%w: the %s, %s and %s headers are required", ErrInvalidSignature, HeaderID, HeaderTimestamp, HeaderSignature)
	}
	unix, err := strconv.ParseInt(ts, 10, 64)
	if err != nil {
		return fmt.Errorf("%w: %s is not Unix seconds", ErrInvalidSignature, HeaderTimestamp)
	}
	if d := now.Sub(time.Unix(unix, 0)); d > Tolerance || d < -Tolerance {
		return fmt.Errorf("%w: the timestamp is %v away from now (at most %v)", ErrInvalidSignature, d.Round(time.Second), Tolerance)
	}
	want := mac(key, id, unix, body)
	for _, s := range strings.Fields(sigs) {
		v, sig, ok := strings.Cut(s, ",")
		if !ok || v != "v1" {
			continue // another scheme (v1a: asymmetric) is not ours
		}
		got, err := base64.StdEncoding.DecodeString(sig)
		if err == nil && hmac.Equal(got, want) {
			return nil
		}
	}
	return ErrInvalidSignature
}
