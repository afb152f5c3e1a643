// Package fakestack runs the strict fakes of all four platforms and of
// their logins behind one address, wired to each other so that Serentak's
// real OAuth connect flow and its publishers work against them end to end:
// a token a fake login issues is a token the platform's fake API accepts.
// cmd/serentak-fake serves it to people; tests (the web app's browser
// tests among them) start it in-process and give Env to the app.
//
// It writes no fake of its own. It routes, by path, to
//
//	/…            Facebook: fakegraph (Pages), and fakeoauth's Facebook Login
//	              (/vNN.N/dialog/oauth, /vNN.N/oauth/access_token, /vNN.N/me…)
//	/instagram/…  fakeig (content publishing), and fakeoauth's Instagram Login
//	/youtube/…    fakeyoutube (Data API, resumable upload), and fakeoauth's Google OAuth
//	/tiktok/…     faketiktok (Content Posting API), and fakeoauth's TikTok Login Kit
//
// Facebook is at the root so that the address alone is still the Graph API
// of the README's tour, whose demo Page is attached by token. Each login
// plays the user: it redirects back at once, as the demo identity below.
// It imports no "testing".
package fakestack

import (
	"net"
	"net/http"
	"strings"
	"time"

	"github.com/serentak/serentak/adapters/facebook/fakegraph"
	"github.com/serentak/serentak/adapters/instagram/fakeig"
	"github.com/serentak/serentak/adapters/tiktok/faketiktok"
	"github.com/serentak/serentak/adapters/youtube/fakeyoutube"
	"github.com/serentak/serentak/connect/fakeoauth"
)

// The demo identities: one small Indonesian food business on every
// platform. The Page's ID and token are the README tour's.
const (
	PageID         = "1029384756"
	PageToken      = "EAAB-demo-page-token" // attach by token (the tour); a login gets tokens of its own
	PageName       = "Dapur Bu Sari"
	IGUserID       = "17841400000000001"
	IGUsername     = "dapurbusari"
	ChannelID      = "UCdapurbusari0000000001"
	ChannelTitle   = "Dapur Bu Sari"
	TikTokOpenID   = "open-dapurbusari"
	TikTokUsername = "dapurbusari"
	TikTokNickname = "Dapur Bu Sari"
)

// GraphVersion is the Graph API version the Facebook and Instagram fakes
// serve: serve's default (SERENTAK_FACEBOOK_API_VERSION).
const GraphVersion = "v25.0"

// DefaultPublicURL is serve's default SERENTAK_PUBLIC_URL.
const DefaultPublicURL = "http://localhost:8080"

// Config configures a Stack.
type Config struct {
	// Listener is where the stack answers; nil: a fresh port of
	// 127.0.0.1. Close closes it.
	Listener net.Listener
	// PublicURL is Serentak's SERENTAK_PUBLIC_URL. The logins redirect to
	// {PublicURL}/v1/oauth/{platform}/callback and refuse any other
	// redirect URI, as the real ones refuse an unregistered one.
	// DefaultPublicURL when empty.
	PublicURL string
}

// Stack is the running fakes. Its fields are the fakes themselves, for a
// test to look into (posts made, calls, faults).
type Stack struct {
	// URL is the stack's address, http://host:port.
	URL       string
	PublicURL string

	Graph     *fakegraph.Server
	Instagram *fakeig.Server
	YouTube   *fakeyoutube.Server
	TikTok    *faketiktok.Server

	FacebookLogin, InstagramLogin, GoogleLogin, TikTokLogin *fakeoauth.Server

	srv    *http.Server
	closed chan struct{}
	routes []route
}

// route sends the paths under prefix to the login when login(path) says
// so, else to the platform's API.
type route struct {
	prefix     string // "" for Facebook, at the root
	login, api http.Handler
	isLogin    func(path string) bool
}

