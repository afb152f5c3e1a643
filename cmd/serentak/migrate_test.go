package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"regexp"
	"testing"
)

// serentak migrate status lists the migrations without applying them;
// serentak migrate applies them; anything else after migrate is refused
// before the database is touched.
func TestMigrateCommand(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	db := filepath.Join(dir, "serentak.db")
	env := map[string]string{"SERENTAK_DATA_DIR": dir, "SERENTAK_DATABASE_URL": db, "SERENTAK_SECRET_KEY": "test-secret-key", "SERENTAK_CONFIG": os.DevNull}
	serentak := func(args ...string) (string, error) {
		var out bytes.Buffer
		err := run(context.Background(), args, func(k string) string { return env[k] }, &out, nil)
		return out.String(), err
	}

	if _, err := serentak("migrate", "sideways"); err == nil {
		t.Error("migrate sideways succeeded")
	}
	if _, err := os.Stat(db); !os.IsNotExist(err) {
		t.Errorf("a refused migrate touched the database: %v", err)
	}

	out, err := serentak("migrate", "status")
	if err != nil {
		t.Fatal(err)
	}
	if want := "VERSION  NAME                          APPLIED\n0001     initial                       pending\n0002     delivery_warnings             pending\n0003     key_roles                     pending\n0004     users                         pending\n0005     approval                      pending\n0006     audit                         pending\n0007     webhooks                      pending\n0008     organizations                 pending\n0009     queue                         pending\n0010     post_lifecycle                pending\n0011     notifications                 pending\n0012     calendar_and_account_removal  pending\n0013     trace_parent                  pending\n0014     oauth_return_to               pending\n0015     order_links                   pending\n0016     published_deliveries          pending\n0017     autovacuum                    pending\n"; out != want {
		t.Errorf("migrate status on a new database:\n%s\nwant\n%s", out, want)
	}
	if _, err := serentak("migrate"); err != nil {
		t.Fatal(err)
	}
	out, err = serentak("migrate", "status")
	if err != nil {
		t.Fatal(err)
	}
	if !regexp.MustCompile(`^VERSION  NAME                          APPLIED\n0001     initial                       \d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ\n0002     delivery_warnings             \d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ\n0003     key_roles                     \d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ\n0004     users                         \d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ\n0005     approval                      \d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ\n0006     audit                         \d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ\n0007     webhooks                      \d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ\n0008     organizations                 \d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ\n0009     queue                         \d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ\n0010     post_lifecycle                \d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ\n0011     notifications                 \d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ\n0012     calendar_and_account_removal  \d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ\n0013     trace_parent                  \d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ\n0014     oauth_return_to               \d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ\n0015     order_links                   \d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ\n0016     published_deliveries          \d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ\n0017     autovacuum                    \d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ\n$`).MatchString(out) {
		t.Errorf("migrate status after migrate:\n%s", out)
	}
}
