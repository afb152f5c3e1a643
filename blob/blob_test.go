package blob

import (
	"bytes"
	"context"
	"errors"
	"io"
	"os"
	"strings"
	"testing"
)

func TestDiskPutOpenDelete(t *testing.T) {
	ctx := context.Background()
	d := &Disk{Dir: t.TempDir()}
	n, err := d.Put(ctx, "med_abc", strings.NewReader("hello"), 5)
	if err != nil || n != 5 {
		t.Fatalf("Put = %d, %v; want 5, nil", n, err)
	}
	rc, size, _, err := d.Open(ctx, "med_abc")
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(rc)
	rc.Close()
	if string(b) != "hello" || size != 5 {
		t.Fatalf("Open = %q (%d), want hello (5)", b, size)
	}
	if err := d.Delete(ctx, "med_abc"); err != nil {
		t.Fatal(err)
	}
	if _, _, _, err := d.Open(ctx, "med_abc"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("Open after Delete: %v, want ErrNotFound", err)
	}
	if err := d.Delete(ctx, "med_abc"); err != nil {
		t.Fatalf("Delete of a missing key: %v", err)
	}
}

func TestDiskPutTooLargeKeepsNothing(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	d := &Disk{Dir: dir}
	_, err := d.Put(ctx, "med_big", bytes.NewReader(make([]byte, 11)), 10)
	if !errors.Is(err, ErrTooLarge) {
		t.Fatalf("Put of 11 bytes with limit 10: %v, want ErrTooLarge", err)
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 0 {
		t.Fatalf("files left after a refused Put: %v", entries)
	}
}

func TestDiskRejectsTraversal(t *testing.T) {
	ctx := context.Background()
	d := &Disk{Dir: t.TempDir()}
	for _, key := range []string{"", "../x", "a/b", `a\b`, ".hidden", "..", "a b", strings.Repeat("a", 201)} {
		if _, err := d.Put(ctx, key, strings.NewReader("x"), 10); err == nil {
			t.Errorf("Put(%q) succeeded, want refused", key)
		}
		if _, _, _, err := d.Open(ctx, key); err == nil || errors.Is(err, ErrNotFound) {
			t.Errorf("Open(%q) = %v, want an invalid-key error", key, err)
		}
	}
}
