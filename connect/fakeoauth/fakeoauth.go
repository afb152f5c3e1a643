// Package fakeoauth is a strict fake of the four platforms' logins
// (the "Connecting" section of each page under docs/platforms/) and of the
// API calls that
// connecting and checking an account make. It refuses what the real
// platforms refuse: a wrong client or secret, a redirect URI other than
// the registered one, a missing state, a code used twice or exchanged
// with another redirect URI, a revoked or expired token.
//
// TikTok's and Google's token endpoints are not faked here: they are
// faketiktok's and fakeyoutube's (Tokens), one fake of each, which also
// refuse a PKCE verifier that does not match its challenge (Google) and a
// rotated-out refresh token (TikTok). This package's authorize pages add
// their codes to those keepers.
//
// The authorize endpoint plays the user: it redirects back at once, with
// a code, or with error=access_denied when Deny is set.
//
// It imports no "testing": Start runs a fake for a command or an
// in-process stack (internal/fakestack, cmd/serentak-fake); New is Start
// for a test, closed when the test ends.
package fakeoauth

import (
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/serentak/serentak/adapters/tiktok/faketiktok"
	"github.com/serentak/serentak/adapters/youtube/fakeyoutube"
)

// Kind is which platform a Server plays.
type Kind string

const (
	Facebook       Kind = "facebook"  // Facebook Login + Graph API (also Instagram with Facebook Login)
	InstagramLogin Kind = "instagram" // Instagram Login + graph.instagram.com
	Google         Kind = "google"    // Google OAuth + YouTube Data API
	TikTok         Kind = "tiktok"    // TikTok Login Kit + open API
)

// Page is a Facebook Page the user manages.
type Page struct {
	ID, Name string
	// IG is the Instagram professional account linked to the Page.
	IG *IGAccount
}

// IGAccount is an Instagram professional account.
type IGAccount struct{ ID, Username string }

// Channel is a YouTube channel.
type Channel struct{ ID, Title string }

// Server is one platform's fake. Set the exported fields before the first
// request.
type Server struct {
	*httptest.Server
	Kind                   Kind
	ClientID, ClientSecret string
	// RedirectURI is the registered callback; authorize and exchange
	// refuse any other.
	RedirectURI string
	Version     string // Graph version (Facebook, Instagram): "v25.0"
	Now         func() time.Time
	AccessTTL   time.Duration
	RefreshTTL  time.Duration

	// Who logs in, and what they allow.
	Deny    bool
	Granted []string // nil: every scope asked for
	// Configs are Facebook Login for Business configurations by
	// config_id: the permissions each grants. A dialog with a config_id
	// takes no scope (docs/platforms/facebook.md#connecting).
	Configs  map[string][]string
	Pages    []Page // Facebook
	PageSize int    // Facebook /me/accounts page size; default 1, so paging is exercised
	IGUser   IGAccount
	Channels []Channel
	OpenID   string // TikTok
	Name     string // TikTok display name

	// Issued, when set, is told of every token the Facebook and Instagram
	// logins issue (their tokens are kept here, not by a platform fake),
	// so that a platform fake beside this one (fakegraph, fakeig) can
	// accept them. It is called without the fake's lock held.
	Issued func(Token)

	// The token keepers of TikTok and Google, whichever this fake plays;
	// keeper is the one in use (nil for Facebook and Instagram, whose
	// tokens are kept below).
	tiktok *faketiktok.Tokens
	google *fakeyoutube.Tokens
	keeper keeper

	mu     sync.Mutex
	codes  map[string]*grant
	access map[string]*grant
	calls  map[string]int
}

// keeper is what Revoke, AccessWorks and RefreshWorks need of a platform
// fake's token keeper (faketiktok.Tokens, fakeyoutube.Tokens).
type keeper interface {
	AccessWorks(tok string, at time.Time) bool
	RefreshWorks(tok string, at time.Time) bool
	RevokeAll()
}

// Token is a token the Facebook or Instagram login issued.
type Token struct {
	Value string
	// Kind is "short" or "long" (user tokens) or "page" (a Page token of
	// /me/accounts).
	Kind string
	// PageID is a Page token's Page.
	PageID string
	// IGUserID is the Instagram professional account the token publishes
	// to: Instagram Login's user, or the Page's linked account.
	IGUserID string
	Scopes   []string
}

// TB is what New and Authorize need of a test: testing.TB has it.
type TB interface {
	Helper()
	Cleanup(func())
	Fatalf(format string, args ...any)
}

// Options are what a fake shares with the platform fakes beside it.
type Options struct {
	// GoogleTokens and TikTokTokens are the token keepers of the
	// fakeyoutube and faketiktok servers the logins' tokens must work on
	// (fakeyoutube.WithTokens, faketiktok.WithTokens); nil: a keeper of
	// the fake's own.
	GoogleTokens *fakeyoutube.Tokens
	TikTokTokens *faketiktok.Tokens
}

