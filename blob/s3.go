package blob

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/minio/minio-go/v7"
	"github.com/minio/minio-go/v7/pkg/credentials"
)

// S3Config names an S3-compatible bucket (AWS S3, MinIO, Cloudflare R2,
// …).
type S3Config struct {
	// Endpoint is host[:port], without a scheme.
	Endpoint  string
	Bucket    string
	AccessKey string
	SecretKey string
	// Region defaults to us-east-1 (MinIO's); setting it saves the
	// bucket-location request before the first call.
	Region string
	// Insecure talks plain HTTP (a MinIO on the same host).
	Insecure bool
	// VirtualHost addresses the bucket as bucket.endpoint (AWS); the
	// default is path style, endpoint/bucket, which MinIO needs.
	VirtualHost bool
	// Prefix is put before every key ("media/").
	Prefix string
	// PartSize is the size of one part of a streamed upload, and the memory
	// one upload of unknown length holds; 0 means 16 MiB (S3's minimum is
	// 5 MiB; 16 MiB × 10,000 parts allows 156 GiB).
	PartSize uint64
	// Transport overrides the HTTP transport (tests).
	Transport http.RoundTripper
}

// ParseS3URL reads SERENTAK_MEDIA_S3_URL:
//
//	s3://ACCESS_KEY:SECRET_KEY@host[:port]/bucket[/prefix]?region=…&insecure=true&virtual_host=true
//
// http:// and https:// are accepted too and set Insecure accordingly. Keys
// with special characters are percent-encoded.
func ParseS3URL(raw string) (S3Config, error) {
	u, err := url.Parse(raw)
	if err != nil {
		return S3Config{}, fmt.Errorf("blob: S3 URL: %w", err)
	}
	var cfg S3Config
	switch u.Scheme {
	case "s3", "https":
	case "http":
		cfg.Insecure = true
	default:
		return S3Config{}, fmt.Errorf("blob: S3 URL must start with s3://, https:// or http://, not %q", u.Scheme+"://")
	}
	cfg.Endpoint = u.Host
	if u.User != nil {
		cfg.AccessKey = u.User.Username()
		cfg.SecretKey, _ = u.User.Password()
	}
	bucket, prefix, _ := strings.Cut(strings.Trim(u.Path, "/"), "/")
	cfg.Bucket = bucket
	if prefix != "" {
		cfg.Prefix = strings.TrimSuffix(prefix, "/") + "/"
	}
	q := u.Query()
	cfg.Region = q.Get("region")
	for name, dst := range map[string]*bool{"insecure": &cfg.Insecure, "virtual_host": &cfg.VirtualHost} {
		if v := q.Get(name); v != "" {
			b, err := strconv.ParseBool(v)
			if err != nil {
				return S3Config{}, fmt.Errorf("blob: S3 URL: %s=%q is not true or false", name, v)
			}
			*dst = b
		}
	}
	if cfg.Endpoint == "" || cfg.Bucket == "" || cfg.AccessKey == "" || cfg.SecretKey == "" {
		return S3Config{}, errors.New("blob: S3 URL needs a host, a bucket and credentials: s3://ACCESS_KEY:SECRET_KEY@host/bucket")
	}
	return cfg, nil
}

// S3 stores each key as one object in a bucket.
type S3 struct {
	c        *minio.Client
	bucket   string
	prefix   string
	partSize uint64
}

var _ Store = (*S3)(nil)

// NewS3 makes the client; it does not talk to the bucket yet.
func NewS3(cfg S3Config) (*S3, error) {
	region := cfg.Region
	if region == "" {
		region = "us-east-1"
	}
	lookup := minio.BucketLookupPath
	if cfg.VirtualHost {
		lookup = minio.BucketLookupDNS
	}
	c, err := minio.New(cfg.Endpoint, &minio.Options{
		Creds:        credentials.NewStaticV4(cfg.AccessKey, cfg.SecretKey, ""),
		Secure:       !cfg.Insecure,
		Region:       region,
		BucketLookup: lookup,
		Transport:    cfg.Transport,
	})
	if err != nil {
		return nil, fmt.Errorf("blob: S3 client for %s: %w", cfg.Endpoint, err)
	}
	part := cfg.PartSize
	if part == 0 {
		part = 16 << 20
	}
	return &S3{c: c, bucket: cfg.Bucket, prefix: cfg.Prefix, partSize: part}, nil
}

