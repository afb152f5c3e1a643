package config

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func env(m map[string]string) func(string) string {
	return func(k string) string { return m[k] }
}

func TestLoadDefaults(t *testing.T) {
	t.Chdir(t.TempDir()) // no configs/serentak.env here
	c, err := Load(env(nil))
	if err != nil {
		t.Fatal(err)
	}
	checks := map[string][2]string{
		"Addr":           {c.Addr, ":8080"},
		"DatabaseURL":    {c.DatabaseURL, filepath.Join("data", "serentak.db")},
		"RedisURL":       {c.RedisURL, ""},
		"PublicURL":      {c.PublicURL, "http://localhost:8080"},
		"FacebookAPIURL": {c.FacebookAPIURL, "https://graph.facebook.com"},
		// The README fixes graph.facebook.com as the default; Instagram Login
		// installs set graph.instagram.com themselves.
		"InstagramURL":   {c.InstagramAPIURL, "https://graph.instagram.com"},
		"YouTubeAPIURL":  {c.YouTubeAPIURL, "https://www.googleapis.com"},
		"TikTokAPIURL":   {c.TikTokAPIURL, "https://open.tiktokapis.com"},
		"YouTube.Auth":   {c.YouTube.AuthURL, "https://accounts.google.com/o/oauth2/v2/auth"},
		"TikTok.Token":   {c.TikTok.TokenURL, "https://open.tiktokapis.com/v2/oauth/token/"},
		"Facebook.Token": {c.Facebook.TokenURL, "https://graph.facebook.com/v25.0/oauth/access_token"},
	}
	for name, got := range checks {
		if got[0] != got[1] {
			t.Errorf("%s = %q, want %q", name, got[0], got[1])
		}
	}
	if c.MediaAllowPrivate || c.IsPostgres() || c.Facebook.Configured() {
		t.Errorf("defaults: allowPrivate=%v postgres=%v facebookConfigured=%v, want all false",
			c.MediaAllowPrivate, c.IsPostgres(), c.Facebook.Configured())
	}
}

func TestEnvironmentWinsOverFile(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "s.env")
	os.WriteFile(file, []byte("# comment\nSERENTAK_ADDR=':9000'\nSERENTAK_PUBLIC_URL=https://file.example/\nSERENTAK_SCHEDULER_TICK=1s\n"), 0o600)
	c, err := Load(env(map[string]string{
		"SERENTAK_CONFIG":     file,
		"SERENTAK_PUBLIC_URL": "https://env.example",
	}))
	if err != nil {
		t.Fatal(err)
	}
	if c.Addr != ":9000" || c.PublicURL != "https://env.example" || c.Tick != time.Second {
		t.Fatalf("got Addr=%q PublicURL=%q Tick=%v", c.Addr, c.PublicURL, c.Tick)
	}
}

func TestLoadRejectsBadValues(t *testing.T) {
	t.Chdir(t.TempDir())
	_, err := Load(env(map[string]string{
		"SERENTAK_MEDIA_ALLOW_PRIVATE":   "yes please",
		"SERENTAK_WEBHOOK_ALLOW_PRIVATE": "sure",
		"SERENTAK_SCHEDULER_TICK":        "soon",
		"SERENTAK_LOG_LEVEL":             "loud",
	}))
	if err == nil {
		t.Fatal("Load accepted bad values")
	}
	for _, want := range []string{"SERENTAK_MEDIA_ALLOW_PRIVATE", "SERENTAK_WEBHOOK_ALLOW_PRIVATE", "SERENTAK_SCHEDULER_TICK", "SERENTAK_LOG_LEVEL"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not name %s", err, want)
		}
	}
	if _, err := Load(env(map[string]string{"SERENTAK_CONFIG": "/nonexistent/s.env"})); err == nil {
		t.Error("a missing explicit config file was ignored")
	}
}

func TestPersisted(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "data")
	v1, created, err := Persisted(dir, "secret.key")
	if err != nil || !created || len(v1) < 40 {
		t.Fatalf("first Persisted = %q, %v, %v", v1, created, err)
	}
	v2, created, err := Persisted(dir, "secret.key")
	if err != nil || created || v2 != v1 {
		t.Fatalf("second Persisted = %q, %v, %v; want the same value, not created", v2, created, err)
	}
	info, _ := os.Stat(filepath.Join(dir, "secret.key"))
	if info.Mode().Perm() != 0o600 {
		t.Errorf("key file mode %v, want 0600", info.Mode().Perm())
	}
}

