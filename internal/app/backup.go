package app

import (
	"archive/tar"
	"compress/gzip"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"strings"
	"time"

	"github.com/serentak/serentak/config"
	"github.com/serentak/serentak/gormstore"
)

// BackupFormat names the layout of a backup archive; Restore refuses any
// other.
const BackupFormat = "serentak-backup/1"

// Manifest is manifest.json, the last entry of a backup archive: what it
// holds, each file's size and SHA-256, and what it does not hold.
type Manifest struct {
	Format    string    `json:"format"`
	CreatedAt time.Time `json:"created_at"`
	Database  string    `json:"database"`
	// SecretKey and OperatorKey say where each key came from ("file",
	// "SERENTAK_SECRET_KEY") or "left out".
	SecretKey   string         `json:"secret_key"`
	OperatorKey string         `json:"operator_key"`
	Media       string         `json:"media"`
	Files       []ManifestFile `json:"files"`
}

// ManifestFile is one file of the archive.
type ManifestFile struct {
	Path   string `json:"path"`
	Size   int64  `json:"size"`
	SHA256 string `json:"sha256"`
}

// The archive's names.
const (
	backupDB       = "serentak.db"
	backupSecret   = "secret.key"
	backupOperator = "admin.key"
	backupMedia    = "media/"
	backupManifest = "manifest.json"
)

// Backup is `serentak backup`: a .tar.gz at dest holding a consistent copy
// of the SQLite database (taken while serve runs), the secret key that
// opens its sealed tokens and the operator key (unless withoutKeys), the
// uploaded media of the data directory, and a manifest. The database is
// copied first, then the media: a blob a post refers to was written before
// the post, so every blob the copy names is there.
func Backup(ctx context.Context, cfg config.Config, dest string, withoutKeys bool, out io.Writer) error {
	if cfg.IsPostgres() {
		return errors.New("serentak backup copies the embedded SQLite database; for PostgreSQL use pg_dump -Fc (docs/backups.md)")
	}
	tmp, err := os.MkdirTemp(filepath.Dir(dest), ".serentak-backup-")
	if err != nil {
		return fmt.Errorf("backup: %w", err)
	}
	defer os.RemoveAll(tmp)
	dbCopy := filepath.Join(tmp, backupDB)
	if err := gormstore.BackupSQLite(ctx, cfg.DatabaseURL, dbCopy); err != nil {
		return err
	}
	f, err := os.OpenFile(dest, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return fmt.Errorf("backup: %w (name a new file with -o)", err)
	}
	w := &archiveWriter{gz: gzip.NewWriter(f)}
	w.tw = tar.NewWriter(w.gz)
	m := Manifest{Format: BackupFormat, CreatedAt: time.Now().UTC(), Database: "sqlite",
		SecretKey: "left out", OperatorKey: "left out"}
	err = w.addFile(backupDB, dbCopy)
	if err == nil && !withoutKeys {
		m.SecretKey, err = w.addKey(backupSecret, cfg.SecretKey, "SERENTAK_SECRET_KEY", cfg.DataDir)
		if err == nil {
			m.OperatorKey, err = w.addKey(backupOperator, cfg.AdminKey, "SERENTAK_ADMIN_KEY", cfg.DataDir)
		}
	}
	if err == nil {
		if cfg.MediaS3URL != "" {
			m.Media = "in the S3 bucket of SERENTAK_MEDIA_S3_URL, not in this archive: back it up with the bucket's own means"
		} else {
			m.Media = "included"
			err = w.addMedia(ctx, filepath.Join(cfg.DataDir, "media"))
		}
	}
	if err == nil {
		m.Files = w.files
		var b []byte
		b, _ = json.MarshalIndent(m, "", "  ")
		err = w.add(backupManifest, b)
	}
	if err == nil {
		err = errors.Join(w.tw.Close(), w.gz.Close(), f.Sync())
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		os.Remove(dest)
		return fmt.Errorf("backup: %w", err)
	}
	fmt.Fprintf(out, "backup written to %s: the database, %d media files, secret key: %s, operator key: %s\n",
		dest, w.media, m.SecretKey, m.OperatorKey)
	if cfg.MediaS3URL != "" {
		fmt.Fprintln(out, "media are in the S3 bucket, not in the archive: back the bucket up with its own means")
	}
	return nil
}

// archiveWriter writes a tar.gz and records each file for the manifest.
type archiveWriter struct {
	gz    *gzip.Writer
	tw    *tar.Writer
	files []ManifestFile
	media int
}

// add writes one file from memory.
func (w *archiveWriter) add(name string, b []byte) error {
	if err := w.tw.WriteHeader(&tar.Header{Name: name, Mode: 0o600, Size: int64(len(b)), ModTime: time.Now(), Typeflag: tar.TypeReg}); err != nil {
		return err
	}
	_, err := w.tw.Write(b)
	if name != backupManifest {
		sum := sha256.Sum256(b)
		w.files = append(w.files, ManifestFile{Path: name, Size: int64(len(b)), SHA256: hex.EncodeToString(sum[:])})
	}
	return err
}

