package media

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// Signer makes and checks expiring public links to uploaded media, for
// platforms that pull media from a URL (Instagram, TikTok's PULL_FROM_URL).
// The link carries the media ID, an expiry and an HMAC over both, so the
// server needs no lookup to refuse a forged or stale link.
type Signer struct {
	Secret []byte
	// BaseURL is this server's public base (SERENTAK_PUBLIC_URL).
	BaseURL string
	// TTL is how long a link works; 0 means 24 h (a platform may fetch a
	// video well after the publish call).
	TTL time.Duration
}

// URL returns {BaseURL}/public/media/{id}?exp=…&sig=….
func (s *Signer) URL(mediaID string, now time.Time) string {
	ttl := s.TTL
	if ttl <= 0 {
		ttl = 24 * time.Hour
	}
	exp := strconv.FormatInt(now.Add(ttl).Unix(), 10)
	q := url.Values{"exp": {exp}, "sig": {s.sign(mediaID, exp)}}
	return strings.TrimSuffix(s.BaseURL, "/") + "/public/media/" + url.PathEscape(mediaID) + "?" + q.Encode()
}

// Verify reports whether sig signs id and exp and exp has not passed.
func (s *Signer) Verify(id, exp, sig string, now time.Time) bool {
	if len(s.Secret) == 0 {
		return false
	}
	e, err := strconv.ParseInt(exp, 10, 64)
	if err != nil || now.Unix() > e {
		return false
	}
	return hmac.Equal([]byte(sig), []byte(s.sign(id, exp)))
}

func (s *Signer) sign(id, exp string) string {
	m := hmac.New(sha256.New, s.Secret)
	m.Write([]byte(id))
	m.Write([]byte{'\n'})
	m.Write([]byte(exp))
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil))
}
