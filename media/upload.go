package media

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/serentak/serentak"
	"github.com/serentak/serentak/blob"
)

// PrefixUpload starts the ID of a resumable upload.
const PrefixUpload = "upl_"

// Errors of Uploads; the API turns each into its answer.
var (
	ErrUploadNotFound = errors.New("no such upload (it may have expired)")
	ErrUploadBusy     = errors.New("another request is still writing this upload")
	ErrUploadTooLarge = errors.New("more bytes than the upload's declared size")
	ErrTooManyUploads = errors.New("too many unfinished uploads in this workspace")
	ErrIncomplete     = errors.New("the upload has not received all its bytes")
	// ErrInterrupted: reading the request body failed (the client went
	// away, the network dropped). The bytes received before are kept.
	ErrInterrupted = errors.New("the upload's body ended early")
)

// OffsetError: a write did not start where the upload stands. The client
// asks for the offset (HEAD) and continues from there.
type OffsetError struct{ Want, Got int64 }

func (e *OffsetError) Error() string {
	return fmt.Sprintf("the upload has %d bytes; send the next chunk from offset %d, not %d", e.Want, e.Want, e.Got)
}

// TypeError: the first bytes are not an image or video the platforms take.
// The upload is removed.
type TypeError struct{ ContentType string }

func (e *TypeError) Error() string {
	return fmt.Sprintf("the file's bytes look like %s; send %s", e.ContentType, AcceptedTypes)
}

// Upload is one resumable upload: a declared size and the bytes received so
// far. It is not media until it is finished (Uploads.Finish).
type Upload struct {
	ID          string             `json:"id"`
	WorkspaceID string             `json:"workspace_id"`
	Size        int64              `json:"size"`
	Offset      int64              `json:"-"` // the bytes on disk, measured each time
	ContentType string             `json:"content_type,omitempty"`
	Kind        serentak.MediaKind `json:"kind,omitempty"`
	// MediaID is set once the upload is finished and stored as media.
	MediaID   string    `json:"media_id,omitempty"`
	CreatedAt time.Time `json:"created_at"`
	ExpiresAt time.Time `json:"expires_at"`
}

// Uploads keeps resumable uploads while their bytes arrive, on local disk:
// Dir/{workspace}/{id}.part holds the bytes received, {id}.json the rest.
// The offset is the .part file's length, so a crash or a dropped
// connection keeps every byte that reached the disk and the client goes on
// from there.
//
// Several API processes may share Dir (one data volume, an NFS or EFS
// mount): the state is in the files, not in memory, so any process takes
// the next chunk. One request writes an upload at a time, across processes:
// an exclusive flock on the .part file, held from reading the offset until
// the bytes are written, so two processes sent the same offset at once do
// not both take it (the second finds the offset moved: 409). Within a
// process, a new request for an upload still being written (a phone that
// reconnected while the server has not yet noticed the old connection is
// dead) asks the old one to stop and takes over; a request in another
// process is waited for, up to TakeoverWait.
type Uploads struct {
	Dir string
	// MaxBytes caps an upload's declared size.
	MaxBytes int64
	// TTL is how long an upload may take, from its creation; 0 means 24 h.
	TTL time.Duration
	// MaxPerWorkspace caps unfinished uploads of one workspace; 0 means 20.
	MaxPerWorkspace int
	// TakeoverWait is how long a request waits for another to stop; 0
	// means 10 s.
	TakeoverWait time.Duration
	Now          func() time.Time

	mu    sync.Mutex
	locks map[string]*uploadLock
}

type uploadLock struct {
	stop     func() // asks the holder to stop; nil: the holder cannot be stopped
	released chan struct{}
}

func (u *Uploads) now() time.Time {
	if u.Now != nil {
		return u.Now()
	}
	return time.Now()
}

func (u *Uploads) paths(ws, id string) (part, meta string, err error) {
	if !blob.ValidKey(ws) || !blob.ValidKey(id) || !strings.HasPrefix(id, PrefixUpload) {
		return "", "", ErrUploadNotFound
	}
	dir := filepath.Join(u.Dir, ws)
	return filepath.Join(dir, id+".part"), filepath.Join(dir, id+".json"), nil
}