// grant is what a code or token stands for.
type grant struct {
	scopes    []string
	redirect  string
	challenge string
	expires   time.Time // zero: never
	kind      string    // "code", "short", "long", "page"
	page      *Page
}

// New starts a fake of kind k, closed when the test ends.
func New(t TB, k Kind) *Server {
	t.Helper()
	s := Start(k, Options{})
	t.Cleanup(s.Close)
	return s
}

// Start starts a fake of kind k on a fresh port of 127.0.0.1. Close it
// when done.
func Start(k Kind, o Options) *Server {
	s := &Server{
		Kind: k, ClientID: "client-" + string(k), ClientSecret: "secret-" + string(k) + "-" + randHex(6),
		Version: "v25.0", Now: time.Now, AccessTTL: time.Hour, RefreshTTL: 180 * 24 * time.Hour, PageSize: 1,
		codes: map[string]*grant{}, access: map[string]*grant{}, calls: map[string]int{},
	}
	switch k {
	case TikTok:
		s.tiktok = o.TikTokTokens
		if s.tiktok == nil {
			s.tiktok = faketiktok.NewTokens()
		}
		s.keeper = s.tiktok
	case Google:
		s.google = o.GoogleTokens
		if s.google == nil {
			s.google = fakeyoutube.NewTokens()
		}
		s.keeper = s.google
	}
	s.Server = httptest.NewServer(http.HandlerFunc(s.serve))
	return s
}

func (s *Server) serve(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	s.calls[r.Method+" "+r.URL.Path]++
	s.mu.Unlock()
	switch s.Kind {
	case Facebook:
		s.serveFacebook(w, r)
	case InstagramLogin:
		s.serveInstagram(w, r)
	case Google:
		s.serveGoogle(w, r)
	case TikTok:
		s.serveTikTok(w, r)
	default:
		http.NotFound(w, r)
	}
}

// Calls reports how many requests reached "METHOD /path".
func (s *Server) Calls(route string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.calls[route]
}

