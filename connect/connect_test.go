package connect_test

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/serentak/serentak"
	"github.com/serentak/serentak/api"
	"github.com/serentak/serentak/connect"
	"github.com/serentak/serentak/connect/fakeoauth"
	"github.com/serentak/serentak/gormstore"
	"github.com/serentak/serentak/gormstore/storetest"
	"github.com/serentak/serentak/testkit"
)

// platformCase is how one platform is faked and connected.
type platformCase struct {
	name      string
	platform  serentak.Platform
	kind      fakeoauth.Kind
	authPath  string
	tokenPath string
	build     func(connect.Config) (*connect.Connector, error)
	prep      func(f *fakeoauth.Server)
	// clientParam is the name of the client ID in the authorize URL.
	clientParam string
	pkce        bool
	// want are the external IDs the login reaches.
	want []string
	// refresh: the platform issues a refresh token.
	refresh bool
}

var cases = []platformCase{
	{
		name: "facebook", platform: serentak.Facebook, kind: fakeoauth.Facebook,
		authPath: "/v25.0/dialog/oauth", tokenPath: "/v25.0/oauth/access_token",
		build: connect.NewFacebook, clientParam: "client_id",
		prep: func(f *fakeoauth.Server) {
			f.Pages = []fakeoauth.Page{{ID: "1001", Name: "Toko Budi"}, {ID: "1002", Name: "Keripik Budi"}, {ID: "1003", Name: "Budi Grosir"}}
		},
		want: []string{"1001", "1002", "1003"},
	},
	{
		name: "instagram with Instagram Login", platform: serentak.Instagram, kind: fakeoauth.InstagramLogin,
		authPath: "/oauth/authorize", tokenPath: "/oauth/access_token", clientParam: "client_id",
		build: func(c connect.Config) (*connect.Connector, error) {
			return connect.NewInstagram(c, connect.InstagramWithInstagramLogin)
		},
		prep: func(f *fakeoauth.Server) {
			f.IGUser = fakeoauth.IGAccount{ID: "17841400000000001", Username: "tokobudi"}
		},
		want: []string{"17841400000000001"},
	},
	{
		name: "instagram with Facebook Login", platform: serentak.Instagram, kind: fakeoauth.Facebook,
		authPath: "/v25.0/dialog/oauth", tokenPath: "/v25.0/oauth/access_token", clientParam: "client_id",
		build: func(c connect.Config) (*connect.Connector, error) {
			return connect.NewInstagram(c, connect.InstagramWithFacebookLogin)
		},
		prep: func(f *fakeoauth.Server) {
			f.Pages = []fakeoauth.Page{
				{ID: "1001", Name: "Toko Budi", IG: &fakeoauth.IGAccount{ID: "17841400000000002", Username: "tokobudi"}},
				{ID: "1002", Name: "No IG"},
				{ID: "1003", Name: "Keripik", IG: &fakeoauth.IGAccount{ID: "17841400000000003", Username: "keripikbudi"}},
			}
		},
		want: []string{"17841400000000002", "17841400000000003"},
	},
	{
		name: "youtube", platform: serentak.YouTube, kind: fakeoauth.Google,
		authPath: "/o/oauth2/v2/auth", tokenPath: "/token", build: connect.NewYouTube,
		clientParam: "client_id", pkce: true, refresh: true,
		prep: func(f *fakeoauth.Server) { f.Channels = []fakeoauth.Channel{{ID: "UCbudi", Title: "Dapur Budi"}} },
		want: []string{"UCbudi"},
	},
	{
		name: "tiktok", platform: serentak.TikTok, kind: fakeoauth.TikTok,
		authPath: "/v2/auth/authorize/", tokenPath: "/v2/oauth/token/", build: connect.NewTikTok,
		clientParam: "client_key", refresh: true,
		prep: func(f *fakeoauth.Server) { f.OpenID, f.Name = "open-budi", "Budi TikTok" },
		want: []string{"open-budi"},
	},
}

type bundle struct {
	t      *testing.T
	ctx    context.Context
	clock  *testkit.Clock
	store  *gormstore.Store
	api    *httptest.Server
	logs   *testkit.Buffer
	ws     serentak.Workspace
	key    string
	fake   *fakeoauth.Server
	conn   *connect.Connector
	bodies []string // every API answer, to look for leaked tokens
}

