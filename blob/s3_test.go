package blob

import (
	"bytes"
	"context"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/serentak/serentak/blob/s3test"
)

func newTestS3(t *testing.T, partSize uint64) (*S3, *s3test.Server) {
	f, srv := s3test.New(t)
	cfg, err := ParseS3URL(s3test.URL(srv, "serentak"))
	if err != nil {
		t.Fatal(err)
	}
	cfg.Transport = srv.Client().Transport
	cfg.PartSize = partSize
	s, err := NewS3(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return s, f
}

func TestParseS3URL(t *testing.T) {
	tests := []struct {
		raw  string
		want S3Config
		err  bool
	}{
		{raw: "s3://AK:SK@minio:9000/media", want: S3Config{Endpoint: "minio:9000", Bucket: "media", AccessKey: "AK", SecretKey: "SK"}},
		{raw: "http://AK:S%2FK@127.0.0.1:9000/media/serentak/?region=id-jkt-1", want: S3Config{Endpoint: "127.0.0.1:9000", Bucket: "media",
			AccessKey: "AK", SecretKey: "S/K", Region: "id-jkt-1", Insecure: true, Prefix: "serentak/"}},
		{raw: "https://AK:SK@s3.ap-southeast-3.amazonaws.com/toko?virtual_host=true&region=ap-southeast-3", want: S3Config{
			Endpoint: "s3.ap-southeast-3.amazonaws.com", Bucket: "toko", AccessKey: "AK", SecretKey: "SK", Region: "ap-southeast-3", VirtualHost: true}},
		{raw: "s3://minio:9000/media", err: true},         // no credentials
		{raw: "s3://AK:SK@minio:9000/", err: true},        // no bucket
		{raw: "ftp://AK:SK@minio/media", err: true},       // scheme
		{raw: "s3://AK:SK@m/b?insecure=maybe", err: true}, // not a bool
	}
	for _, tt := range tests {
		got, err := ParseS3URL(tt.raw)
		if (err != nil) != tt.err {
			t.Errorf("ParseS3URL(%q) error = %v, want error %v", tt.raw, err, tt.err)
			continue
		}
		if !tt.err && got != tt.want {
			t.Errorf("ParseS3URL(%q) = %+v\nwant %+v", tt.raw, got, tt.want)
		}
	}
}

func TestS3PutOpenDelete(t *testing.T) {
	ctx := context.Background()
	s, f := newTestS3(t, 5<<20)
	// 12 MiB of unknown length: streamed in 5 MiB parts under the prefix.
	data := bytes.Repeat([]byte("0123456789abcdef"), 12<<16)
	n, err := s.Put(ctx, "med_video", bytes.NewReader(data), 64<<20)
	if err != nil || n != int64(len(data)) {
		t.Fatalf("Put = %d, %v", n, err)
	}
	want := []string{
		"POST /media-bucket/serentak/med_video?uploads",
		"PUT /media-bucket/serentak/med_video?partNumber&uploadId",
		"PUT /media-bucket/serentak/med_video?partNumber&uploadId",
		"PUT /media-bucket/serentak/med_video?partNumber&uploadId",
		"POST /media-bucket/serentak/med_video?uploadId",
	}
	if got := f.Requests(); strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Fatalf("requests:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}

	rc, size, mod, err := s.Open(ctx, "med_video")
	if err != nil {
		t.Fatal(err)
	}
	defer rc.Close()
	if size != int64(len(data)) || !mod.Equal(time.Date(2026, 5, 1, 10, 0, 0, 0, time.UTC)) {
		t.Fatalf("Open: size %d, modified %v", size, mod)
	}
	// Seek and read: a ranged GET, as public links with Range and
	// media.Inspect do.
	if _, err := rc.Seek(1<<20, io.SeekStart); err != nil {
		t.Fatal(err)
	}
	buf := make([]byte, 16)
	if _, err := io.ReadFull(rc, buf); err != nil || !bytes.Equal(buf, data[1<<20:1<<20+16]) {
		t.Fatalf("read after seek = %q, %v", buf, err)
	}

	if err := s.Delete(ctx, "med_video"); err != nil {
		t.Fatal(err)
	}
	if _, _, _, err := s.Open(ctx, "med_video"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("Open after Delete = %v, want ErrNotFound", err)
	}
	if err := s.Delete(ctx, "med_never"); err != nil {
		t.Fatalf("Delete of a missing key = %v", err)
	}
	if _, err := s.Put(ctx, "../escape", bytes.NewReader(data), 1<<30); err == nil {
		t.Fatal("Put accepted a key with a slash")
	}
}

func TestS3PutTooLargeAborts(t *testing.T) {
	s, f := newTestS3(t, 5<<20)
	data := bytes.Repeat([]byte{1}, 7<<20)
	if _, err := s.Put(context.Background(), "med_big", bytes.NewReader(data), 6<<20); !errors.Is(err, ErrTooLarge) {
		t.Fatalf("Put over the limit = %v, want ErrTooLarge", err)
	}
	if objects, open, aborted := f.Counts(); objects != 0 || open != 0 || aborted != 1 {
		t.Fatalf("after a refused Put: %d objects, %d open uploads, %d aborted; want 0, 0, 1", objects, open, aborted)
	}
}

// A finished resumable upload is a file of known length: one PUT, no
// multipart round trips, when it fits one part.
func TestS3PutFile(t *testing.T) {
	s, f := newTestS3(t, 5<<20)
	path := filepath.Join(t.TempDir(), "upload.part")
	data := bytes.Repeat([]byte("x"), 100_000)
	if err := os.WriteFile(path, data, 0o600); err != nil {
		t.Fatal(err)
	}
	file, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer file.Close()
	if n, err := s.Put(context.Background(), "med_file", file, 1<<20); err != nil || n != int64(len(data)) {
		t.Fatalf("Put(file) = %d, %v", n, err)
	}
	if got := f.Requests(); len(got) != 1 || got[0] != "PUT /media-bucket/serentak/med_file?" {
		t.Fatalf("requests = %v, want one PUT", got)
	}
	if got, _ := f.Object("serentak/med_file"); !bytes.Equal(got, data) {
		t.Fatal("stored bytes differ")
	}
}