// Start starts every fake and the stack's front. Close it when done.
func Start(cfg Config) (*Stack, error) {
	ln := cfg.Listener
	if ln == nil {
		var err error
		if ln, err = net.Listen("tcp", "127.0.0.1:0"); err != nil {
			return nil, err
		}
	}
	s := &Stack{URL: "http://" + ln.Addr().String(), PublicURL: strings.TrimRight(cfg.PublicURL, "/"), closed: make(chan struct{})}
	if s.PublicURL == "" {
		s.PublicURL = DefaultPublicURL
	}
	callback := func(platform string) string { return s.PublicURL + "/v1/oauth/" + platform + "/callback" }
	login := func(k fakeoauth.Kind, platform string, o fakeoauth.Options) *fakeoauth.Server {
		l := fakeoauth.Start(k, o)
		c := clients[platform]
		l.ClientID, l.ClientSecret, l.RedirectURI = c.id, c.secret, callback(platform)
		l.Version = GraphVersion
		l.PageSize = 100 // one answer: its paging link would name the login's own port
		return l
	}

	s.Graph = fakegraph.New()
	s.Graph.AddPage(PageID, PageToken)
	s.FacebookLogin = login(fakeoauth.Facebook, "facebook", fakeoauth.Options{})
	s.FacebookLogin.Pages = []fakeoauth.Page{{ID: PageID, Name: PageName}}
	s.FacebookLogin.Issued = func(t fakeoauth.Token) {
		if t.Kind == "page" {
			s.Graph.AddPage(t.PageID, t.Value)
		}
	}

	s.Instagram = fakeig.New(fakeig.WithHost(fakeig.LoginInstagram))
	s.InstagramLogin = login(fakeoauth.InstagramLogin, "instagram", fakeoauth.Options{})
	s.InstagramLogin.IGUser = fakeoauth.IGAccount{ID: IGUserID, Username: IGUsername}
	s.InstagramLogin.Issued = func(t fakeoauth.Token) {
		// Content publishing takes the long-lived token (the connector
		// trades the short one for it at once).
		if t.Kind == "long" {
			s.Instagram.AddToken(t.IGUserID, t.Value, fakeig.LoginInstagram, t.Scopes...)
		}
	}

	googleTokens := fakeyoutube.NewTokens()
	// The platform fakes know the logins' apps too: revoking a token
	// (deleting a workspace) sends the app's credentials there.
	yc, tc := clients["youtube"], clients["tiktok"]
	s.YouTube = fakeyoutube.New(fakeyoutube.WithTokens(googleTokens), fakeyoutube.WithClient(yc.id, yc.secret))
	s.GoogleLogin = login(fakeoauth.Google, "youtube", fakeoauth.Options{GoogleTokens: googleTokens})
	s.GoogleLogin.Channels = []fakeoauth.Channel{{ID: ChannelID, Title: ChannelTitle}}

	tiktokTokens := faketiktok.NewTokens()
	s.TikTok = faketiktok.New(faketiktok.WithTokens(tiktokTokens), faketiktok.WithClient(tc.id, tc.secret))
	// creator_info answers with the account's privacy options (public
	// account: PUBLIC_TO_EVERYONE, MUTUAL_FOLLOW_FRIENDS, SELF_ONLY),
	// comments, duets and stitches allowed, and 600 s at most.
	s.TikTok.AddUser(faketiktok.User{OpenID: TikTokOpenID, Username: TikTokUsername, Nickname: TikTokNickname})
	s.TikTokLogin = login(fakeoauth.TikTok, "tiktok", fakeoauth.Options{TikTokTokens: tiktokTokens})
	s.TikTokLogin.OpenID, s.TikTokLogin.Name = TikTokOpenID, TikTokNickname

	s.routes = []route{
		{"/instagram", s.InstagramLogin.Config.Handler, s.Instagram.Config.Handler, func(p string) bool {
			switch p {
			case "/oauth/authorize", "/oauth/access_token", "/access_token", "/refresh_access_token", "/" + GraphVersion + "/me":
				return true
			}
			return false
		}},
		{"/youtube", s.GoogleLogin.Config.Handler, s.YouTube.Config.Handler, func(p string) bool {
			return p == "/o/oauth2/v2/auth" || p == "/token" || p == "/youtube/v3/channels"
		}},
		{"/tiktok", s.TikTokLogin.Config.Handler, s.TikTok.Config.Handler, func(p string) bool {
			return p == "/v2/auth/authorize/" || p == faketiktok.PathToken || p == "/v2/user/info/"
		}},
		{"", s.FacebookLogin.Config.Handler, s.Graph.Config.Handler, func(p string) bool {
			v := "/" + GraphVersion
			return p == v+"/dialog/oauth" || p == v+"/oauth/access_token" || p == v+"/me" || strings.HasPrefix(p, v+"/me/")
		}},
	}
	s.srv = &http.Server{Handler: http.HandlerFunc(s.serve), ReadHeaderTimeout: 10 * time.Second}
	go func() {
		defer close(s.closed)
		s.srv.Serve(ln) // returns when Close closes it
	}()
	return s, nil
}

