package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// serentak prune makes one retention pass on the configured database and
// says what it pruned.
func TestPruneCommand(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	env := map[string]string{"SERENTAK_DATA_DIR": dir, "SERENTAK_DATABASE_URL": filepath.Join(dir, "serentak.db"),
		"SERENTAK_SECRET_KEY": "test-secret-key", "SERENTAK_CONFIG": os.DevNull, "SERENTAK_RETENTION": "48h"}
	var out bytes.Buffer
	if err := run(context.Background(), []string{"prune"}, func(k string) string { return env[k] }, &out, nil); err != nil {
		t.Fatal(err)
	}
	if got := out.String(); !strings.Contains(got, "(retention 48h0m0s): 0 checkpoints, 0 webhook messages") {
		t.Errorf("serentak prune printed %q", got)
	}
}
