package api

import (
	"context"
	"net"
	"net/netip"
	"strings"
	"testing"
	"time"
)

type oneName map[string]string

func (r oneName) LookupNetIP(_ context.Context, _, host string) ([]netip.Addr, error) {
	if a, ok := r[host]; ok {
		return []netip.Addr{netip.MustParseAddr(a)}, nil
	}
	return nil, &net.DNSError{Err: "no such host", Name: host, IsNotFound: true}
}

// Each reason SERENTAK_PUBLIC_URL would not open on a buyer's phone.
func TestPublicURLWarnings(t *testing.T) {
	for _, tc := range []struct {
		public string
		want   []string // substrings, one per warning
	}{
		{"https://serentak.example.com", nil},
		{"https://unknown.example.net", nil}, // not resolving now: not said (DNS may fail for a moment)
		{"http://localhost:8080", []string{"not reachable from the internet", "plain http"}},
		{"https://127.0.0.1:8443", []string{"not reachable from the internet"}},
		{"https://192.168.1.20", []string{"not reachable from the internet"}},
		{"https://[fe80::1]", []string{"not reachable from the internet"}},
		{"https://100.64.1.2", []string{"not reachable from the internet"}}, // carrier-grade NAT
		{"https://serentak", []string{"not reachable from the internet"}},   // one label: a LAN name
		{"https://serentak.local", []string{"not reachable from the internet"}},
		{"https://serentak.corp.internal", []string{"not reachable from the internet"}},
		{"https://office.example.com", []string{"not reachable from the internet"}}, // resolves to 10.1.2.3
		{"http://serentak.example.com", []string{"plain http"}},
		{"", []string{"not set to an http(s) address"}},
	} {
		s := &Server{cfg: Config{PublicURL: tc.public, Resolver: oneName{"serentak.example.com": "93.184.216.34", "office.example.com": "10.1.2.3"}}}
		got := s.publicURLWarnings(context.Background())
		if len(got) != len(tc.want) {
			t.Errorf("%q: %q, want %d warnings", tc.public, got, len(tc.want))
			continue
		}
		for i, w := range tc.want {
			if !strings.Contains(got[i], w) {
				t.Errorf("%q: warning %q, want one saying %q", tc.public, got[i], w)
			}
		}
	}
}

// Preview robots and crawlers are told apart from people, in-app
// browsers included.
func TestLinkRobots(t *testing.T) {
	for ua, robot := range map[string]bool{
		"WhatsApp/2.24.21.88 A": true,
		"WhatsApp/2.23.20.0 i":  true,
		"facebookexternalhit/1.1 (+http://www.facebook.com/externalhit_uatext.php)":                 true,
		"Mozilla/5.0 (compatible; Facebot/1.0)":                                                     true,
		"meta-externalagent/1.1 (+https://developers.facebook.com/docs/sharing/webmasters/crawler)": true,
		"TelegramBot (like TwitterBot)":                                                             true,
		"Slackbot-LinkExpanding 1.0 (+https://api.slack.com/robots)":                                true,
		"Twitterbot/1.0": true,
		"Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)":              true,
		"Mozilla/5.0 (compatible; Discordbot/2.0; +https://discordapp.com)":                     true,
		"LinkedInBot/1.0 (compatible; Mozilla/5.0; Apache-HttpClient +http://www.linkedin.com)": true,
		"":   true,
		"  ": true,
		"Mozilla/5.0 (Linux; Android 14; SM-A155F) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Mobile Safari/537.36":                                                                                     false,
		"Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148 Instagram 340.0.2.20.111 (iPhone14,5; iOS 17_5; id_ID; id; scale=3.00; 1170x2532; 620519862)": false,
		"Mozilla/5.0 (Linux; Android 13; CUBOT P80) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0 Mobile Safari/537.36 [FBAN/EMA;FBLC/id_ID;FBAV/380.0.0.10.112;]":                                             false,
		"Mozilla/5.0 (Linux; Android 12; V2111) AppleWebKit/537.36 (KHTML, like Gecko) Version/4.0 Chrome/109 Mobile Safari/537.36 musical_ly_2023208030 BytedanceWebview/d8a21c6":                                   false,
	} {
		if got := isLinkRobot(ua); got != robot {
			t.Errorf("isLinkRobot(%q) = %v, want %v", ua, got, robot)
		}
	}
}

// A repeat key says nothing of the address, and changes with the day.
func TestRepeatKey(t *testing.T) {
	l := &linkRedirects{secret: []byte("install secret")}
	day := mustTime(t, "2026-12-04T10:00:00Z")
	k := l.repeatKey(day, "203.0.113.7", "ua", "7k2m9qa")
	if strings.Contains(k, "203.0.113.7") || len(k) != 64 {
		t.Errorf("key %q", k)
	}
	if l.repeatKey(day.Add(3*time.Hour), "203.0.113.7", "ua", "7k2m9qa") != k {
		t.Error("the same client's key changed within a day")
	}
	if l.repeatKey(day.Add(24*time.Hour), "203.0.113.7", "ua", "7k2m9qa") == k {
		t.Error("the salt did not change with the day")
	}
	if l.repeatKey(day, "203.0.113.8", "ua", "7k2m9qa") == k || l.repeatKey(day, "203.0.113.7", "ua", "abcdefg") == k {
		t.Error("two clients or two codes share a key")
	}
}

func mustTime(t *testing.T, s string) time.Time {
	t.Helper()
	v, err := time.Parse(time.RFC3339, s)
	if err != nil {
		t.Fatal(err)
	}
	return v
}