// serve sends a request to the fake its path names.
func (s *Stack) serve(w http.ResponseWriter, r *http.Request) {
	for _, rt := range s.routes {
		rest, ok := strings.CutPrefix(r.URL.Path, rt.prefix)
		if !ok || (rt.prefix != "" && rest != "" && rest[0] != '/') {
			continue
		}
		h := rt.api
		if rt.isLogin(rest) {
			h = rt.login
		}
		if rt.prefix != "" {
			h = http.StripPrefix(rt.prefix, h)
		}
		h.ServeHTTP(w, r)
		return
	}
}

// clients are the OAuth apps the logins know: fixed, so that the printed
// settings stay the same from one start to the next. They are a fake's,
// worthless anywhere else.
var clients = map[string]struct{ id, secret string }{
	"facebook":  {"fake-facebook-app", "fake-facebook-secret"},
	"instagram": {"fake-instagram-app", "fake-instagram-secret"},
	"youtube":   {"fake-google-client.apps.googleusercontent.com", "fake-google-secret"},
	"tiktok":    {"fakettclientkey", "fake-tiktok-secret"},
}

// Env is the configuration `serentak serve` needs to publish to, and
// connect accounts through, the stack (EnvFor).
func (s *Stack) Env() map[string]string { return EnvFor(s.URL, s.PublicURL) }

// EnvFor is the configuration of serve for a stack at stackURL and a
// Serentak at publicURL, without starting one: every platform's API URL,
// its OAuth app and login URLs, SERENTAK_PUBLIC_URL (the logins' redirect
// URIs are under it) and SERENTAK_MEDIA_ALLOW_PRIVATE (the fakes, and the
// media they serve, are on this machine).
func EnvFor(stackURL, publicURL string) map[string]string {
	if publicURL == "" {
		publicURL = DefaultPublicURL
	}
	env := map[string]string{
		"SERENTAK_PUBLIC_URL":          strings.TrimRight(publicURL, "/"),
		"SERENTAK_MEDIA_ALLOW_PRIVATE": "true",
	}
	set := func(p, api, auth, token string) {
		c := clients[strings.ToLower(p)]
		env["SERENTAK_"+p+"_API_URL"] = api
		env["SERENTAK_"+p+"_CLIENT_ID"] = c.id
		env["SERENTAK_"+p+"_CLIENT_SECRET"] = c.secret
		env["SERENTAK_"+p+"_AUTH_URL"] = auth
		env["SERENTAK_"+p+"_TOKEN_URL"] = token
	}
	u := strings.TrimRight(stackURL, "/")
	v := "/" + GraphVersion
	set("FACEBOOK", u, u+v+"/dialog/oauth", u+v+"/oauth/access_token")
	ig := u + "/instagram"
	set("INSTAGRAM", ig, ig+"/oauth/authorize", ig+"/oauth/access_token")
	yt := u + "/youtube"
	set("YOUTUBE", yt, yt+"/o/oauth2/v2/auth", yt+"/token")
	tt := u + "/tiktok"
	set("TIKTOK", tt, tt+"/v2/auth/authorize/", tt+faketiktok.PathToken)
	return env
}

// Close stops the front and every fake.
func (s *Stack) Close() error {
	err := s.srv.Close()
	<-s.closed
	for _, c := range []interface{ Close() }{s.Graph, s.Instagram, s.YouTube, s.TikTok,
		s.FacebookLogin, s.InstagramLogin, s.GoogleLogin, s.TikTokLogin} {
		c.Close()
	}
	return err
}