// Create starts an upload of size bytes.
func (u *Uploads) Create(ws string, size int64) (Upload, error) {
	if size <= 0 || size > u.MaxBytes {
		return Upload{}, fmt.Errorf("%w: %d bytes declared, at most %d", ErrUploadTooLarge, size, u.MaxBytes)
	}
	if !blob.ValidKey(ws) {
		return Upload{}, fmt.Errorf("media: invalid workspace ID %q", ws)
	}
	dir := filepath.Join(u.Dir, ws)
	if err := os.MkdirAll(dir, 0o750); err != nil {
		return Upload{}, fmt.Errorf("media: create upload directory: %w", err)
	}
	open, _, err := u.sweepDir(ws)
	if err != nil {
		return Upload{}, err
	}
	limit := u.MaxPerWorkspace
	if limit <= 0 {
		limit = 20
	}
	if open >= limit {
		return Upload{}, fmt.Errorf("%w: %d are open; finish or delete one (DELETE …/uploads/{id}), or wait until they expire", ErrTooManyUploads, open)
	}
	ttl := u.TTL
	if ttl <= 0 {
		ttl = 24 * time.Hour
	}
	now := u.now().UTC()
	up := Upload{ID: serentak.NewID(PrefixUpload), WorkspaceID: ws, Size: size, CreatedAt: now, ExpiresAt: now.Add(ttl)}
	part, _, _ := u.paths(ws, up.ID)
	f, err := os.OpenFile(part, os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o640)
	if err != nil {
		return Upload{}, fmt.Errorf("media: create upload file: %w", err)
	}
	f.Close()
	if err := u.save(up); err != nil {
		os.Remove(part)
		return Upload{}, err
	}
	return up, nil
}

// Find returns an upload of the workspace with its current offset.
func (u *Uploads) Find(ws, id string) (Upload, error) {
	part, meta, err := u.paths(ws, id)
	if err != nil {
		return Upload{}, err
	}
	raw, err := os.ReadFile(meta)
	if errors.Is(err, os.ErrNotExist) {
		return Upload{}, ErrUploadNotFound
	}
	if err != nil {
		return Upload{}, fmt.Errorf("media: read upload %s: %w", id, err)
	}
	var up Upload
	if err := json.Unmarshal(raw, &up); err != nil {
		return Upload{}, fmt.Errorf("media: upload %s: %w", id, err)
	}
	if up.WorkspaceID != ws {
		return Upload{}, ErrUploadNotFound
	}
	if !u.now().Before(up.ExpiresAt) {
		return Upload{}, ErrUploadNotFound
	}
	if up.MediaID != "" {
		up.Offset = up.Size
		return up, nil
	}
	st, err := os.Stat(part)
	if errors.Is(err, os.ErrNotExist) {
		// Stored as media, but the process stopped before it noted that:
		// the client uploads again, and the next sweep (Create's in this
		// workspace, or Sweep) removes this one.
		return Upload{}, ErrUploadNotFound
	}
	if err != nil {
		return Upload{}, fmt.Errorf("media: upload %s: %w", id, err)
	}
	up.Offset = st.Size()
	return up, nil
}

func (u *Uploads) save(up Upload) error {
	_, meta, err := u.paths(up.WorkspaceID, up.ID)
	if err != nil {
		return err
	}
	raw, err := json.Marshal(up)
	if err != nil {
		return err
	}
	tmp := meta + ".tmp"
	if err := os.WriteFile(tmp, raw, 0o640); err != nil {
		return fmt.Errorf("media: save upload %s: %w", up.ID, err)
	}
	if err := os.Rename(tmp, meta); err != nil {
		return fmt.Errorf("media: save upload %s: %w", up.ID, err)
	}
	return nil
}

