package clicks_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/serentak/serentak/clicks"
)

func TestCounterFlushesSumsAndKeepsThemOnFailure(t *testing.T) {
	var got []map[string]int64
	fail := true
	c := clicks.NewCounter(func(ctx context.Context, counts map[string]int64) error {
		if fail {
			return errors.New("database down")
		}
		got = append(got, counts)
		return nil
	}, time.Hour, nil)
	c.Add("a")
	c.Add("a")
	c.Add("b")
	if err := c.Flush(context.Background()); err == nil {
		t.Fatal("a failed flush says nothing")
	}
	c.Add("a") // while the database is down
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
}

func TestCounterRunFlushesWhatIsLeftWhenStopped(t *testing.T) {
	done := make(chan map[string]int64, 1)
	c := clicks.NewCounter(func(ctx context.Context, counts map[string]int64) error {
		done <- counts
		return nil
	}, time.Hour, nil)
	ctx, stop := context.WithCancel(context.Background())
	ran := make(chan error)
	go func() { ran <- c.Run(ctx) }()
	c.Add("x")
	stop()
	if err := <-ran; err != nil {
		t.Fatal(err)
	}
	if got := <-done; got["x"] != 1 {
		t.Errorf("last flush = %v, want x:1", got)
	}
}

func TestRepeatsWithinTheWindow(t *testing.T) {
	r := clicks.NewRepeats(10 * time.Minute)
	t0 := time.Date(2026, 12, 4, 9, 0, 0, 0, time.UTC)
	if !r.First(t0, "203.0.113.7", "Instagram 300", "pst_1") {
		t.Fatal("the first click is not first")
	}
	if r.First(t0.Add(time.Minute), "203.0.113.7", "Instagram 300", "pst_1") {
		t.Error("a repeat a minute later is first")
	}
	if !r.First(t0.Add(time.Minute), "203.0.113.7", "Instagram 300", "pst_2") {
		t.Error("another product's click is a repeat")
	}
	if !r.First(t0.Add(10*time.Minute), "203.0.113.7", "Instagram 300", "pst_1") {
		t.Error("a click after the window is a repeat")
	}
	// The parts are kept apart: "ab"+"c" is not "a"+"bc".
	if !r.First(t0, "a", "bc") || !r.First(t0, "ab", "c") {
		t.Error("parts run into each other")
	}
}

func TestRobot(t *testing.T) {
	for ua, want := range map[string]bool{
		"facebookexternalhit/1.1 (+http://www.facebook.com/externalhit_uatext.php)": true,
		"WhatsApp/2.23.20.0 A":                                                     true,
		"TelegramBot (like TwitterBot)":                                            true,
		"Slackbot-LinkExpanding 1.0 (+https://api.slack.com/robots)":               true,
		"Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)": true,
		"Twitterbot/1.0": true,
		"":               true,
		"Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148 Instagram 340.0.0.22.109 (iPhone14,5; iOS 17_5; id_ID; id; scale=3.00; 1170x2532; 623449563)":                                                                                                                     false,
		"Mozilla/5.0 (Linux; Android 13; SM-A145F Build/TP1A.220624.014; wv) AppleWebKit/537.36 (KHTML, like Gecko) Version/4.0 Chrome/120.0.6099.230 Mobile Safari/537.36 [FB_IAB/FB4A;FBAV/447.0.0.33.107;]":                                                                                                                           false,
		"Mozilla/5.0 (Linux; Android 12; V2111 Build/SP1A.210812.003; wv) AppleWebKit/537.36 (KHTML, like Gecko) Version/4.0 Chrome/112.0.5615.136 Mobile Safari/537.36 trill_320604 JsSdk/1.0 NetType/WIFI Channel/googleplay AppName/musical_ly app_version/32.6.4 ByteLocale/id ByteFullLocale/id Region/ID BytedanceWebview/d8a21c6": false,
		"Mozilla/5.0 (Linux; Android 14) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Mobile Safari/537.36":                                                                                                                                                                                                                   false,
	} {
		if got := clicks.Robot(ua); got != want {
			t.Errorf("Robot(%q) = %v, want %v", ua, got, want)
		}
	}
}