func (s *S3) object(key string) (string, error) {
	if !ValidKey(key) {
		return "", fmt.Errorf("blob: invalid key %q: use letters, digits, '_', '-' and '.' only", key)
	}
	return s.prefix + key, nil
}

// Put streams r as a multipart upload (one part buffered at a time), or
// as one request when r is a file of known size. More than maxBytes
// aborts the upload (ErrTooLarge): S3 keeps nothing of an aborted one.
func (s *S3) Put(ctx context.Context, key string, r io.Reader, maxBytes int64) (int64, error) {
	name, err := s.object(key)
	if err != nil {
		return 0, err
	}
	// A file of known length goes as a ReaderAt: minio reads its parts in
	// place instead of buffering each.
	size := int64(-1)
	lr := &limitReader{r: r, left: maxBytes}
	body := io.Reader(lr)
	if f, ok := r.(*os.File); ok {
		st, serr := f.Stat()
		pos, perr := f.Seek(0, io.SeekCurrent)
		if serr == nil && perr == nil && st.Mode().IsRegular() {
			size = st.Size() - pos
			if size > maxBytes {
				return 0, ErrTooLarge
			}
			body = io.NewSectionReader(f, pos, size)
			lr.n = size
		}
	}
	info, err := s.c.PutObject(ctx, s.bucket, name, body, size, minio.PutObjectOptions{
		ContentType: "application/octet-stream",
		PartSize:    s.partSize,
	})
	if lr.over {
		return lr.n, ErrTooLarge
	}
	if err != nil {
		return lr.n, fmt.Errorf("blob: put %s to bucket %s: %w", key, s.bucket, err)
	}
	return info.Size, nil
}

// Open returns the object; its reads and seeks are ranged GETs, which is
// what http.ServeContent and media.Inspect need.
func (s *S3) Open(ctx context.Context, key string) (io.ReadSeekCloser, int64, time.Time, error) {
	name, err := s.object(key)
	if err != nil {
		return nil, 0, time.Time{}, err
	}
	obj, err := s.c.GetObject(ctx, s.bucket, name, minio.GetObjectOptions{})
	if err != nil {
		return nil, 0, time.Time{}, s3Error("open", key, err)
	}
	st, err := obj.Stat()
	if err != nil {
		obj.Close()
		return nil, 0, time.Time{}, s3Error("open", key, err)
	}
	return obj, st.Size, st.LastModified, nil
}

// Delete removes the object; S3 answers a missing key with success.
func (s *S3) Delete(ctx context.Context, key string) error {
	name, err := s.object(key)
	if err != nil {
		return err
	}
	if err := s.c.RemoveObject(ctx, s.bucket, name, minio.RemoveObjectOptions{}); err != nil {
		return s3Error("delete", key, err)
	}
	return nil
}

func s3Error(op, key string, err error) error {
	switch minio.ToErrorResponse(err).Code {
	case "NoSuchKey", "NotFound":
		return ErrNotFound
	}
	return fmt.Errorf("blob: %s %s: %w", op, key, err)
}

// limitReader reads at most left bytes and fails the read that would go
// past, so an upload of unknown length is aborted rather than cut.
type limitReader struct {
	r    io.Reader
	left int64
	n    int64
	over bool
}

func (l *limitReader) Read(p []byte) (int, error) {
	if l.left <= 0 {
		var one [1]byte
		if k, _ := l.r.Read(one[:]); k > 0 {
			l.over = true
			return 0, ErrTooLarge
		}
		return 0, io.EOF
	}
	if int64(len(p)) > l.left {
		p = p[:l.left]
	}
	k, err := l.r.Read(p)
	l.n += int64(k)
	l.left -= int64(k)
	return k, err
}