// lock makes the caller the only writer of upload id, in this process
// and in every process sharing Dir. When another request of this process
// holds it, that request is asked to stop (its stop func); the caller
// waits for it, and for a holder in another process, up to TakeoverWait.
// stop is how a later request stops this one; nil means it must be
// waited for.
func (u *Uploads) lock(ctx context.Context, ws, id string, stop func()) (release func(), err error) {
	wait := u.TakeoverWait
	if wait <= 0 {
		wait = 10 * time.Second
	}
	deadline := time.NewTimer(wait)
	defer deadline.Stop()
	unlockHere, err := u.lockHere(ctx, id, stop, deadline.C)
	if err != nil {
		return nil, err
	}
	unlockFile, err := u.lockFile(ctx, ws, id, deadline.C)
	if err != nil {
		unlockHere()
		return nil, err
	}
	return func() { unlockFile(); unlockHere() }, nil
}

// lockFile takes the flock of the upload's .part file, polling until
// another process lets it go or deadline. With no .part file (finished or
// removed) there is nothing to write and no lock to take: the caller's
// Find says what became of the upload.
func (u *Uploads) lockFile(ctx context.Context, ws, id string, deadline <-chan time.Time) (unlock func(), err error) {
	part, _, err := u.paths(ws, id)
	if err != nil {
		return nil, err
	}
	f, err := os.OpenFile(part, os.O_RDWR, 0)
	if errors.Is(err, os.ErrNotExist) {
		return func() {}, nil
	}
	if err != nil {
		return nil, fmt.Errorf("media: open upload %s to lock it: %w", id, err)
	}
	poll := time.NewTicker(20 * time.Millisecond)
	defer poll.Stop()
	for {
		ok, err := tryFileLock(f)
		if err != nil {
			f.Close()
			return nil, fmt.Errorf("media: lock upload %s: %w", id, err)
		}
		if ok {
			return func() { f.Close() }, nil // closing the file lets the lock go
		}
		select {
		case <-poll.C:
		case <-deadline:
			f.Close()
			return nil, ErrUploadBusy
		case <-ctx.Done():
			f.Close()
			return nil, ctx.Err()
		}
	}
}

// lockHere is the lock among the requests of this process, with takeover.
func (u *Uploads) lockHere(ctx context.Context, id string, stop func(), deadline <-chan time.Time) (release func(), err error) {
	for {
		u.mu.Lock()
		if u.locks == nil {
			u.locks = map[string]*uploadLock{}
		}
		held := u.locks[id]
		if held == nil {
			l := &uploadLock{stop: stop, released: make(chan struct{})}
			u.locks[id] = l
			u.mu.Unlock()
			return func() {
				u.mu.Lock()
				delete(u.locks, id)
				u.mu.Unlock()
				close(l.released)
			}, nil
		}
		u.mu.Unlock()
		if held.stop != nil {
			held.stop()
		}
		select {
		case <-held.released:
		case <-deadline:
			return nil, ErrUploadBusy
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
}

// Write appends body to the upload, which must stand at offset. Bytes are
// written to disk as they arrive, so when the body breaks off, what came
// is kept and the returned Upload (with ErrInterrupted) says how far it
// got. stop, when not nil, is called if a later request for the same
// upload takes over; it must make body's reads end (cancel, deadline).
//
// Once the first SniffLen bytes are in, they are sniffed: an upload that
// is not an image or video the platforms take is removed (TypeError)
// before the rest of a large file is sent.
func (u *Uploads) Write(ctx context.Context, ws, id string, offset int64, body io.Reader, stop func()) (Upload, error) {
	release, err := u.lock(ctx, ws, id, stop)
	if err != nil {
		return Upload{}, err
	}
	defer release()
	up, err := u.Find(ws, id)
	if err != nil {
		return Upload{}, err
	}
	if offset != up.Offset {
		return up, &OffsetError{Want: up.Offset, Got: offset}
	}
	if up.MediaID != "" {
		return up, nil // finished: a retried last chunk with nothing left to send
	}
	part, _, _ := u.paths(ws, id)
	f, err := os.OpenFile(part, os.O_WRONLY, 0)
	if err != nil {
		return up, fmt.Errorf("media: open upload %s: %w", id, err)
	}
	defer f.Close()
	if _, err := f.Seek(up.Offset, io.SeekStart); err != nil {
		return up, fmt.Errorf("media: seek upload %s: %w", id, err)
	}
	left := up.Size - up.Offset
	n, copyErr := io.CopyN(f, &bodyReader{ctx: ctx, r: body}, left)
	up.Offset += n
	var berr *bodyError
	switch {
	case errors.As(copyErr, &berr):
		copyErr = fmt.Errorf("%w: %v", ErrInterrupted, berr.err)
	case copyErr == io.EOF:
		copyErr = nil // a chunk shorter than what is left: the usual case
	case copyErr != nil:
		return up, fmt.Errorf("media: write upload %s: %w", id, copyErr)
	case n == left:
		// Everything declared has come; anything more is a client error,
		// and the chunk is taken back so the upload stays as it was.
		var one [1]byte
		if k, _ := body.Read(one[:]); k > 0 {
			if err := f.Truncate(up.Offset - n); err != nil {
				return up, fmt.Errorf("media: truncate upload %s: %w", id, err)
			}
			up.Offset -= n
			return up, fmt.Errorf("%w: %d bytes declared", ErrUploadTooLarge, up.Size)
		}
	}
	if up.ContentType == "" && up.Offset >= min(int64(SniffLen), up.Size) {
		head, err := readHead(part, int(min(int64(SniffLen), up.Size)))
		if err != nil {
			return up, err
		}
		ct, kind, ok := Sniff(head)
		if !ok {
			u.remove(ws, id)
			return up, &TypeError{ContentType: ct}
		}
		up.ContentType, up.Kind = ct, kind
		if err := u.save(up); err != nil {
			return up, err
		}
	}
	return up, copyErr
}

func readHead(path string, n int) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("media: read upload head: %w", err)
	}
	defer f.Close()
	head := make([]byte, n)
	if _, err := io.ReadFull(f, head); err != nil {
		return nil, fmt.Errorf("media: read upload head: %w", err)
	}
	return head, nil
}

