// Package secretbox encrypts short secrets (platform tokens) for storage
// with AES-256-GCM.
package secretbox

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
)

// Box seals and opens secrets with one key.
type Box struct {
	aead cipher.AEAD
}

// New returns a Box for a 32-byte key.
func New(key []byte) (*Box, error) {
	if len(key) != 32 {
		return nil, fmt.Errorf("secretbox: key must be 32 bytes, got %d", len(key))
	}
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, err
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return nil, err
	}
	return &Box{aead: aead}, nil
}

// KeyFromString derives a 32-byte key from SERENTAK_SECRET_KEY. Any string
// works; a long random one (openssl rand -base64 32) is what to use.
func KeyFromString(s string) []byte {
	sum := sha256.Sum256([]byte(s))
	return sum[:]
}

// Seal encrypts plaintext bound to aad (e.g. the row's ID, so a ciphertext
// copied to another row does not open). The empty string seals to "" so
// "no refresh token" stays distinguishable without decrypting.
func (b *Box) Seal(plaintext, aad string) string {
	if plaintext == "" {
		return ""
	}
	nonce := make([]byte, b.aead.NonceSize(), b.aead.NonceSize()+len(plaintext)+b.aead.Overhead())
	rand.Read(nonce) // cannot fail (Go 1.24 and later)
	out := b.aead.Seal(nonce, nonce, []byte(plaintext), []byte(aad))
	return "v1:" + base64.RawStdEncoding.EncodeToString(out)
}

// ErrCorrupt: the ciphertext was altered, sealed under another key, or
// sealed for another row.
var ErrCorrupt = errors.New("secretbox: cannot decrypt (wrong SERENTAK_SECRET_KEY, or the stored value was altered)")

// Open decrypts what Seal produced with the same aad.
func (b *Box) Open(sealed, aad string) (string, error) {
	if sealed == "" {
		return "", nil
	}
	if len(sealed) < 3 || sealed[:3] != "v1:" {
		return "", ErrCorrupt
	}
	raw, err := base64.RawStdEncoding.DecodeString(sealed[3:])
	if err != nil || len(raw) < b.aead.NonceSize() {
		return "", ErrCorrupt
	}
	nonce, ct := raw[:b.aead.NonceSize()], raw[b.aead.NonceSize():]
	pt, err := b.aead.Open(nil, nonce, ct, []byte(aad))
	if err != nil {
		return "", ErrCorrupt
	}
	return string(pt), nil
}
