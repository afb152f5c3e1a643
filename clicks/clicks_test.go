package clicks_test

import (
	"context"
	"errors"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/serentak/serentak/clicks"
)

var t0 = time.Date(2026, 12, 4, 9, 0, 0, 0, time.UTC)

func TestCounterFlushesSumsAndKeepsThemOnFailure(t *testing.T) {
	var got []map[string]int64
	var lasts []time.Time
	fail := true
	c := clicks.NewCounter(func(ctx context.Context, counts map[string]int64, last time.Time) error {
		if fail {
			return errors.New("database down")
		}
		got = append(got, counts)
		lasts = append(lasts, last)
		return nil
	}, clicks.Options{Every: time.Hour})
	c.Click("a", t0)
	c.Click("a", t0.Add(2*time.Second))
	c.Click("b", t0.Add(time.Second))
	if err := c.Flush(context.Background()); err == nil {
		t.Fatal("a failed flush says nothing")
	}
	c.Click("a", t0.Add(time.Second)) // while the database is down
	fail = false
	if err := c.Flush(context.Background()); err != nil {
		t.Fatal(err)
	}
	if err := c.Flush(context.Background()); err != nil { // nothing left: no call
		t.Fatal(err)
	}
	if diff := cmp.Diff([]map[string]int64{{"a": 3, "b": 1}}, got); diff != "" {
		t.Errorf("flushed (-want +got):\n%s", diff)
	}
	if len(lasts) != 1 || !lasts[0].Equal(t0.Add(2*time.Second)) {
		t.Errorf("last click %v, want the latest of the batch, %v", lasts, t0.Add(2*time.Second))
	}
}

func TestCounterRunFlushesWhatIsLeftWhenStopped(t *testing.T) {
	done := make(chan map[string]int64, 1)
	c := clicks.NewCounter(func(ctx context.Context, counts map[string]int64, _ time.Time) error {
		done <- counts
		return nil
	}, clicks.Options{Every: time.Hour})
	ctx, stop := context.WithCancel(context.Background())
	ran := make(chan error)
	go func() { ran <- c.Run(ctx) }()
	c.Click("x", t0)
	stop()
	if err := <-ran; err != nil {
		t.Fatal(err)
	}
	if got := <-done; got["x"] != 1 {
		t.Errorf("last flush = %v, want x:1", got)
	}
}

// A Counter with a window counts a client's clicks on a link once, tells
// each outcome, and drops what is past its queue rather than wait.
func TestCounterLeavesOutRepeats(t *testing.T) {
	var counts map[string]int64
	outcomes := map[string]int{}
	c := clicks.NewCounter(func(ctx context.Context, got map[string]int64, _ time.Time) error {
		counts = got
		return nil
	}, clicks.Options{Every: time.Hour, Window: 10 * time.Minute, Observe: func(o string) { outcomes[o]++ }})
	c.Click("pst_1", t0, "203.0.113.7", "Instagram 300", "pst_1")
	c.Click("pst_1", t0.Add(time.Minute), "203.0.113.7", "Instagram 300", "pst_1") // a repeat
	c.Click("pst_1", t0.Add(time.Minute), "203.0.113.8", "Instagram 300", "pst_1") // another client
	c.Click("pst_2", t0.Add(time.Minute), "203.0.113.7", "Instagram 300", "pst_2") // another link
	if err := c.Flush(context.Background()); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(map[string]int64{"pst_1": 2, "pst_2": 1}, counts); diff != "" {
		t.Errorf("counts (-want +got):\n%s", diff)
	}
	for range clicks.QueueSize + 1 {
		c.Click("pst_3", t0)
	}
	if diff := cmp.Diff(map[string]int{clicks.OutcomeCounted: 3, clicks.OutcomeRepeat: 1, clicks.OutcomeDropped: 1}, outcomes); diff != "" {
		t.Errorf("outcomes (-want +got):\n%s", diff)
	}
}

// exerciseRepeats is what every Repeats does, asked by one process and
// then another (one and two may be the same): a client's click on a link
// counts once within the window; another client's, or on another link,
// is first.
func exerciseRepeats(t *testing.T, one, two clicks.Repeats) {
	t.Helper()
	ctx := context.Background()
	const win = 10 * time.Minute
	if !one.First(ctx, t0, win, "203.0.113.7", "Instagram 300", "pst_1") {
		t.Fatal("the first click is not first")
	}
	if two.First(ctx, t0.Add(time.Minute), win, "203.0.113.7", "Instagram 300", "pst_1") {
		t.Error("a repeat a minute later is first")
	}
	if !two.First(ctx, t0.Add(time.Minute), win, "203.0.113.8", "Instagram 300", "pst_1") {
		t.Error("another client's click is a repeat")
	}
	if !one.First(ctx, t0.Add(time.Minute), win, "203.0.113.7", "Instagram 300", "pst_2") {
		t.Error("another product's click is a repeat")
	}
	// The parts are kept apart: "ab"+"c" is not "a"+"bc".
	if !one.First(ctx, t0, win, "a", "bc") || !two.First(ctx, t0, win, "ab", "c") {
		t.Error("parts run into each other")
	}
}