func setup(t *testing.T, pc platformCase) *bundle {
	t.Helper()
	clk := testkit.NewClock(time.Now().UTC())
	b := &bundle{t: t, ctx: context.Background(), clock: clk, logs: &testkit.Buffer{}}
	b.store = storetest.Open(t, gormstore.Config{Now: clk.Now})
	var handler http.Handler
	b.api = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { handler.ServeHTTP(w, r) }))
	t.Cleanup(b.api.Close)

	b.fake = fakeoauth.New(t, pc.kind)
	b.fake.Now = clk.Now
	b.fake.RedirectURI = b.api.URL + "/v1/oauth/" + string(pc.platform) + "/callback"
	pc.prep(b.fake)
	log := slog.New(slog.NewJSONHandler(b.logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	conn, err := pc.build(connect.Config{
		Store: b.store, ClientID: b.fake.ClientID, ClientSecret: b.fake.ClientSecret,
		AuthURL: b.fake.URL + pc.authPath, TokenURL: b.fake.URL + pc.tokenPath,
		PublicURL: b.api.URL, APIURL: b.fake.URL, Now: clk.Now, Logger: log,
	})
	if err != nil {
		t.Fatal(err)
	}
	b.conn = conn
	handler = api.New(api.Config{
		Store: b.store, AdminKey: "op-key", PublicURL: b.api.URL, Logger: log, Now: clk.Now,
		Connectors:        map[serentak.Platform]api.Connector{pc.platform: conn},
		AccountHealthFunc: b.store.FindAccountHealth,
	}).Handler()

	b.ws = serentak.Workspace{ID: serentak.NewID(serentak.PrefixWorkspace), Name: "Toko Budi", Timezone: "Asia/Jakarta"}
	b.key = "ws-key-" + b.ws.ID
	if err := b.store.CreateWorkspace(b.ctx, b.ws, serentak.APIKey{ID: serentak.NewID(serentak.PrefixKey), WorkspaceID: b.ws.ID, Hash: serentak.HashSecret(b.key)}); err != nil {
		t.Fatal(err)
	}
	return b
}

// do calls the API; key "" sends no Authorization.
func (b *bundle) do(method, path, key, accept string) (int, http.Header, []byte) {
	b.t.Helper()
	req, err := http.NewRequest(method, b.api.URL+path, nil)
	if err != nil {
		b.t.Fatal(err)
	}
	if key != "" {
		req.Header.Set("Authorization", "Bearer "+key)
	}
	if accept != "" {
		req.Header.Set("Accept", accept)
	}
	c := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := c.Do(req)
	if err != nil {
		b.t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	b.bodies = append(b.bodies, string(body), resp.Header.Get("Location"))
	return resp.StatusCode, resp.Header, body
}

// startConnect asks the API for an authorize URL.
func (b *bundle) startConnect(p serentak.Platform) string {
	b.t.Helper()
	code, _, body := b.do("GET", "/v1/workspaces/"+b.ws.ID+"/accounts/connect/"+string(p), b.key, "")
	if code != http.StatusOK {
		b.t.Fatalf("connect = %d %s", code, body)
	}
	var out struct {
		AuthorizeURL string `json:"authorize_url"`
	}
	if err := json.Unmarshal(body, &out); err != nil || out.AuthorizeURL == "" {
		b.t.Fatalf("connect answered %s", body)
	}
	return out.AuthorizeURL
}

func (b *bundle) callback(p serentak.Platform, q url.Values, accept string) (int, []byte) {
	b.t.Helper()
	code, _, body := b.do("GET", "/v1/oauth/"+string(p)+"/callback?"+q.Encode(), "", accept)
	return code, body
}

func errorCode(t *testing.T, body []byte) (code, msg string) {
	t.Helper()
	var e struct {
		Error struct{ Code, Message string } `json:"error"`
	}
	if err := json.Unmarshal(body, &e); err != nil {
		t.Fatalf("not an error body: %s", body)
	}
	return e.Error.Code, e.Error.Message
}

// assertNoTokens fails when any token the store holds appears in an API
// answer or a log line.
func (b *bundle) assertNoTokens() {
	b.t.Helper()
	as, err := b.store.FindAccounts(b.ctx, b.ws.ID)
	if err != nil {
		b.t.Fatal(err)
	}
	all := strings.Join(b.bodies, "\n") + "\n" + b.logs.String()
	for _, a := range as {
		for _, tok := range []string{a.Token.AccessToken, a.Token.RefreshToken} {
			if tok != "" && strings.Contains(all, tok) {
				b.t.Errorf("a token of account %s appears in an API answer or the log", a.ID)
			}
		}
	}
	for _, s := range []string{b.fake.ClientSecret, "code-"} {
		if strings.Contains(b.logs.String(), s) {
			b.t.Errorf("the log holds %q (a client secret or an authorization code)", s)
		}
	}
}

func TestConnectFlow(t *testing.T) {
	for _, pc := range cases {
		t.Run(pc.name, func(t *testing.T) {
			t.Parallel()
			b := setup(t, pc)
			authURL := b.startConnect(pc.platform)

			u, err := url.Parse(authURL)
			if err != nil {
				t.Fatal(err)
			}
			q := u.Query()
			if q.Get(pc.clientParam) != b.fake.ClientID || q.Get("redirect_uri") != b.fake.RedirectURI ||
				len(q.Get("state")) < 40 || q.Get("scope") == "" || q.Get("response_type") != "code" {
				t.Errorf("authorize URL params %v: want %s, redirect_uri, a long state, scope and response_type=code", q, pc.clientParam)
			}
			if got := q.Get("code_challenge_method") == "S256" && q.Get("code_challenge") != ""; got != pc.pkce {
				t.Errorf("PKCE in the authorize URL = %v, want %v", got, pc.pkce)
			}

			back := b.fake.Authorize(t, authURL)
			code, body := b.callback(pc.platform, back, "")
			if code != http.StatusOK {
				t.Fatalf("callback = %d %s", code, body)
			}
			var out struct {
				Data []struct {
					ID, Platform, Status string
					ExternalID           string `json:"external_id"`
				} `json:"data"`
			}
			if err := json.Unmarshal(body, &out); err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, a := range out.Data {
				got = append(got, a.ExternalID)
				if a.Platform != string(pc.platform) || a.Status != "active" {
					t.Errorf("account %+v: want %s, active", a, pc.platform)
				}
			}
			sort.Strings(got)
			if !slices.Equal(got, pc.want) {
				t.Fatalf("connected %v, want %v", got, pc.want)
			}

			// The stored tokens work at the platform; the API shows the
			// granted scopes and no token.
			as, err := b.store.FindAccounts(b.ctx, b.ws.ID)
			if err != nil {
				t.Fatal(err)
			}
			for _, a := range as {
				if !b.fake.AccessWorks(a.Token.AccessToken) {
					t.Errorf("account %s: the stored access token does not work at the platform", a.ExternalID)
				}
				if pc.refresh && !b.fake.RefreshWorks(a.Token.RefreshToken) {
					t.Errorf("account %s: no working refresh token stored", a.ExternalID)
				}
				if err := b.conn.VerifyAccount(b.ctx, a); err != nil {
					t.Errorf("VerifyAccount(%s) = %v, want nil", a.ExternalID, err)
				}
			}
			code, _, body = b.do("GET", "/v1/workspaces/"+b.ws.ID+"/accounts", b.key, "")
			var list struct {
				Data []struct {
					Scopes    []string `json:"scopes"`
					CheckedAt *string  `json:"checked_at"`
				} `json:"data"`
			}
			if err := json.Unmarshal(body, &list); code != http.StatusOK || err != nil || len(list.Data) != len(pc.want) {
				t.Fatalf("list accounts = %d %s", code, body)
			}
			for _, a := range list.Data {
				if len(a.Scopes) == 0 || a.CheckedAt == nil {
					t.Errorf("listed account has scopes %v, checked_at %v; want the granted scopes and a check time", a.Scopes, a.CheckedAt)
				}
			}

			// Opening the callback again (a reload) is refused: the state
			// was spent.
			code, body = b.callback(pc.platform, back, "")
			if c, _ := errorCode(t, body); code != http.StatusConflict || c != "conflict" {
				t.Errorf("callback replayed = %d %s, want 409 conflict", code, body)
			}
			b.assertNoTokens()

			// A revoked app fails the check as AuthExpired.
			b.fake.Revoke()
			var pe *serentak.PublishError
			if err := b.conn.VerifyAccount(b.ctx, as[0]); !errors.As(err, &pe) || pe.Kind != serentak.AuthExpired {
				t.Errorf("VerifyAccount after revoke = %v, want AuthExpired", err)
			}
		})
	}
}

func TestCallbackRefusals(t *testing.T) {
	pc := cases[len(cases)-1] // TikTok
	b := setup(t, pc)

	t.Run("forged state", func(t *testing.T) {
		code, body := b.callback(pc.platform, url.Values{"code": {"code-x"}, "state": {"forged-state-0123456789"}}, "")
		if c, msg := errorCode(t, body); code != http.StatusBadRequest || c != "bad_request" || !strings.Contains(msg, "not started by Serentak") {
			t.Errorf("forged state = %d %s, want 400 saying it was not started by Serentak", code, body)
		}
	})
	t.Run("no state", func(t *testing.T) {
		code, _ := b.callback(pc.platform, url.Values{"code": {"code-x"}}, "")
		if code != http.StatusBadRequest {
			t.Errorf("no state = %d, want 400", code)
		}
	})
	t.Run("another platform's state", func(t *testing.T) {
		// A state is bound to its platform: a TikTok state spent at the
		// YouTube callback is unknown there (no YouTube connector: 404).
		back := b.fake.Authorize(t, b.startConnect(pc.platform))
		code, _ := b.callback(serentak.YouTube, back, "")
		if code != http.StatusNotFound {
			t.Errorf("callback of an unconfigured platform = %d, want 404", code)
		}
		if _, err := b.store.ConsumeOAuthState(b.ctx, serentak.YouTube, back.Get("state")); !errors.Is(err, serentak.ErrStateUnknown) {
			t.Errorf("a TikTok state consumed as YouTube's: %v, want ErrStateUnknown", err)
		}
		if code, body := b.callback(pc.platform, back, ""); code != http.StatusOK {
			t.Errorf("the state still works on its own platform: %d %s", code, body)
		}
	})
	t.Run("expired state", func(t *testing.T) {
		back := b.fake.Authorize(t, b.startConnect(pc.platform))
		b.clock.Advance(connect.DefaultStateTTL + time.Second)
		code, body := b.callback(pc.platform, back, "")
		if c, msg := errorCode(t, body); code != http.StatusBadRequest || c != "bad_request" || !strings.Contains(msg, "expired") {
			t.Errorf("expired state = %d %s, want 400 saying it expired", code, body)
		}
	})
	t.Run("denied consent", func(t *testing.T) {
		b.fake.Deny = true
		defer func() { b.fake.Deny = false }()
		back := b.fake.Authorize(t, b.startConnect(pc.platform))
		if back.Get("error") != "access_denied" {
			t.Fatalf("fake did not deny: %v", back)
		}
		code, body := b.callback(pc.platform, back, "")
		if c, msg := errorCode(t, body); code != http.StatusBadRequest || c != "bad_request" || !strings.Contains(msg, "did not allow") {
			t.Errorf("denied = %d %s, want 400 saying the user did not allow it", code, body)
		}
		// A browser gets a page saying the same.
		back = b.fake.Authorize(t, b.startConnect(pc.platform))
		code, body = b.callback(pc.platform, back, "text/html,application/xhtml+xml")
		if code != http.StatusBadRequest || !strings.Contains(string(body), "<html") || !strings.Contains(string(body), "did not allow") {
			t.Errorf("denied in a browser = %d %s, want 400 and a page", code, body)
		}
	})
	t.Run("code refused by the platform", func(t *testing.T) {
		back := b.fake.Authorize(t, b.startConnect(pc.platform))
		back.Set("code", "code-never-issued")
		code, body := b.callback(pc.platform, back, "")
		if c, msg := errorCode(t, body); code != http.StatusBadRequest || c != "bad_request" || !strings.Contains(msg, "refused the sign-in code") {
			t.Errorf("bad code = %d %s, want 400 saying the code was refused", code, body)
		}
	})
	t.Run("missing permission", func(t *testing.T) {
		b.fake.Granted = []string{"user.info.basic"}
		defer func() { b.fake.Granted = nil }()
		back := b.fake.Authorize(t, b.startConnect(pc.platform))
		code, body := b.callback(pc.platform, back, "")
		if c, _ := errorCode(t, body); code != http.StatusUnprocessableEntity || c != "validation_failed" {
			t.Errorf("without video.publish = %d %s, want 422", code, body)
		}
	})
	t.Run("not configured", func(t *testing.T) {
		code, _, body := b.do("GET", "/v1/workspaces/"+b.ws.ID+"/accounts/connect/facebook", b.key, "")
		if c, msg := errorCode(t, body); code != http.StatusUnprocessableEntity || c != "validation_failed" || !strings.Contains(msg, "SERENTAK_FACEBOOK_CLIENT_ID") {
			t.Errorf("unconfigured = %d %s, want 422 naming the setting", code, body)
		}
	})
	b.assertNoTokens()
}

func TestFacebookMissingPermission(t *testing.T) {
	pc := cases[0]
	b := setup(t, pc)
	b.fake.Granted = []string{"pages_show_list", "pages_read_engagement"} // no pages_manage_posts
	back := b.fake.Authorize(t, b.startConnect(pc.platform))
	code, body := b.callback(pc.platform, back, "")
	if c, msg := errorCode(t, body); code != http.StatusUnprocessableEntity || c != "validation_failed" || !strings.Contains(msg, "pages_manage_posts") {
		t.Errorf("callback = %d %s, want 422 naming pages_manage_posts", code, body)
	}
	if as, _ := b.store.FindAccounts(b.ctx, b.ws.ID); len(as) != 0 {
		t.Errorf("%d accounts stored after a refused connection", len(as))
	}
}

func TestReconnectLink(t *testing.T) {
	pc := cases[3] // YouTube: PKCE and a refresh token
	b := setup(t, pc)
	back := b.fake.Authorize(t, b.startConnect(pc.platform))
	if code, body := b.callback(pc.platform, back, ""); code != http.StatusOK {
		t.Fatalf("connect = %d %s", code, body)
	}
	as, _ := b.store.FindAccounts(b.ctx, b.ws.ID)
	acc := as[0]
	if err := b.store.MarkAccountNeedsReauth(b.ctx, b.ws.ID, acc.ID, "Google refused the token"); err != nil {
		t.Fatal(err)
	}
	newLink := func() string {
		t.Helper()
		code, _, body := b.do("POST", "/v1/workspaces/"+b.ws.ID+"/accounts/"+acc.ID+"/reconnect-link", b.key, "")
		var out struct {
			URL       string `json:"url"`
			ExpiresAt string `json:"expires_at"`
		}
		if code != http.StatusCreated || json.Unmarshal(body, &out) != nil || out.URL == "" {
			t.Fatalf("reconnect-link = %d %s", code, body)
		}
		if !strings.HasPrefix(out.URL, b.api.URL+"/v1/oauth/youtube/reconnect?token=") {
			t.Fatalf("link %q is not under the public URL", out.URL)
		}
		return out.URL
	}
	open := func(link, accept string) (int, string) {
		t.Helper()
		code, h, _ := b.do("GET", strings.TrimPrefix(link, b.api.URL), "", accept)
		return code, h.Get("Location")
	}

	link := newLink()
	// A chat app's preview robot opens it first: that spends nothing.
	if code, _ := open(link, ""); code != http.StatusFound {
		t.Fatalf("preview open = %d, want 302", code)
	}
	code, loc := open(link, "text/html")
	if code != http.StatusFound || !strings.HasPrefix(loc, b.fake.URL) {
		t.Fatalf("open = %d %q, want a redirect to the platform's login", code, loc)
	}
	oldRefresh := acc.Token.RefreshToken
	back = b.fake.Authorize(t, loc)
	code, body := b.callback(pc.platform, back, "")
	if code != http.StatusOK {
		t.Fatalf("reconnect callback = %d %s", code, body)
	}
	got, err := b.store.FindAccountByID(b.ctx, b.ws.ID, acc.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.Status != serentak.AccountActive || got.Token.AccessToken == acc.Token.AccessToken || got.Token.RefreshToken == oldRefresh || got.Token.RefreshToken == "" {
		t.Errorf("after reconnect: status %s, token updated %v, refresh updated %v; want active with new tokens",
			got.Status, got.Token.AccessToken != acc.Token.AccessToken, got.Token.RefreshToken != oldRefresh)
	}
	if as, _ := b.store.FindAccounts(b.ctx, b.ws.ID); len(as) != 1 {
		t.Errorf("%d accounts after a reconnect, want the same one", len(as))
	}

	// Used: opening it again answers 404, and a login started before the
	// first one finished cannot use it either.
	if code, _ := open(link, ""); code != http.StatusNotFound {
		t.Errorf("open a used link = %d, want 404", code)
	}

	link2 := newLink()
	_, locA := open(link2, "")
	_, locB := open(link2, "")
	if code, body := b.callback(pc.platform, b.fake.Authorize(t, locA), ""); code != http.StatusOK {
		t.Fatalf("first login through the link = %d %s", code, body)
	}
	code, body = b.callback(pc.platform, b.fake.Authorize(t, locB), "")
	if c, _ := errorCode(t, body); code != http.StatusConflict || c != "conflict" {
		t.Errorf("second login through one link = %d %s, want 409", code, body)
	}

	// Expired.
	link3 := newLink()
	b.clock.Advance(connect.DefaultLinkTTL + time.Minute)
	if code, _ := open(link3, ""); code != http.StatusNotFound {
		t.Errorf("open an expired link = %d, want 404", code)
	}
	code, _, body = b.do("GET", "/v1/oauth/youtube/reconnect?token=not-a-token", "", "text/html")
	if code != http.StatusNotFound || !strings.Contains(string(body), "<html") {
		t.Errorf("unknown link in a browser = %d %s, want 404 and a page", code, body)
	}
	b.assertNoTokens()
}

func TestReconnectLinkMustReachItsAccount(t *testing.T) {
	pc := cases[4] // TikTok
	b := setup(t, pc)
	if code, body := b.callback(pc.platform, b.fake.Authorize(t, b.startConnect(pc.platform)), ""); code != http.StatusOK {
		t.Fatalf("connect = %d %s", code, body)
	}
	as, _ := b.store.FindAccounts(b.ctx, b.ws.ID)
	link, _, err := b.conn.NewReconnectLink(b.ctx, as[0])
	if err != nil {
		t.Fatal(err)
	}
	// Someone else logs in through the link.
	b.fake.OpenID, b.fake.Name = "open-stranger", "Stranger"
	_, h, _ := b.do("GET", strings.TrimPrefix(link, b.api.URL), "", "")
	code, body := b.callback(pc.platform, b.fake.Authorize(t, h.Get("Location")), "")
	if c, _ := errorCode(t, body); code != http.StatusUnprocessableEntity || c != "validation_failed" {
		t.Errorf("a login reaching another account = %d %s, want 422", code, body)
	}
	if as, _ := b.store.FindAccounts(b.ctx, b.ws.ID); len(as) != 1 {
		t.Errorf("%d accounts: a reconnect link must not add accounts", len(as))
	}
}

// Instagram Login's connector hands out the Instagram adapter's refresher,
// which extends the long-lived token at the fake's ig_refresh_token route
// and reads a refused token as AuthExpired; Facebook Login's has none.
func TestInstagramLoginRefresher(t *testing.T) {
	pc := cases[1]
	b := setup(t, pc)
	if code, body := b.callback(pc.platform, b.fake.Authorize(t, b.startConnect(pc.platform)), ""); code != http.StatusOK {
		t.Fatalf("connect = %d %s", code, body)
	}
	as, _ := b.store.FindAccounts(b.ctx, b.ws.ID)
	acc := as[0]
	r := b.conn.Refresher()
	if r == nil {
		t.Fatal("the Instagram Login connector has no refresher")
	}
	b.clock.Advance(24 * time.Hour)
	tok, err := r.RefreshToken(b.ctx, acc)
	if err != nil {
		t.Fatalf("RefreshToken = %v", err)
	}
	if tok.AccessToken == acc.Token.AccessToken || !b.fake.AccessWorks(tok.AccessToken) {
		t.Errorf("refreshed token is the old one or does not work at the platform")
	}
	if want := b.clock.Now().Add(60 * 24 * time.Hour); !tok.ExpiresAt.Equal(want) {
		t.Errorf("ExpiresAt = %v, want %v (expires_in from the refresh, by the connector's clock)", tok.ExpiresAt, want)
	}
	b.fake.Revoke()
	var pe *serentak.PublishError
	if _, err := r.RefreshToken(b.ctx, serentak.Account{Token: tok}); !errors.As(err, &pe) || pe.Kind != serentak.AuthExpired || strings.Contains(err.Error(), tok.AccessToken) {
		t.Errorf("RefreshToken after revoke = %v, want AuthExpired without the token", err)
	}

	fb := setup(t, cases[2])
	if fb.conn.Refresher() != nil {
		t.Error("Instagram with Facebook Login has a refresher; its Page tokens have no refresh grant")
	}
}

// A login started with return_to (the web app's accounts page) comes back
// to that page, with how many accounts it connected, or why none: every
// Page of a Facebook login, a refusal at the platform, a login that
// switched off a permission publishing needs. A path to another site is
// refused before any login starts.
func TestConnectReturnsToThePage(t *testing.T) {
	pc := cases[0] // Facebook, three Pages
	b := setup(t, pc)
	page := "/w/" + b.ws.ID + "/accounts"
	start := func(rt string) (int, []byte) {
		t.Helper()
		code, _, body := b.do("GET", "/v1/workspaces/"+b.ws.ID+"/accounts/connect/facebook?"+url.Values{"return_to": {rt}}.Encode(), b.key, "")
		return code, body
	}
	back := func(rt string) *url.URL {
		t.Helper()
		code, body := start(rt)
		if code != http.StatusOK {
			t.Fatalf("connect with return_to = %d %s", code, body)
		}
		var out struct {
			AuthorizeURL string `json:"authorize_url"`
		}
		if err := json.Unmarshal(body, &out); err != nil {
			t.Fatal(err)
		}
		q := b.fake.Authorize(t, out.AuthorizeURL)
		code, h, body := b.do("GET", "/v1/oauth/facebook/callback?"+q.Encode(), "", "text/html")
		if code != http.StatusSeeOther {
			t.Fatalf("callback = %d %s, want 303 back to the page", code, body)
		}
		u, err := url.Parse(h.Get("Location"))
		if err != nil {
			t.Fatal(err)
		}
		return u
	}

	u := back(page + "?tab=all#top")
	if u.Path != page || u.Query().Get("connected") != "3" || u.Query().Get("tab") != "all" || u.Host != "" || u.Fragment != "" {
		t.Errorf("after connecting three Pages the callback went to %q, want %s?connected=3&tab=all", u, page)
	}

	b.fake.Deny = true
	u = back(page)
	if u.Path != page || u.Query().Get("connect_error") != "access_denied" || u.Query().Has("connected") {
		t.Errorf("a refused login went to %q, want %s?connect_error=access_denied", u, page)
	}
	b.fake.Deny = false

	b.fake.Granted = []string{"pages_show_list"}
	u = back(page)
	if got := u.Query().Get("connect_error"); got != "missing_permissions" {
		t.Errorf("a login without the publishing permissions went to %q, want connect_error=missing_permissions", u)
	}
	b.fake.Granted = nil

	for _, rt := range []string{"https://evil.example/w", "//evil.example/w", "/\\evil.example", "w/ws", "/w/\nx", strings.Repeat("/a", 300)} {
		if code, body := start(rt); code != http.StatusUnprocessableEntity || !strings.Contains(string(body), "return_to") {
			t.Errorf("return_to %q = %d %s, want 422 naming return_to", rt, code, body)
		}
	}
	b.assertNoTokens()
}
