package fakeplatform

import (
	"mime"
	"net/http"
	"net/url"
	"sync"
	"time"
)

// ReadTokenForm reads the body of a request to an OAuth token endpoint:
// a POST with an application/x-www-form-urlencoded body, as RFC 6749
// §4.1.3 and §6 send it and every platform's page repeats. When the
// request is not one, it returns the HTTP status to answer (405 or 400)
// and what was wrong; each platform words the answer in its own error
// shape.
func ReadTokenForm(r *http.Request) (f url.Values, status int, problem string) {
	if r.Method != http.MethodPost {
		return nil, http.StatusMethodNotAllowed, "the token endpoint takes POST, not " + r.Method
	}
	if mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type")); mt != "application/x-www-form-urlencoded" {
		return nil, http.StatusBadRequest, "the body must be application/x-www-form-urlencoded"
	}
	if err := r.ParseForm(); err != nil {
		return nil, http.StatusBadRequest, "the form could not be read: " + err.Error()
	}
	return r.PostForm, 0, ""
}

// Grants keeps what a fake login's authorization codes, access tokens and
// refresh tokens stand for: C is what a code carries (the grant, and what
// the exchange must match), G the grant a token carries (the user and
// scopes, as the platform records them). It only stores; the platform's
// token endpoint holds the platform's rules (faketiktok.Tokens,
// fakeyoutube.Tokens). Every entry has an expiry; zero means never. Safe
// for concurrent use; the zero value is not: use NewGrants.
type Grants[C, G any] struct {
	mu      sync.Mutex
	codes   map[string]expiring[C]
	access  map[string]expiring[G]
	refresh map[string]expiring[G]
}

type expiring[T any] struct {
	v       T
	expires time.Time
}

func (e expiring[T]) liveAt(at time.Time) bool { return e.expires.IsZero() || at.Before(e.expires) }

// NewGrants returns an empty keeper.
func NewGrants[C, G any]() *Grants[C, G] {
	return &Grants[C, G]{codes: map[string]expiring[C]{}, access: map[string]expiring[G]{}, refresh: map[string]expiring[G]{}}
}

// AddCode makes code exchangeable, once, until expires.
func (k *Grants[C, G]) AddCode(code string, c C, expires time.Time) {
	k.mu.Lock()
	defer k.mu.Unlock()
	k.codes[code] = expiring[C]{c, expires}
}

// SpendCode takes a code out, so it cannot be used again whatever the
// exchange answers, and returns what it carries when it was live at at.
func (k *Grants[C, G]) SpendCode(code string, at time.Time) (C, bool) {
	k.mu.Lock()
	defer k.mu.Unlock()
	e, ok := k.codes[code]
	delete(k.codes, code)
	if !ok || !e.liveAt(at) {
		var zero C
		return zero, false
	}
	return e.v, true
}

// AddAccess makes tok an access token for g until expires.
func (k *Grants[C, G]) AddAccess(tok string, g G, expires time.Time) {
	k.mu.Lock()
	defer k.mu.Unlock()
	k.access[tok] = expiring[G]{g, expires}
}

// Access returns the grant of tok when it is a live access token at at.
func (k *Grants[C, G]) Access(tok string, at time.Time) (G, bool) {
	return k.live(k.access, tok, at)
}

// AccessWorks reports whether tok is a live access token at at.
func (k *Grants[C, G]) AccessWorks(tok string, at time.Time) bool {
	_, ok := k.Access(tok, at)
	return ok
}

// EndAccess makes an access token unknown.
func (k *Grants[C, G]) EndAccess(tok string) {
	k.mu.Lock()
	defer k.mu.Unlock()
	delete(k.access, tok)
}

// EndAccessWhere makes unknown every access token whose grant matches.
func (k *Grants[C, G]) EndAccessWhere(match func(G) bool) {
	k.mu.Lock()
	defer k.mu.Unlock()
	for tok, e := range k.access {
		if match(e.v) {
			delete(k.access, tok)
		}
	}
}

// AddRefresh makes tok a refresh token for g until expires.
func (k *Grants[C, G]) AddRefresh(tok string, g G, expires time.Time) {
	k.mu.Lock()
	defer k.mu.Unlock()
	k.refresh[tok] = expiring[G]{g, expires}
}

// Refresh returns the grant of tok when it is a live refresh token at at.
func (k *Grants[C, G]) Refresh(tok string, at time.Time) (G, bool) {
	return k.live(k.refresh, tok, at)
}

// RefreshWorks reports whether tok is a live refresh token at at.
func (k *Grants[C, G]) RefreshWorks(tok string, at time.Time) bool {
	_, ok := k.Refresh(tok, at)
	return ok
}

// TakeRefresh takes a live refresh token out, in one step with the check,
// so that of two requests racing with one token only one gets its grant:
// how a platform whose refresh tokens rotate spends one.
func (k *Grants[C, G]) TakeRefresh(tok string, at time.Time) (G, bool) {
	k.mu.Lock()
	defer k.mu.Unlock()
	e, ok := k.refresh[tok]
	if !ok || !e.liveAt(at) {
		var zero G
		return zero, false
	}
	delete(k.refresh, tok)
	return e.v, true
}

// EndRefresh makes a refresh token unknown, and returns its grant.
func (k *Grants[C, G]) EndRefresh(tok string) (G, bool) {
	k.mu.Lock()
	defer k.mu.Unlock()
	e, ok := k.refresh[tok]
	delete(k.refresh, tok)
	return e.v, ok
}

// RevokeAll plays the user removing the app: every access token and
// refresh token stops working.
func (k *Grants[C, G]) RevokeAll() {
	k.mu.Lock()
	defer k.mu.Unlock()
	clear(k.access)
	clear(k.refresh)
}

func (k *Grants[C, G]) live(m map[string]expiring[G], tok string, at time.Time) (G, bool) {
	k.mu.Lock()
	defer k.mu.Unlock()
	e, ok := m[tok]
	if !ok || !e.liveAt(at) {
		var zero G
		return zero, false
	}
	return e.v, true
}
