package app

import (
	"context"
	"io"

	"github.com/serentak/serentak/config"
)

// Migrate is `serentak migrate`: it creates or updates the database schema
// and returns. Like serve it may generate the secret key, so a fresh
// install can migrate before it first starts.
func Migrate(ctx context.Context, cfg config.Config, out io.Writer) error {
	log := newLogger(out, cfg.LogLevel)
	secret, err := secretKey(cfg, true, log)
	if err != nil {
		return err
	}
	store, err := openStore(ctx, cfg, secret, true) // every table, even on a current schema
	if err != nil {
		return err
	}
	defer store.Close()
	log.Info("database schema is up to date")
	return nil
}
