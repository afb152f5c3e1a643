package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/serentak/serentak/gormstore"
)

// checkMigrateArgs refuses anything after migrate but "status", before
// the database is opened (which applies the pending migrations).
func checkMigrateArgs(args []string) error {
	if len(args) == 0 || len(args) == 1 && args[0] == "status" {
		return nil
	}
	return fmt.Errorf("migrate takes no argument, or status; not %q", strings.Join(args, " "))
}

// isMigrateStatus reports whether args are `migrate status`, which opens
// the database without applying the pending migrations it lists.
func isMigrateStatus(args []string) bool {
	return len(args) == 2 && args[0] == "migrate" && args[1] == "status"
}

// migrateCommand finishes `serentak migrate [status]` on the open store:
// opening it applied the pending migrations, unless the command is
// migrate status, which lists them.
func migrateCommand(ctx context.Context, store *gormstore.Store, args []string, stdout io.Writer, log *slog.Logger) error {
	if !isMigrateStatus(args) {
		log.Info("database schema is up to date")
		return nil
	}
	ms, err := store.MigrationStatus(ctx)
	if err != nil {
		return err
	}
	return printMigrations(stdout, ms)
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