// Authorize plays the browser: it opens the authorize URL, which must
// point at this server, and returns the query of the redirect back to
// RedirectURI. It fails the test when the fake refuses the request.
func (s *Server) Authorize(t TB, authorizeURL string) url.Values {
	t.Helper()
	if !strings.HasPrefix(authorizeURL, s.URL+"/") {
		t.Fatalf("authorize URL %q does not point at the fake %s", authorizeURL, s.URL)
	}
	c := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := c.Get(authorizeURL)
	if err != nil {
		t.Fatalf("open the authorize URL: %v", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusFound {
		b, _ := io.ReadAll(io.LimitReader(resp.Body, 4096))
		t.Fatalf("authorize answered %d, want 302: %s", resp.StatusCode, b)
	}
	loc, err := url.Parse(resp.Header.Get("Location"))
	if err != nil {
		t.Fatalf("authorize redirected to a bad URL: %v", err)
	}
	if got := loc.Scheme + "://" + loc.Host + loc.Path; got != s.RedirectURI {
		t.Fatalf("authorize redirected to %q, want the registered %q", got, s.RedirectURI)
	}
	return loc.Query()
}

// Revoke plays the user removing the app: every token stops working.
func (s *Server) Revoke() {
	if s.keeper != nil {
		s.keeper.RevokeAll()
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.access = map[string]*grant{}
}

// RefreshWorks reports whether rt would be accepted by a refresh now.
// Facebook's and Instagram's logins issue no refresh tokens.
func (s *Server) RefreshWorks(rt string) bool {
	return s.keeper != nil && s.keeper.RefreshWorks(rt, s.Now())
}

// AccessWorks reports whether an access token would be accepted now.
func (s *Server) AccessWorks(tok string) bool {
	if s.keeper != nil {
		return s.keeper.AccessWorks(tok, s.Now())
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.liveLocked(tok) != nil
}

// authorize is the common part of the four authorize pages: check the
// client, the redirect URI and the state, then redirect back with a code
// (made known to the token endpoint by keep) or with access_denied.
func (s *Server) authorize(w http.ResponseWriter, r *http.Request, clientParam, scopeSep string, pkce bool, keep func(code string, g *grant)) {
	q := r.URL.Query()
	switch {
	case r.Method != http.MethodGet:
		http.Error(w, "use GET", http.StatusMethodNotAllowed)
		return
	case q.Get(clientParam) != s.ClientID:
		http.Error(w, "unknown "+clientParam, http.StatusBadRequest)
		return
	case q.Get("redirect_uri") != s.RedirectURI:
		http.Error(w, "redirect_uri is not registered for this app", http.StatusBadRequest)
		return
	case q.Get("response_type") != "code":
		http.Error(w, "response_type must be code", http.StatusBadRequest)
		return
	case q.Get("state") == "":
		http.Error(w, "state is required", http.StatusBadRequest)
		return
	case q.Has("config_id") && (s.Configs[q.Get("config_id")] == nil || q.Has("scope")):
		http.Error(w, "config_id must name a Facebook Login for Business configuration of this app, without scope", http.StatusBadRequest)
		return
	case q.Get("scope") == "" && !q.Has("config_id"):
		http.Error(w, "scope is required", http.StatusBadRequest)
		return
	}
	if scopeSep == "," && strings.Contains(q.Get("scope"), " ") {
		http.Error(w, "scopes must be comma-separated", http.StatusBadRequest)
		return
	}
	g := &grant{kind: "code", redirect: q.Get("redirect_uri"), expires: s.Now().Add(10 * time.Minute)}
	if pkce {
		if q.Get("code_challenge_method") != "S256" || len(q.Get("code_challenge")) != 43 {
			http.Error(w, "code_challenge with code_challenge_method=S256 is required", http.StatusBadRequest)
			return
		}
		g.challenge = q.Get("code_challenge")
	}
	back := url.Values{"state": {q.Get("state")}}
	if s.Deny {
		back.Set("error", "access_denied")
		back.Set("error_reason", "user_denied")
		back.Set("error_description", "The user denied your request.")
	} else {
		g.scopes = s.Granted
		if g.scopes == nil {
			g.scopes = splitAny(q.Get("scope"))
		}
		if c, ok := s.Configs[q.Get("config_id")]; ok {
			// A configuration's permissions are granted all or none.
			g.scopes = c
		}
		code := "code-" + randHex(12)
		keep(code, g)
		back.Set("code", code)
	}
	http.Redirect(w, r, s.RedirectURI+"?"+back.Encode(), http.StatusFound)
}

// keepCode makes code exchangeable at this package's own token endpoints
// (Facebook, Instagram).
func (s *Server) keepCode(code string, g *grant) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.codes[code] = g
}

// takeCode spends a code: single use, unexpired, same redirect URI.
func (s *Server) takeCode(code, redirect string) *grant {
	s.mu.Lock()
	defer s.mu.Unlock()
	g := s.codes[code]
	delete(s.codes, code)
	if g == nil || s.Now().After(g.expires) || g.redirect != redirect {
		return nil
	}
	return g
}

// issue makes a token of kind for g, and tells Issued.
func (s *Server) issue(kind string, g *grant, ttl time.Duration) string {
	s.mu.Lock()
	tok := kind + "-" + randHex(12)
	ng := *g
	ng.kind = kind
	ng.expires = time.Time{}
	if ttl > 0 {
		ng.expires = s.Now().Add(ttl)
	}
	s.access[tok] = &ng
	s.mu.Unlock()
	if s.Issued != nil {
		t := Token{Value: tok, Kind: kind, Scopes: append([]string(nil), g.scopes...)}
		switch {
		case g.page != nil:
			t.PageID = g.page.ID
			if g.page.IG != nil {
				t.IGUserID = g.page.IG.ID
			}
		case s.Kind == InstagramLogin:
			t.IGUserID = s.IGUser.ID
		}
		s.Issued(t)
	}
	return tok
}

// liveLocked returns the live access grant of tok; s.mu held.
func (s *Server) liveLocked(tok string) *grant {
	g := s.access[tok]
	if g == nil || (!g.expires.IsZero() && !s.Now().Before(g.expires)) {
		return nil
	}
	return g
}

// bearer returns the live grant of the request's token (Facebook,
// Instagram).
func (s *Server) bearer(r *http.Request) *grant {
	tok := tokenOf(r)
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.liveLocked(tok)
}

// tokenOf returns the request's access token: the Authorization header
// (Bearer or OAuth) or the access_token parameter.
func tokenOf(r *http.Request) string {
	tok := r.URL.Query().Get("access_token")
	if h := r.Header.Get("Authorization"); h != "" {
		scheme, v, _ := strings.Cut(h, " ")
		if strings.EqualFold(scheme, "Bearer") || strings.EqualFold(scheme, "OAuth") {
			tok = v
		}
	}
	return tok
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=UTF-8")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

func randHex(n int) string {
	b := make([]byte, n)
	rand.Read(b) // cannot fail (Go 1.24 and later)
	return hex.EncodeToString(b)
}

func splitAny(s string) []string {
	return strings.FieldsFunc(s, func(r rune) bool { return r == ',' || r == ' ' })
}
