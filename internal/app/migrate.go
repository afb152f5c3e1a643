package app

import (
	"context"
	"fmt"
	"io"
	"text/tabwriter"
	"time"

	"github.com/serentak/serentak/config"
	"github.com/serentak/serentak/gormstore"
)

// Migrate is `serentak migrate`: opening the store applies the pending
// schema migrations, under a lock, and it returns. With status it lists
// the migrations, applied or pending, and applies none. Like serve it may
// generate the secret key, so a fresh install can migrate before it first
// starts.
func Migrate(ctx context.Context, cfg config.Config, status bool, out io.Writer) error {
	log := newLogger(out, cfg.LogLevel)
	secret, err := secretKey(cfg, true, log)
	if err != nil {
		return err
	}
	store, err := openStore(ctx, cfg, secret, status)
	if err != nil {
		return err
	}
	defer store.Close()
	if !status {
		log.Info("database schema is up to date")
		return nil
	}
	ms, err := store.MigrationStatus(ctx)
	if err != nil {
		return err
	}
	return printMigrations(out, ms)
}

// printMigrations writes one line per migration: its version, its name,
// and when it was applied or "pending".
func printMigrations(w io.Writer, ms []gormstore.Migration) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "VERSION\tNAME\tAPPLIED")
	for _, m := range ms {
		applied := "pending"
		if !m.AppliedAt.IsZero() {
			applied = m.AppliedAt.UTC().Format(time.RFC3339)
		}
		fmt.Fprintf(tw, "%04d\t%s\t%s\n", m.Version, m.Name, applied)
	}
	return tw.Flush()
}
