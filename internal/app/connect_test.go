package app

import (
	"context"
	"testing"

	"github.com/serentak/serentak"
	"github.com/serentak/serentak/config"
	"github.com/serentak/serentak/gormstore/storetest"
)

// The connectors exist exactly for the platforms whose OAuth app is
// configured, and the keeper refreshes through the publishers (YouTube,
// TikTok) and Instagram Login's connector.
func TestOAuthWiring(t *testing.T) {
	t.Chdir(t.TempDir())
	cfg, err := config.Load(func(k string) string {
		return map[string]string{
			"SERENTAK_YOUTUBE_CLIENT_ID": "yt-id", "SERENTAK_YOUTUBE_CLIENT_SECRET": "yt-secret",
			"SERENTAK_INSTAGRAM_CLIENT_ID": "ig-id", "SERENTAK_INSTAGRAM_CLIENT_SECRET": "ig-secret",
		}[k]
	})
	if err != nil {
		t.Fatal(err)
	}
	store := storetest.New(t)
	pubs, err := newPublishers(cfg, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	o, err := newOAuthParts(cfg, store, pubs, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	conns := o.apiConnectors()
	if len(conns) != 2 || conns[serentak.YouTube] == nil || conns[serentak.Instagram] == nil {
		t.Fatalf("connectors %v, want YouTube and Instagram only", conns)
	}
	if got := o.connectors[serentak.YouTube].RedirectURL(); got != "http://localhost:8080/v1/oauth/youtube/callback" {
		t.Errorf("YouTube redirect URL %q", got)
	}
	if o.connectors[serentak.Instagram].Refresher() == nil {
		t.Errorf("Instagram Login (the default) has no refresher")
	}
	if h, err := o.accountHealth(context.Background(), "ws_none"); err != nil || len(h) != 0 {
		t.Errorf("accountHealth = %v, %v", h, err)
	}
}