// addFile copies one file from disk.
func (w *archiveWriter) addFile(name, src string) error {
	f, err := os.Open(src)
	if err != nil {
		return err
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return err
	}
	if err := w.tw.WriteHeader(&tar.Header{Name: name, Mode: 0o600, Size: fi.Size(), ModTime: fi.ModTime(), Typeflag: tar.TypeReg}); err != nil {
		return err
	}
	h := sha256.New()
	n, err := io.Copy(io.MultiWriter(w.tw, h), f)
	if err != nil {
		return err
	}
	if n != fi.Size() {
		return fmt.Errorf("%s changed size while being copied", src)
	}
	w.files = append(w.files, ManifestFile{Path: name, Size: n, SHA256: hex.EncodeToString(h.Sum(nil))})
	return nil
}

// addKey keeps a key: the environment's when set (env names it), else the
// data directory's file; a key in neither is not there to keep.
func (w *archiveWriter) addKey(name, fromEnv, env, dataDir string) (string, error) {
	if fromEnv != "" {
		return env, w.add(name, []byte(fromEnv+"\n"))
	}
	src := filepath.Join(dataDir, name)
	if _, err := os.Stat(src); errors.Is(err, fs.ErrNotExist) {
		return "none (neither " + env + " nor " + src + ")", nil
	}
	return "file", w.addFile(name, src)
}

// addMedia copies the blobs under dir, but not the resumable uploads in
// progress (.uploads): a client resumes those from its own copy.
func (w *archiveWriter) addMedia(ctx context.Context, dir string) error {
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if ctx.Err() != nil {
			return ctx.Err()
		}
		if d.IsDir() && strings.HasPrefix(d.Name(), ".") && p != dir {
			return filepath.SkipDir
		}
		if !d.Type().IsRegular() {
			return nil
		}
		rel, err := filepath.Rel(dir, p)
		if err != nil {
			return err
		}
		w.media++
		err = w.addFile(backupMedia+filepath.ToSlash(rel), p)
		if errors.Is(err, fs.ErrNotExist) {
			w.media-- // removed since the walk listed it
			return nil
		}
		return err
	})
	if errors.Is(err, fs.ErrNotExist) {
		return nil // no media yet
	}
	return err
}

// Restore is `serentak restore FILE`: it unpacks a backup into the data
// directory of cfg, which must hold no database, no keys and no media yet,
// checks every file against the manifest, and opens the database once
// (which brings its schema up to date). A serve started on that directory
// then publishes what was scheduled: Redis is rebuilt from the database.
func Restore(ctx context.Context, cfg config.Config, archive string, out io.Writer) error {
	if cfg.IsPostgres() {
		return errors.New("serentak restore restores into the embedded SQLite database; for PostgreSQL use pg_restore (docs/backups.md)")
	}
	dbPath, _, _ := strings.Cut(cfg.DatabaseURL, "?")
	dbPath = strings.TrimPrefix(strings.TrimPrefix(dbPath, "sqlite://"), "file:")
	for _, p := range []string{dbPath, filepath.Join(cfg.DataDir, backupSecret), filepath.Join(cfg.DataDir, backupOperator)} {
		if _, err := os.Stat(p); err == nil {
			return fmt.Errorf("restore: %s exists: restore into a new, empty data directory (SERENTAK_DATA_DIR), never over a live one", p)
		}
	}
	if entries, err := os.ReadDir(filepath.Join(cfg.DataDir, "media")); err == nil && len(entries) > 0 {
		return fmt.Errorf("restore: %s holds media: restore into a new, empty data directory", filepath.Join(cfg.DataDir, "media"))
	}
	if err := os.MkdirAll(cfg.DataDir, 0o700); err != nil {
		return fmt.Errorf("restore: %w", err)
	}
	stage, err := os.MkdirTemp(cfg.DataDir, ".restore-")
	if err != nil {
		return fmt.Errorf("restore: %w", err)
	}
	defer os.RemoveAll(stage)
	m, got, err := unpack(archive, stage)
	if err != nil {
		return fmt.Errorf("restore %s: %w", archive, err)
	}
	if err := m.check(got); err != nil {
		return fmt.Errorf("restore %s: %w", archive, err)
	}
	secret, err := restoredSecret(cfg, stage)
	if err != nil {
		return fmt.Errorf("restore: %w", err)
	}
	// Into place: the keys and media first, the database last, so a
	// directory with a database is a whole one.
	moves := [][2]string{{filepath.Join(stage, "media"), filepath.Join(cfg.DataDir, "media")}}
	for _, k := range []string{backupSecret, backupOperator} {
		moves = append(moves, [2]string{filepath.Join(stage, k), filepath.Join(cfg.DataDir, k)})
	}
	moves = append(moves, [2]string{filepath.Join(stage, backupDB), dbPath})
	for _, mv := range moves {
		if _, err := os.Stat(mv[0]); errors.Is(err, fs.ErrNotExist) {
			continue
		}
		if err := os.MkdirAll(filepath.Dir(mv[1]), 0o700); err != nil {
			return fmt.Errorf("restore: %w", err)
		}
		if mv[1] == filepath.Join(cfg.DataDir, "media") {
			os.Remove(mv[1]) // an empty one, checked above
		}
		if err := os.Rename(mv[0], mv[1]); err != nil {
			return fmt.Errorf("restore: %w", err)
		}
	}
	store, err := openStore(ctx, cfg, secret, false)
	if err != nil {
		return fmt.Errorf("restore: the restored database does not open: %w", err)
	}
	store.Close()
	fmt.Fprintf(out, "restored the backup of %s into %s (%d files checked against its manifest; secret key: %s; media: %s)\n",
		m.CreatedAt.Format(time.RFC3339), cfg.DataDir, len(m.Files), m.SecretKey, m.Media)
	fmt.Fprintln(out, "deliveries due since the backup was taken will be published when serve starts: cancel any the old install published already")
	return nil
}

