// Package blob keeps uploaded bytes behind a small interface, so the API
// can stream uploads to local disk today and to an object store later
// without touching the handlers.
package blob

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"
)

// ErrNotFound: no bytes are stored under the key.
var ErrNotFound = errors.New("blob: not found")

// ErrTooLarge: the reader held more than maxBytes; nothing was kept.
var ErrTooLarge = errors.New("blob: too large")

// Store keeps bytes under keys the caller chooses (our own IDs).
type Store interface {
	// Put streams r under key, refusing more than maxBytes (ErrTooLarge,
	// nothing kept). It returns the number of bytes written.
	Put(ctx context.Context, key string, r io.Reader, maxBytes int64) (n int64, err error)
	// Open returns the bytes under key (ErrNotFound when there are none).
	Open(ctx context.Context, key string) (rc io.ReadSeekCloser, size int64, modTime time.Time, err error)
	// Delete removes key; deleting a missing key is not an error.
	Delete(ctx context.Context, key string) error
}

// FileMover is the optional capability of a Store to take a finished local
// file as the bytes of key, by renaming it where it can (a resumable upload
// of 2 GB is then not copied again). The file is gone afterwards, or, on
// error, left where it was.
type FileMover interface {
	MoveFile(ctx context.Context, key, path string) (size int64, err error)
}

// Disk stores each key as one file in Dir.
type Disk struct {
	Dir string
}

var (
	_ Store     = (*Disk)(nil)
	_ FileMover = (*Disk)(nil)
)

// ValidKey reports whether key is safe to use as a file name: letters,
// digits, '_', '-' and '.', not starting with '.', at most 200 bytes. Keys
// are our own IDs, so anything else is a bug or an attack (path traversal).
func ValidKey(key string) bool {
	if key == "" || len(key) > 200 || key[0] == '.' {
		return false
	}
	for i := 0; i < len(key); i++ {
		c := key[i]
		switch {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9', c == '_', c == '-', c == '.':
		default:
			return false
		}
	}
	return true
}

func (d *Disk) path(key string) (string, error) {
	if !ValidKey(key) {
		return "", fmt.Errorf("blob: invalid key %q: use letters, digits, '_', '-' and '.' only", key)
	}
	return filepath.Join(d.Dir, key), nil
}

// Put writes to a temporary file in Dir and renames it into place, so a
// reader never sees half a file and a failed upload leaves nothing behind.
func (d *Disk) Put(ctx context.Context, key string, r io.Reader, maxBytes int64) (int64, error) {
	p, err := d.path(key)
	if err != nil {
		return 0, err
	}
	if err := os.MkdirAll(d.Dir, 0o750); err != nil {
		return 0, fmt.Errorf("blob: create directory: %w", err)
	}
	f, err := os.CreateTemp(d.Dir, ".upload-*")
	if err != nil {
		return 0, fmt.Errorf("blob: create temporary file: %w", err)
	}
	tmp := f.Name()
	keep := false
	defer func() {
		if !keep {
			f.Close()
			os.Remove(tmp)
		}
	}()
	// Read one byte past the limit to tell "exactly maxBytes" from "more".
	n, err := io.Copy(f, &ctxReader{ctx: ctx, r: io.LimitReader(r, maxBytes+1)})
	if err != nil {
		return n, fmt.Errorf("blob: write %s: %w", key, err)
	}
	if n > maxBytes {
		return n, ErrTooLarge
	}
	if err := f.Sync(); err != nil {
		return n, fmt.Errorf("blob: sync %s: %w", key, err)
	}
	if err := f.Close(); err != nil {
		return n, fmt.Errorf("blob: close %s: %w", key, err)
	}
	if err := os.Rename(tmp, p); err != nil {
		return n, fmt.Errorf("blob: rename into place %s: %w", key, err)
	}
	keep = true
	return n, nil
}

// MoveFile syncs the file at path and renames it to key. Across file
// systems (rename fails with EXDEV and the like) it copies through Put and
// then removes path.
func (d *Disk) MoveFile(ctx context.Context, key, path string) (int64, error) {
	p, err := d.path(key)
	if err != nil {
		return 0, err
	}
	f, err := os.OpenFile(path, os.O_RDWR, 0)
	if err != nil {
		return 0, fmt.Errorf("blob: open %s to move it: %w", path, err)
	}
	st, err := f.Stat()
	if err == nil {
		err = f.Sync() // the bytes are durable before the name says they are there
	}
	if err != nil {
		f.Close()
		return 0, fmt.Errorf("blob: sync %s: %w", path, err)
	}
	if err := os.MkdirAll(d.Dir, 0o750); err != nil {
		f.Close()
		return 0, fmt.Errorf("blob: create directory: %w", err)
	}
	if err := os.Rename(path, p); err == nil {
		f.Close()
		return st.Size(), nil
	}
	defer f.Close()
	n, err := d.Put(ctx, key, f, st.Size())
	if err != nil {
		return n, err
	}
	if err := os.Remove(path); err != nil {
		return n, fmt.Errorf("blob: remove %s after copying it: %w", path, err)
	}
	return n, nil
}

// Open opens the file for key.
func (d *Disk) Open(ctx context.Context, key string) (io.ReadSeekCloser, int64, time.Time, error) {
	p, err := d.path(key)
	if err != nil {
		return nil, 0, time.Time{}, err
	}
	f, err := os.Open(p)
	if errors.Is(err, os.ErrNotExist) {
		return nil, 0, time.Time{}, ErrNotFound
	}
	if err != nil {
		return nil, 0, time.Time{}, fmt.Errorf("blob: open %s: %w", key, err)
	}
	st, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, 0, time.Time{}, fmt.Errorf("blob: stat %s: %w", key, err)
	}
	return f, st.Size(), st.ModTime(), nil
}

// Delete removes the file for key.
func (d *Disk) Delete(ctx context.Context, key string) error {
	p, err := d.path(key)
	if err != nil {
		return err
	}
	if err := os.Remove(p); err != nil && !errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("blob: delete %s: %w", key, err)
	}
	return nil
}

// ctxReader stops a long copy when the request that feeds it is gone.
type ctxReader struct {
	ctx context.Context
	r   io.Reader
}

func (c *ctxReader) Read(p []byte) (int, error) {
	if err := c.ctx.Err(); err != nil {
		return 0, err
	}
	return c.r.Read(p)
}
