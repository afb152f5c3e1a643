// Package serentak holds Serentak's domain: workspaces, connected accounts,
// product posts and their per-platform deliveries, and the small interfaces
// the rest of the program is built around. It imports only the standard
// library; storage, HTTP, queueing and the platforms live in their own
// packages and are wired together in cmd/serentak.
package serentak

import (
	"crypto/rand"
	"encoding/base32"
	"strings"
	"time"
)

// ID prefixes. IDs are opaque strings with a type prefix, never database
// integers, so they can be shown to clients and never leak row counts.
const (
	PrefixWorkspace = "ws_"
	PrefixAccount   = "acc_"
	PrefixPost      = "post_"
	PrefixDelivery  = "dlv_"
	PrefixMedia     = "med_"
	PrefixKey       = "key_"
)

var idEncoding = base32.NewEncoding("0123456789abcdefghjkmnpqrstvwxyz").WithPadding(base32.NoPadding)

// NewID returns a new random ID with the given prefix. The first 6 bytes are
// the current time in milliseconds so IDs made close together sort together
// (friendlier to B-tree indexes than fully random keys); the remaining 10
// bytes are random.
func NewID(prefix string) string {
	var b [16]byte
	ms := uint64(time.Now().UnixMilli())
	for i := 5; i >= 0; i-- {
		b[i] = byte(ms)
		ms >>= 8
	}
	rand.Read(b[6:]) // cannot fail (Go 1.24 and later)
	return prefix + idEncoding.EncodeToString(b[:])
}

// LinkCodeLen is the length of a tracked order link's code: 7 characters
// of the IDs' alphabet, 35 random bits (34 billion codes), short enough
// that {SERENTAK_PUBLIC_URL}/o/{code} fits every caption the composer
// fits, and too many to find a merchant's links by trying codes.
const LinkCodeLen = 7

// NewLinkCode returns a random tracked order link code
// (docs/api.md#order-links-that-count).
func NewLinkCode() string {
	var b [5]byte // 40 bits, 8 characters; the first 7 are kept
	rand.Read(b[:])
	return idEncoding.EncodeToString(b[:])[:LinkCodeLen]
}

// ValidLinkCode reports whether s could be a code NewLinkCode made, so a
// request for anything else is answered without a look-up.
func ValidLinkCode(s string) bool {
	if len(s) != LinkCodeLen {
		return false
	}
	for i := 0; i < len(s); i++ {
		if !strings.ContainsRune("0123456789abcdefghjkmnpqrstvwxyz", rune(s[i])) {
			return false
		}
	}
	return true
}

// HasPrefix reports whether id looks like an ID of the kind prefix names.
func HasPrefix(id, prefix string) bool {
	return strings.HasPrefix(id, prefix) && len(id) > len(prefix)
}

// DefaultTimezone is the timezone a workspace gets when none is given: our
// first users are Indonesian businesses.
const DefaultTimezone = "Asia/Jakarta"

// Platform names a social network Serentak publishes to.
type Platform string

const (
	Facebook  Platform = "facebook"
	Instagram Platform = "instagram"
	YouTube   Platform = "youtube"
	TikTok    Platform = "tiktok"
)

// Platforms lists every platform, in the order they are shown to users.
var Platforms = []Platform{Facebook, Instagram, YouTube, TikTok}

// Valid reports whether p is one of the known platforms.
func (p Platform) Valid() bool {
	for _, q := range Platforms {
		if p == q {
			return true
		}
	}
	return false
}

// DisplayName is the platform's name as people write it.
func (p Platform) DisplayName() string {
	switch p {
	case Facebook:
		return "Facebook"
	case Instagram:
		return "Instagram"
	case YouTube:
		return "YouTube"
	case TikTok:
		return "TikTok"
	}
	return string(p)
}
