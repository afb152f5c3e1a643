package media

import (
	"bytes"
	"context"
	"errors"
	"io"
	"os"
	"testing"
	"time"
)

// Two Uploads on one directory are two API processes sharing a volume:
// one sees the bytes the other wrote, and while one writes an upload the
// other cannot (it waits, then says busy; it does not take over a request
// it cannot stop), and afterwards finds the offset moved.
func TestUploadsShareADirectory(t *testing.T) {
	dir := t.TempDir()
	a := &Uploads{Dir: dir, MaxBytes: 1 << 20, TakeoverWait: 200 * time.Millisecond}
	b := &Uploads{Dir: dir, MaxBytes: 1 << 20, TakeoverWait: 200 * time.Millisecond}
	png := append([]byte("\x89PNG\r\n\x1a\n"), bytes.Repeat([]byte{7}, 2000)...)
	up, err := a.Create("ws_1", int64(len(png)))
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	if _, err := b.Write(ctx, "ws_1", up.ID, 0, bytes.NewReader(png[:600]), nil); err != nil {
		t.Fatal(err)
	}
	if got, err := a.Find("ws_1", up.ID); err != nil || got.Offset != 600 || got.ContentType != "image/png" {
		t.Fatalf("the other process finds %+v, %v; want offset 600, image/png", got, err)
	}

	// a writes from a body that stalls half-way.
	pr, pw := io.Pipe()
	done := make(chan error, 1)
	go func() {
		_, err := a.Write(ctx, "ws_1", up.ID, 600, pr, func() { t.Error("a was asked to stop by another process") })
		done <- err
	}()
	pw.Write(png[600:1000])
	_, err = b.Write(ctx, "ws_1", up.ID, 600, bytes.NewReader(png[600:1000]), nil)
	if !errors.Is(err, ErrUploadBusy) {
		t.Fatalf("b writing while a does = %v, want ErrUploadBusy", err)
	}
	pw.Close()
	if err := <-done; err != nil {
		t.Fatalf("a's write = %v", err)
	}
	var off *OffsetError
	if _, err := b.Write(ctx, "ws_1", up.ID, 600, bytes.NewReader(png[600:1000]), nil); !errors.As(err, &off) || off.Want != 1000 {
		t.Fatalf("b at the old offset after a's write = %v, want OffsetError{Want: 1000}", err)
	}
	got, err := b.Write(ctx, "ws_1", up.ID, 1000, bytes.NewReader(png[1000:]), nil)
	if err != nil || got.Offset != int64(len(png)) {
		t.Fatalf("b's last chunk = %+v, %v", got, err)
	}
	fin, err := a.Finish(ctx, "ws_1", up.ID, func(path string, _ Upload) (string, error) {
		raw, err := os.ReadFile(path)
		if err != nil || !bytes.Equal(raw, png) {
			t.Errorf("assembled %d bytes (%v), want the %d sent", len(raw), err, len(png))
		}
		return "med_1", nil
	})
	if err != nil || fin.MediaID != "med_1" {
		t.Fatalf("Finish = %+v, %v", fin, err)
	}
	if got, err := b.Find("ws_1", up.ID); err != nil || got.MediaID != "med_1" {
		t.Fatalf("the other process after Finish: %+v, %v", got, err)
	}
}

// Every API process sweeps the shared directory; an upload another
// process is writing is left alone, even past its time, until it is done.
func TestSweepLeavesAnUploadAnotherProcessWrites(t *testing.T) {
	dir := t.TempDir()
	past := &Uploads{Dir: dir, MaxBytes: 1 << 20, Now: func() time.Time { return time.Now().Add(-48 * time.Hour) }}
	now := &Uploads{Dir: dir, MaxBytes: 1 << 20}
	png := append([]byte("\x89PNG\r\n\x1a\n"), bytes.Repeat([]byte{7}, 2000)...)
	up, err := past.Create("ws_1", int64(len(png)))
	if err != nil {
		t.Fatal(err)
	}
	pr, pw := io.Pipe()
	done := make(chan error, 1)
	go func() {
		_, err := past.Write(context.Background(), "ws_1", up.ID, 0, pr, nil)
		done <- err
	}()
	pw.Write(png[:100]) // past holds the upload now
	if n, err := now.Sweep(); err != nil || n != 0 {
		t.Fatalf("Sweep while another process writes = %d, %v; want 0 removed", n, err)
	}
	pw.Close()
	if err := <-done; err != nil {
		t.Fatalf("the write = %v", err)
	}
	if n, err := now.Sweep(); err != nil || n != 1 {
		t.Fatalf("Sweep once it is done = %d, %v; want 1 removed", n, err)
	}
}