// restoredSecret is the key that opens the restored tokens: the archive's,
// unless SERENTAK_SECRET_KEY is set, which must then be the same.
func restoredSecret(cfg config.Config, stage string) (string, error) {
	b, err := os.ReadFile(filepath.Join(stage, backupSecret))
	archived := strings.TrimSpace(string(b))
	switch {
	case err != nil && !errors.Is(err, fs.ErrNotExist):
		return "", err
	case archived == "" && cfg.SecretKey == "":
		return "", errors.New("the backup holds no secret key and SERENTAK_SECRET_KEY is not set: without the key the restored account tokens cannot be read; set SERENTAK_SECRET_KEY to the key of the backed-up install")
	case archived == "":
		return cfg.SecretKey, nil
	case cfg.SecretKey != "" && cfg.SecretKey != archived:
		return "", errors.New("SERENTAK_SECRET_KEY differs from the backup's secret key: the restored account tokens would not open; unset it, or set it to the backed-up install's key")
	}
	return archived, nil
}

// unpack extracts a backup archive into dir: known names only, regular
// files only, none outside dir. It returns the manifest and what it found.
func unpack(archive, dir string) (Manifest, map[string]ManifestFile, error) {
	var m Manifest
	f, err := os.Open(archive)
	if err != nil {
		return m, nil, err
	}
	defer f.Close()
	gz, err := gzip.NewReader(f)
	if err != nil {
		return m, nil, fmt.Errorf("not a serentak backup (.tar.gz): %w", err)
	}
	tr := tar.NewReader(gz)
	got := map[string]ManifestFile{}
	seenManifest := false
	for {
		h, err := tr.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return m, nil, fmt.Errorf("the archive is damaged: %w", err)
		}
		name := h.Name
		clean := path.Clean(name)
		known := name == backupDB || name == backupSecret || name == backupOperator || name == backupManifest ||
			(strings.HasPrefix(name, backupMedia) && clean == name && !strings.Contains(name, "/../"))
		if h.Typeflag != tar.TypeReg || !known || !filepath.IsLocal(filepath.FromSlash(name)) {
			return m, nil, fmt.Errorf("unexpected entry %q: not a serentak backup", name)
		}
		if name == backupManifest {
			if err := json.NewDecoder(io.LimitReader(tr, 64<<20)).Decode(&m); err != nil {
				return m, nil, fmt.Errorf("manifest.json: %w", err)
			}
			seenManifest = true
			continue
		}
		dst := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(dst), 0o700); err != nil {
			return m, nil, err
		}
		out, err := os.OpenFile(dst, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
		if err != nil {
			return m, nil, err
		}
		hash := sha256.New()
		n, err := io.Copy(io.MultiWriter(out, hash), tr)
		if cerr := out.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			return m, nil, fmt.Errorf("%s: %w", name, err)
		}
		got[name] = ManifestFile{Path: name, Size: n, SHA256: hex.EncodeToString(hash.Sum(nil))}
	}
	if !seenManifest {
		return m, nil, errors.New("no manifest.json: not a serentak backup, or cut short")
	}
	return m, got, nil
}

// check compares what was unpacked with what the manifest lists.
func (m Manifest) check(got map[string]ManifestFile) error {
	if m.Format != BackupFormat {
		return fmt.Errorf("format %q, want %q: made by another version of serentak", m.Format, BackupFormat)
	}
	if len(m.Files) != len(got) {
		return fmt.Errorf("the manifest lists %d files, the archive holds %d", len(m.Files), len(got))
	}
	for _, want := range m.Files {
		if got[want.Path] != want {
			return fmt.Errorf("%s does not match the manifest (size or SHA-256): the archive is damaged", want.Path)
		}
	}
	if _, ok := got[backupDB]; !ok {
		return errors.New("the archive holds no database")
	}
	return nil
}