// Finish turns a complete upload into media exactly once: store is called
// with the path of the received bytes (it may move the file away) and
// returns the new media's ID. A finished upload answers with its media ID
// again, so a client whose last answer was lost can ask once more. When
// store fails the upload stays as it was; the caller may Delete it.
func (u *Uploads) Finish(ctx context.Context, ws, id string, store func(path string, up Upload) (mediaID string, err error)) (Upload, error) {
	release, err := u.lock(ctx, ws, id, nil)
	if err != nil {
		return Upload{}, err
	}
	defer release()
	up, err := u.Find(ws, id)
	if err != nil || up.MediaID != "" {
		return up, err
	}
	if up.Offset != up.Size || up.ContentType == "" {
		return up, fmt.Errorf("%w: %d of %d bytes", ErrIncomplete, up.Offset, up.Size)
	}
	part, _, _ := u.paths(ws, id)
	mediaID, err := store(part, up)
	if err != nil {
		return up, err
	}
	up.MediaID = mediaID
	if err := u.save(up); err != nil {
		return up, err
	}
	if err := os.Remove(part); err != nil && !errors.Is(err, os.ErrNotExist) {
		return up, fmt.Errorf("media: remove finished upload %s: %w", id, err)
	}
	return up, nil
}

// Delete removes an upload (a finished one's media stays). A request still
// writing it is stopped first.
func (u *Uploads) Delete(ctx context.Context, ws, id string) error {
	if _, err := u.Find(ws, id); err != nil {
		return err
	}
	release, err := u.lock(ctx, ws, id, nil)
	if err != nil {
		return err
	}
	defer release()
	return u.remove(ws, id)
}

func (u *Uploads) remove(ws, id string) error {
	part, meta, err := u.paths(ws, id)
	if err != nil {
		return err
	}
	for _, p := range []string{part, meta} {
		if err := os.Remove(p); err != nil && !errors.Is(err, os.ErrNotExist) {
			return fmt.Errorf("media: remove upload %s: %w", id, err)
		}
	}
	return nil
}