func TestInstagramLoginDefaults(t *testing.T) {
	t.Chdir(t.TempDir())
	tests := []struct {
		env                   map[string]string
		login, api, auth, tok string
	}{
		// The API host follows the login: Instagram Login tokens are
		// served only by graph.instagram.com.
		{nil, "instagram", "https://graph.instagram.com", "https://www.instagram.com/oauth/authorize", "https://api.instagram.com/oauth/access_token"},
		{map[string]string{"SERENTAK_INSTAGRAM_LOGIN": "facebook"}, "facebook", "https://graph.facebook.com",
			"https://www.facebook.com/v25.0/dialog/oauth", "https://graph.facebook.com/v25.0/oauth/access_token"},
		{map[string]string{"SERENTAK_INSTAGRAM_LOGIN": "facebook", "SERENTAK_INSTAGRAM_API_URL": "http://127.0.0.1:9/"}, "facebook", "http://127.0.0.1:9",
			"https://www.facebook.com/v25.0/dialog/oauth", "http://127.0.0.1:9/v25.0/oauth/access_token"},
	}
	for _, tt := range tests {
		c, err := Load(env(tt.env))
		if err != nil {
			t.Fatal(err)
		}
		got := [4]string{c.InstagramLogin, c.InstagramAPIURL, c.Instagram.AuthURL, c.Instagram.TokenURL}
		if want := [4]string{tt.login, tt.api, tt.auth, tt.tok}; got != want {
			t.Errorf("Load(%v) Instagram = %q, want %q", tt.env, got, want)
		}
	}
	if c, err := Load(env(nil)); err != nil || c.Preflight != 6*time.Hour {
		t.Errorf("Preflight = %v, %v; want 6h", c.Preflight, err)
	}
	if _, err := Load(env(map[string]string{"SERENTAK_INSTAGRAM_LOGIN": "myspace"})); err == nil {
		t.Error("an unknown SERENTAK_INSTAGRAM_LOGIN was accepted")
	}
	if c, err := Load(env(nil)); err != nil || c.InstagramMaxHashtags != 5 {
		t.Errorf("InstagramMaxHashtags = %d, %v; want 5 by default", c.InstagramMaxHashtags, err)
	}
	if _, err := Load(env(map[string]string{"SERENTAK_INSTAGRAM_MAX_HASHTAGS": "31"})); err == nil {
		t.Error("SERENTAK_INSTAGRAM_MAX_HASHTAGS=31, above the API reference's 30, was accepted")
	}
}

// A login paired with the other login's Meta host is refused at start:
// every connect and publish would fail with code 190.
func TestInstagramHostMismatch(t *testing.T) {
	t.Chdir(t.TempDir())
	tests := []struct {
		login, api string
		refused    bool
	}{
		{"instagram", "https://graph.facebook.com", true},
		{"instagram", "https://graph.facebook.com/", true},
		{"instagram", "https://GRAPH.facebook.com", true},
		{"facebook", "https://graph.instagram.com", true},
		{"instagram", "https://graph.instagram.com", false},
		{"facebook", "https://graph.facebook.com", false},
		{"instagram", "http://127.0.0.1:9", false}, // a fake
	}
	for _, tt := range tests {
		_, err := Load(env(map[string]string{"SERENTAK_INSTAGRAM_LOGIN": tt.login, "SERENTAK_INSTAGRAM_API_URL": tt.api}))
		if tt.refused != (err != nil) {
			t.Errorf("login %s with %s: err = %v, want refused %v", tt.login, tt.api, err, tt.refused)
			continue
		}
		if err != nil && (!strings.Contains(err.Error(), "SERENTAK_INSTAGRAM_API_URL") || !strings.Contains(err.Error(), "190")) {
			t.Errorf("login %s with %s: message %q should name the setting and the 190 it would cause", tt.login, tt.api, err)
		}
	}
}

// The scheduler's and the worker's timings have their defaults here and
// only here: scheduler.New and worker.New refuse a zero. These are the
// values README.md and configs/serentak.example.env document.
func TestTimingDefaults(t *testing.T) {
	t.Chdir(t.TempDir())
	c, err := Load(env(nil))
	if err != nil {
		t.Fatal(err)
	}
	for name, got := range map[string][2]time.Duration{
		"Tick":          {c.Tick, 200 * time.Millisecond},
		"Horizon":       {c.Horizon, 5 * time.Second},
		"Lead":          {c.Lead, 2 * time.Second},
		"StrandedGrace": {c.StrandedGrace, 30 * time.Second},
		"CheckInterval": {c.CheckInterval, 500 * time.Millisecond},
		"WorkerLease":   {c.WorkerLease, 5 * time.Minute},
	} {
		if got[0] != got[1] {
			t.Errorf("%s = %v, want %v", name, got[0], got[1])
		}
	}
	if _, err := Load(env(map[string]string{"SERENTAK_SCHEDULER_LEAD": "5s"})); err == nil || !strings.Contains(err.Error(), "SERENTAK_SCHEDULER_HORIZON") {
		t.Errorf("a lead equal to the default horizon: %v, want an error naming SERENTAK_SCHEDULER_HORIZON", err)
	}
}

