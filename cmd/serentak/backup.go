package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"time"

	"github.com/serentak/serentak/config"
	"github.com/serentak/serentak/internal/app"
)

// backup is `serentak backup [-o FILE] [-without-keys]`: a consistent copy
// of the embedded SQLite database, taken while serve runs, with the keys
// and media that must be kept with it (docs/backups.md).
func backup(ctx context.Context, args []string, getenv func(string) string, stdout io.Writer) error {
	fs := flag.NewFlagSet("backup", flag.ContinueOnError)
	fs.SetOutput(stdout)
	dest := fs.String("o", "", "the archive to write, a new file (default: serentak-backup-<UTC time>.tar.gz here)")
	withoutKeys := fs.Bool("without-keys", false, "leave the secret and operator keys out (keep them elsewhere: without the secret key the tokens are lost)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("backup takes flags only, not %q (the file is -o FILE)", fs.Arg(0))
	}
	if *dest == "" {
		*dest = "serentak-backup-" + time.Now().UTC().Format("20060102T150405Z") + ".tar.gz"
	}
	cfg, err := config.Load(getenv)
	if err != nil {
		return err
	}
	return app.Backup(ctx, cfg, *dest, *withoutKeys, stdout)
}

// restore is `serentak restore FILE`: a backup into a new data directory.
func restore(ctx context.Context, args []string, getenv func(string) string, stdout io.Writer) error {
	if len(args) != 1 || args[0] == "" || args[0][0] == '-' {
		return errors.New("usage: serentak restore FILE (a backup made by serentak backup; restored into SERENTAK_DATA_DIR, which must be new)")
	}
	cfg, err := config.Load(getenv)
	if err != nil {
		return err
	}
	return app.Restore(ctx, cfg, args[0], stdout)
}
