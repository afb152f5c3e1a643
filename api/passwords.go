package api

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"fmt"
	"strings"
	"sync/atomic"

	"golang.org/x/crypto/argon2"
)

// argon2id parameters: OWASP's Password Storage Cheat Sheet (section
// "Argon2id") lists equally strong settings; we take its m=19 MiB, t=2,
// p=1, the one needing the least memory, because memory is what limits
// parallel sign-ins (docs/api.md#passwords). One hash took 33 ms and
// 19.9 MB on the 2-core AMD EPYC development machine
// (BenchmarkPasswordHash). A stored hash carries its own
// parameters, so raising them later still verifies old hashes.
const (
	argonTime    = 2
	argonMemory  = 19 * 1024 // KiB
	argonThreads = 1
	argonKeyLen  = 32
	argonSaltLen = 16
	// maxConcurrentHashes bounds how many hashes run at once: each
	// allocates its whole memory parameter (argon2.IDKey), so 4 cost
	// about 76 MiB at most, however many sign-ins arrive together.
	maxConcurrentHashes = 4
	// Passwords are at least minPasswordLen characters and at most
	// maxPasswordBytes bytes (a longer one is no safer and costs more).
	minPasswordLen   = 10
	maxPasswordBytes = 1024
)

// passwordHasher hashes and verifies passwords with argon2id, at most
// maxConcurrentHashes at a time; a request waits its turn (or gives up
// when its context ends).
type passwordHasher struct {
	sem chan struct{}
	// time and memory are the argon2id parameters of new hashes:
	// argonTime and argonMemory, except in tests that ask for cheap ones
	// (export_test.go), where a hash need not resist anyone.
	time, memory uint32
	// hashes counts the hashes computed, so a test can see that a sign-in
	// with an unknown email costs what one with a wrong password does.
	hashes atomic.Int64
	// running and peak count the hashes running now and at most, for the
	// test of the cap.
	running, peak atomic.Int64
}

func newPasswordHasher() *passwordHasher {
	return &passwordHasher{sem: make(chan struct{}, maxConcurrentHashes), time: argonTime, memory: argonMemory}
}

// key runs argon2id under the cap.
func (h *passwordHasher) key(ctx context.Context, password string, salt []byte, t, m uint32, p uint8, n uint32) ([]byte, error) {
	select {
	case h.sem <- struct{}{}:
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	defer func() { <-h.sem }()
	h.hashes.Add(1)
	now := h.running.Add(1)
	for {
		peak := h.peak.Load()
		if now <= peak || h.peak.CompareAndSwap(peak, now) {
			break
		}
	}
	defer h.running.Add(-1)
	return argon2.IDKey([]byte(password), salt, t, m, p, n), nil
}

// hash returns the PHC-style encoding of password's hash:
// $argon2id$v=19$m=…,t=…,p=…$salt$hash.
func (h *passwordHasher) hash(ctx context.Context, password string) (string, error) {
	salt := make([]byte, argonSaltLen)
	rand.Read(salt) // cannot fail (Go 1.24 and later)
	k, err := h.key(ctx, password, salt, h.time, h.memory, argonThreads, argonKeyLen)
	if err != nil {
		return "", err
	}
	b64 := base64.RawStdEncoding
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s", argon2.Version, h.memory, h.time, argonThreads,
		b64.EncodeToString(salt), b64.EncodeToString(k)), nil
}

// verify reports whether password matches encoded. An encoding it cannot
// read is an error, not a mismatch.
func (h *passwordHasher) verify(ctx context.Context, encoded, password string) (bool, error) {
	parts := strings.Split(encoded, "$")
	if len(parts) != 6 || parts[1] != "argon2id" {
		return false, fmt.Errorf("password hash: not an argon2id encoding")
	}
	var v int
	var t, m uint32
	var p uint8
	if _, err := fmt.Sscanf(parts[2], "v=%d", &v); err != nil || v != argon2.Version {
		return false, fmt.Errorf("password hash: version %q", parts[2])
	}
	if _, err := fmt.Sscanf(parts[3], "m=%d,t=%d,p=%d", &m, &t, &p); err != nil || t == 0 || p == 0 || m > 1<<21 {
		return false, fmt.Errorf("password hash: parameters %q", parts[3])
	}
	b64 := base64.RawStdEncoding
	salt, err1 := b64.DecodeString(parts[4])
	want, err2 := b64.DecodeString(parts[5])
	if err1 != nil || err2 != nil || len(want) == 0 {
		return false, fmt.Errorf("password hash: encoding")
	}
	got, err := h.key(ctx, password, salt, t, m, p, uint32(len(want)))
	if err != nil {
		return false, err
	}
	return subtle.ConstantTimeCompare(got, want) == 1, nil
}

// dummyHash is verified against when a sign-in names no user (or one
// without a password), so that answer costs one hash too and takes as
// long as a wrong password's.
const dummyHash = "$argon2id$v=19$m=19456,t=2,p=1$c2VyZW50YWtkdW1teXNhbHQ$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"