// Sweep removes expired uploads of every workspace and returns how many.
// Create sweeps only its own workspace, so an upload abandoned in a
// workspace that starts no other stays on disk until Sweep runs: whoever
// owns Dir must call it periodically.
func (u *Uploads) Sweep() (int, error) {
	dirs, err := os.ReadDir(u.Dir)
	if errors.Is(err, os.ErrNotExist) {
		return 0, nil
	}
	if err != nil {
		return 0, fmt.Errorf("media: list uploads: %w", err)
	}
	removed := 0
	for _, d := range dirs {
		if !d.IsDir() || !blob.ValidKey(d.Name()) {
			continue
		}
		_, n, err := u.sweepDir(d.Name())
		if err != nil {
			return removed, err
		}
		removed += n
	}
	return removed, nil
}

// sweepDir removes the workspace's expired (or broken) uploads
// and returns how many unfinished uploads remain and how many it removed.
func (u *Uploads) sweepDir(ws string) (open, removed int, err error) {
	dir := filepath.Join(u.Dir, ws)
	entries, err := os.ReadDir(dir)
	if err != nil {
		return 0, 0, fmt.Errorf("media: list uploads: %w", err)
	}
	for _, e := range entries {
		id, ok := strings.CutSuffix(e.Name(), ".json")
		if !ok {
			continue
		}
		up, err := u.Find(ws, id)
		switch {
		case errors.Is(err, ErrUploadNotFound):
			if u.locked(id) || u.lockedElsewhere(ws, id) {
				continue
			}
			if err := u.remove(ws, id); err != nil {
				return open, removed, err
			}
			removed++
		case err != nil:
			return open, removed, err
		case up.MediaID == "":
			open++
		}
	}
	return open, removed, nil
}

// lockedElsewhere reports whether another process sharing Dir is writing
// the upload (holds its flock): every API process sweeps, and one must not
// remove an upload from under another's request.
func (u *Uploads) lockedElsewhere(ws, id string) bool {
	part, _, err := u.paths(ws, id)
	if err != nil {
		return false
	}
	f, err := os.OpenFile(part, os.O_RDWR, 0)
	if err != nil {
		return false
	}
	defer f.Close()
	ok, err := tryFileLock(f)
	return err == nil && !ok
}

func (u *Uploads) locked(id string) bool {
	u.mu.Lock()
	defer u.mu.Unlock()
	return u.locks[id] != nil
}

// bodyReader marks read errors of the request body, so they are not taken
// for disk errors, and stops between reads once ctx is done.
type bodyReader struct {
	ctx context.Context
	r   io.Reader
}

type bodyError struct{ err error }

func (e *bodyError) Error() string { return e.err.Error() }

func (b *bodyReader) Read(p []byte) (int, error) {
	if err := b.ctx.Err(); err != nil {
		return 0, &bodyError{err}
	}
	n, err := b.r.Read(p)
	if err != nil && err != io.EOF {
		err = &bodyError{err}
	}
	return n, err
}

// DeleteWorkspace removes every upload of the workspace, finished or not,
// and its directory: the workspace is being deleted
// (docs/api.md#leaving-export-and-deletion). A request still writing one
// is stopped first, as Delete does.
func (u *Uploads) DeleteWorkspace(ctx context.Context, ws string) error {
	if !blob.ValidKey(ws) {
		return nil
	}
	dir := filepath.Join(u.Dir, ws)
	entries, err := os.ReadDir(dir)
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("media: list uploads: %w", err)
	}
	for _, e := range entries {
		id, ok := strings.CutSuffix(e.Name(), ".json")
		if !ok {
			id, ok = strings.CutSuffix(e.Name(), ".part")
		}
		if !ok || !strings.HasPrefix(id, PrefixUpload) {
			continue
		}
		release, err := u.lock(ctx, ws, id, nil)
		if err != nil {
			return err
		}
		err = u.remove(ws, id)
		release()
		if err != nil {
			return err
		}
	}
	if err := os.RemoveAll(dir); err != nil {
		return fmt.Errorf("media: remove the uploads of %s: %w", ws, err)
	}
	return nil
}
