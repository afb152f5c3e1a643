package connect_test

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/serentak/serentak"
	"github.com/serentak/serentak/connect"
)

// With a Facebook Login for Business configuration the dialog carries
// config_id and no scope (docs/platforms/facebook.md#connecting); without
// one, the scopes, never pages_read_user_engagement (no such permission).
func TestFacebookAuthorizeURLConfigID(t *testing.T) {
	pc := cases[0]
	for _, configID := range []string{"", "cfg-123"} {
		t.Run("config_id="+configID, func(t *testing.T) {
			withConfig := pc
			withConfig.build = func(c connect.Config) (*connect.Connector, error) {
				c.ConfigID = configID
				return connect.NewFacebook(c)
			}
			b := setup(t, withConfig)
			b.fake.Configs = map[string][]string{"cfg-123": {"pages_show_list", "pages_manage_posts", "pages_read_engagement", "pages_manage_engagement"}}
			authURL := b.startConnect(serentak.Facebook)
			u, err := url.Parse(authURL)
			if err != nil {
				t.Fatal(err)
			}
			q := u.Query()
			if configID != "" {
				if q.Get("config_id") != configID || q.Has("scope") {
					t.Errorf("authorize URL %s: want config_id=%s and no scope", u, configID)
				}
				// The whole login goes through with the configuration's
				// permissions.
				code, body := b.callback(serentak.Facebook, b.fake.Authorize(t, authURL), "")
				if code != http.StatusOK {
					t.Fatalf("callback = %d %s", code, body)
				}
				as, err := b.store.FindAccounts(b.ctx, b.ws.ID)
				if err != nil || len(as) != len(pc.want) {
					t.Fatalf("connected %d accounts (%v), want %d", len(as), err, len(pc.want))
				}
				return
			}
			if q.Has("config_id") || !strings.Contains(q.Get("scope"), "pages_manage_posts") || strings.Contains(q.Get("scope"), "pages_read_user_engagement") {
				t.Errorf("authorize URL %s: want the scopes, no config_id, never pages_read_user_engagement", u)
			}
		})
	}
}

// The account check reads Graph errors with facebook.Classify: a
// permission the person can grant again is AuthExpired (the account turns
// needs_reauth), naming the permission; a restriction of the app itself is
// no reason to send the merchant through a reconnect.
func TestFacebookVerifyPermissionErrors(t *testing.T) {
	tests := []struct {
		name    string
		message string
		reauth  bool
		says    string
	}{
		{"revoked permission", "(#200) Requires pages_read_engagement permission", true, "pages_read_engagement"},
		{"permission removed", "(#10) Permission is either not granted or has been removed", true, "reconnect the Page"},
		{"app review", "(#200) requires pages_manage_posts permission to be approved via App Review", false, "could not check"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			graph := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Type", "application/json")
				w.WriteHeader(http.StatusForbidden)
				w.Write([]byte(`{"error":{"message":"` + tc.message + `","type":"OAuthException","code":200,"fbtrace_id":"T"}}`))
			}))
			defer graph.Close()
			pc := cases[0]
			b := setup(t, pc)
			conn, err := connect.NewFacebook(connect.Config{
				Store: b.store, ClientID: "id", ClientSecret: "secret", AuthURL: graph.URL, TokenURL: graph.URL,
				PublicURL: b.api.URL, APIURL: graph.URL,
			})
			if err != nil {
				t.Fatal(err)
			}
			err = conn.VerifyAccount(b.ctx, serentak.Account{Platform: serentak.Facebook, ExternalID: "1001", Token: serentak.Token{AccessToken: "page-token"}})
			var pe *serentak.PublishError
			if !errors.As(err, &pe) {
				t.Fatalf("VerifyAccount = %v, want a PublishError", err)
			}
			if (pe.Kind == serentak.AuthExpired) != tc.reauth || !strings.Contains(pe.Error(), tc.says) {
				t.Errorf("VerifyAccount = %v; want needs_reauth %v, saying %q", err, tc.reauth, tc.says)
			}
		})
	}
}