func TestMemoryRepeatsWithinTheWindow(t *testing.T) {
	r := clicks.NewMemory()
	exerciseRepeats(t, r, r)
	if !r.First(context.Background(), t0.Add(10*time.Minute), 10*time.Minute, "203.0.113.7", "Instagram 300", "pst_1") {
		t.Error("a click after the window is a repeat")
	}
}

// Preview robots and crawlers are told apart from people, in-app
// browsers included.
func TestRobot(t *testing.T) {
	for ua, want := range map[string]bool{
		"facebookexternalhit/1.1 (+http://www.facebook.com/externalhit_uatext.php)":                 true,
		"Mozilla/5.0 (compatible; Facebot/1.0)":                                                     true,
		"meta-externalagent/1.1 (+https://developers.facebook.com/docs/sharing/webmasters/crawler)": true,
		"WhatsApp/2.23.20.0 A":                                       true,
		"WhatsApp/2.24.21.88 A":                                      true,
		"WhatsApp/2.23.20.0 i":                                       true,
		"TelegramBot (like TwitterBot)":                              true,
		"Slackbot-LinkExpanding 1.0 (+https://api.slack.com/robots)": true,
		"Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)":              true,
		"Mozilla/5.0 (compatible; Discordbot/2.0; +https://discordapp.com)":                     true,
		"LinkedInBot/1.0 (compatible; Mozilla/5.0; Apache-HttpClient +http://www.linkedin.com)": true,
		"Mozilla/5.0 (compatible; DuckDuckBot-Https/1.1; https://duckduckgo.com/duckduckbot)":   true,
		"Mozilla/5.0 (Linux; Android 11; moto g power (2022)) Google-Read-Aloud":                true,
		"Twitterbot/1.0": true,
		"":               true,
		"  ":             true,
		"Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148 Instagram 340.0.0.22.109 (iPhone14,5; iOS 17_5; id_ID; id; scale=3.00; 1170x2532; 623449563)":                                                                                                                     false,
		"Mozilla/5.0 (Linux; Android 13; SM-A145F Build/TP1A.220624.014; wv) AppleWebKit/537.36 (KHTML, like Gecko) Version/4.0 Chrome/120.0.6099.230 Mobile Safari/537.36 [FB_IAB/FB4A;FBAV/447.0.0.33.107;]":                                                                                                                           false,
		"Mozilla/5.0 (Linux; Android 13; CUBOT P80) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0 Mobile Safari/537.36 [FBAN/EMA;FBLC/id_ID;FBAV/380.0.0.10.112;]":                                                                                                                                                                 false,
		"Mozilla/5.0 (Linux; Android 12; V2111 Build/SP1A.210812.003; wv) AppleWebKit/537.36 (KHTML, like Gecko) Version/4.0 Chrome/112.0.5615.136 Mobile Safari/537.36 trill_320604 JsSdk/1.0 NetType/WIFI Channel/googleplay AppName/musical_ly app_version/32.6.4 ByteLocale/id ByteFullLocale/id Region/ID BytedanceWebview/d8a21c6": false,
		"Mozilla/5.0 (Linux; Android 14) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Mobile Safari/537.36":                                                                                                                                                                                                                   false,
	} {
		if got := clicks.Robot(ua); got != want {
			t.Errorf("Robot(%q) = %v, want %v", ua, got, want)
		}
	}
}

// The requests that are not a person's click, whatever link they ask for.
func TestNotCounted(t *testing.T) {
	const phone = "Mozilla/5.0 (Linux; Android 14) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Mobile Safari/537.36"
	for _, tc := range []struct {
		method, ua string
		headers    []string
		want       string
	}{
		{"GET", phone, nil, ""},
		{"HEAD", phone, nil, clicks.OutcomeHead},
		{"GET", "WhatsApp/2.23.20.0 A", nil, clicks.OutcomeRobot},
		{"GET", "", nil, clicks.OutcomeRobot},
		{"GET", phone, []string{"Sec-Purpose", "prefetch;prerender"}, clicks.OutcomePrefetch},
		{"GET", phone, []string{"Purpose", "prefetch"}, clicks.OutcomePrefetch},
		{"GET", phone, []string{"X-Moz", "prefetch"}, clicks.OutcomePrefetch},
	} {
		r := httptest.NewRequest(tc.method, "/o/7k2m9qa", nil)
		r.Header.Set("User-Agent", tc.ua)
		for i := 0; i+1 < len(tc.headers); i += 2 {
			r.Header.Set(tc.headers[i], tc.headers[i+1])
		}
		if got := clicks.NotCounted(r); got != tc.want {
			t.Errorf("%s %q %v: %q, want %q", tc.method, tc.ua, tc.headers, got, tc.want)
		}
	}
}
