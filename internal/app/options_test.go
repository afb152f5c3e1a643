package app

import (
	"testing"

	"github.com/serentak/serentak"
	"github.com/serentak/serentak/config"
	"github.com/serentak/serentak/gormstore/storetest"
	"github.com/serentak/serentak/metrics"
)

// The API asks TikTok what an account can choose (creator_info) through
// the TikTok publisher, and gets the install's TikTok and YouTube settings
// that target options depend on.
func TestAPIOptionsWiring(t *testing.T) {
	t.Chdir(t.TempDir())
	cfg, err := config.Load(func(k string) string {
		return map[string]string{"SERENTAK_YOUTUBE_PRIVACY": "unlisted", "SERENTAK_TIKTOK_PULL_FROM_URL": "true"}[k]
	})
	if err != nil {
		t.Fatal(err)
	}
	store := storetest.New(t)
	pubs, err := newPublishers(cfg, nil, nil) // nil: this publisher counts its own YouTube uploads
	if err != nil {
		t.Fatal(err)
	}
	o, err := newOAuthParts(cfg, store, pubs, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	a := &App{Config: cfg, store: store, publishers: pubs, oauth: o, metrics: metrics.New()}
	c := a.apiConfig("op-key", nil)
	if r := c.OptionsReaders[serentak.TikTok]; r == nil || any(r) != any(pubs[serentak.TikTok]) {
		t.Errorf("TikTok's options reader = %v, want the TikTok publisher", r)
	}
	if c.YouTubePrivacy != "unlisted" || !c.TikTokPullFromURL {
		t.Errorf("YouTubePrivacy %q, TikTokPullFromURL %v", c.YouTubePrivacy, c.TikTokPullFromURL)
	}
}
