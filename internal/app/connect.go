package app

import (
	"context"
	"fmt"
	"log/slog"

	"go.opentelemetry.io/otel/trace"

	"github.com/serentak/serentak"
	"github.com/serentak/serentak/api"
	"github.com/serentak/serentak/config"
	"github.com/serentak/serentak/connect"
	"github.com/serentak/serentak/gormstore"
	"github.com/serentak/serentak/keepalive"
)

// oauthParts is the wiring of connecting accounts and keeping them
// connected: one Connector per platform whose OAuth app is configured, and
// the Keeper that refreshes tokens and runs the pre-flight checks.
type oauthParts struct {
	connectors map[serentak.Platform]*connect.Connector
	keeper     *keepalive.Keeper
	store      *gormstore.Store
}

func newOAuthParts(cfg config.Config, store *gormstore.Store, publishers map[serentak.Platform]serentak.Publisher, log *slog.Logger, tp trace.TracerProvider) (*oauthParts, error) {
	o := &oauthParts{connectors: map[serentak.Platform]*connect.Connector{}, store: store}
	base := func(oc config.OAuth, apiURL string) connect.Config {
		return connect.Config{
			Store: store, ClientID: oc.ClientID, ClientSecret: oc.ClientSecret,
			AuthURL: oc.AuthURL, TokenURL: oc.TokenURL, PublicURL: cfg.PublicURL,
			APIURL: apiURL, Version: cfg.FacebookVersion, Logger: log, TracerProvider: tp,
		}
	}
	builders := []struct {
		p     serentak.Platform
		oc    config.OAuth
		build func() (*connect.Connector, error)
	}{
		{serentak.Facebook, cfg.Facebook, func() (*connect.Connector, error) {
			c := base(cfg.Facebook, cfg.FacebookAPIURL)
			c.ConfigID = cfg.FacebookConfigID
			return connect.NewFacebook(c)
		}},
		{serentak.Instagram, cfg.Instagram, func() (*connect.Connector, error) {
			return connect.NewInstagram(base(cfg.Instagram, cfg.InstagramAPIURL), connect.InstagramLogin(cfg.InstagramLogin))
		}},
		{serentak.YouTube, cfg.YouTube, func() (*connect.Connector, error) {
			return connect.NewYouTube(base(cfg.YouTube, cfg.YouTubeAPIURL))
		}},
		{serentak.TikTok, cfg.TikTok, func() (*connect.Connector, error) {
			return connect.NewTikTok(base(cfg.TikTok, cfg.TikTokAPIURL))
		}},
	}
	for _, b := range builders {
		if !b.oc.Configured() {
			continue
		}
		c, err := b.build()
		if err != nil {
			return nil, fmt.Errorf("%s OAuth: %w", b.p.DisplayName(), err)
		}
		o.connectors[b.p] = c
	}

	k, err := newKeeper(cfg, store, publishers, o.connectors, log, tp)
	if err != nil {
		return nil, err
	}
	o.keeper = k
	return o, nil
}

// newKeeper builds the Keeper. Refreshes go through the publishers'
// refreshers where they have one, so the worker and the keeper share the
// TikTok adapter's in-process de-duplication of rotating refreshes.
func newKeeper(cfg config.Config, store *gormstore.Store, publishers map[serentak.Platform]serentak.Publisher,
	connectors map[serentak.Platform]*connect.Connector, log *slog.Logger, tp trace.TracerProvider) (*keepalive.Keeper, error) {
	refreshers := map[serentak.Platform]serentak.TokenRefresher{}
	for p, pub := range publishers {
		if r, ok := pub.(serentak.TokenRefresher); ok {
			refreshers[p] = r
		}
	}
	verifiers := map[serentak.Platform]keepalive.Verifier{}
	for p, c := range connectors {
		verifiers[p] = c
		if r := c.Refresher(); r != nil && refreshers[p] == nil {
			refreshers[p] = r
		}
	}
	return keepalive.New(keepalive.Config{
		Store: store, Refreshers: refreshers, Verifiers: verifiers, Preflight: cfg.Preflight, Logger: log,
		TracerProvider: tp,
	})
}

// apiConnectors is the connectors as the API sees them.
func (o *oauthParts) apiConnectors() map[serentak.Platform]api.Connector {
	out := make(map[serentak.Platform]api.Connector, len(o.connectors))
	for p, c := range o.connectors {
		out[p] = c
	}
	return out
}

// accountHealth feeds the accounts' scopes, last check and last error to
// the API.
func (o *oauthParts) accountHealth(ctx context.Context, workspaceID string) (map[string]serentak.AccountHealth, error) {
	return o.store.FindAccountHealth(ctx, workspaceID)
}