func TestLoadWebhookAllowPrivate(t *testing.T) {
	t.Chdir(t.TempDir())
	for v, want := range map[string]bool{"": false, "false": false, "true": true} {
		c, err := Load(env(map[string]string{"SERENTAK_WEBHOOK_ALLOW_PRIVATE": v}))
		if err != nil {
			t.Fatalf("%q: %v", v, err)
		}
		if c.WebhookAllowPrivate != want {
			t.Errorf("SERENTAK_WEBHOOK_ALLOW_PRIVATE=%q: %v, want %v", v, c.WebhookAllowPrivate, want)
		}
	}
}

func TestSMTP(t *testing.T) {
	t.Chdir(t.TempDir())
	c, err := Load(env(nil))
	if err != nil || c.SMTP != nil {
		t.Fatalf("no SMTP_URL: SMTP = %+v, err %v; want nil, nil", c.SMTP, err)
	}
	c, err = Load(env(map[string]string{"SERENTAK_SMTP_URL": "smtps://user:p%40ss@mail.example.com?from=noreply@example.com"}))
	if err != nil {
		t.Fatal(err)
	}
	if c.SMTP == nil || c.SMTP.Host != "mail.example.com" || c.SMTP.Port != "465" || !c.SMTP.ImplicitTLS || c.SMTP.Password != "p@ss" || c.SMTP.From.Address != "noreply@example.com" {
		t.Fatalf("SMTP = %+v", c.SMTP)
	}
	c, err = Load(env(map[string]string{
		"SERENTAK_SMTP_URL":  "smtp://user:pw@mail.example.com?from=old@example.com",
		"SERENTAK_SMTP_FROM": "Serentak <halo@example.com>",
	}))
	if err != nil {
		t.Fatal(err)
	}
	if c.SMTP.From.Address != "halo@example.com" || c.SMTP.From.Name != "Serentak" || c.SMTP.Port != "587" {
		t.Fatalf("SERENTAK_SMTP_FROM not used: %+v", c.SMTP)
	}
	for _, bad := range []map[string]string{
		{"SERENTAK_SMTP_URL": "smtp://user:topsecret@mail.example.com"}, // no sender
		{"SERENTAK_SMTP_URL": "imap://mail.example.com?from=a@example.com"},
		{"SERENTAK_SMTP_FROM": "a@example.com"}, // a sender without a server
		{"SERENTAK_SMTP_URL": "smtp://mail.example.com", "SERENTAK_SMTP_FROM": "not an address"},
	} {
		_, err := Load(env(bad))
		if err == nil {
			t.Errorf("Load(%v) accepted it", bad)
			continue
		}
		if strings.Contains(err.Error(), "topsecret") {
			t.Errorf("Load(%v): the error shows the password: %v", bad, err)
		}
	}
}

// SERENTAK_CORS_ORIGINS takes exact origins (lower-cased, as browsers
// send them) and "*", and refuses what a browser never sends as an Origin.
func TestCORSOrigins(t *testing.T) {
	t.Chdir(t.TempDir())
	c, err := Load(env(map[string]string{"SERENTAK_CORS_ORIGINS": " https://App.Example.com , http://localhost:5173,*"}))
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(c.CORSOrigins, " "); got != "https://app.example.com http://localhost:5173 *" {
		t.Errorf("CORSOrigins = %q", got)
	}
	if c, _ := Load(env(nil)); len(c.CORSOrigins) != 0 {
		t.Errorf("no setting: %v, want none", c.CORSOrigins)
	}
	for _, bad := range []string{"app.example.com", "https://app.example.com/", "https://app.example.com/path", "ftp://x.example", "https://u:p@x.example", "null"} {
		if _, err := Load(env(map[string]string{"SERENTAK_CORS_ORIGINS": bad})); err == nil || !strings.Contains(err.Error(), "SERENTAK_CORS_ORIGINS") {
			t.Errorf("%q: %v, want refused naming the setting", bad, err)
		}
	}
}
