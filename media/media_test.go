package media

import (
	"encoding/binary"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/serentak/serentak"
)

// ftyp builds the start of an ISO media file with the given brands.
func ftyp(major string, compatible ...string) []byte {
	size := 16 + 4*len(compatible)
	b := make([]byte, 4, size+8)
	binary.BigEndian.PutUint32(b, uint32(size))
	b = append(b, "ftyp"+major+"\x00\x00\x02\x00"...)
	for _, c := range compatible {
		b = append(b, c...)
	}
	return append(b, "\x00\x00\x00\x08free"...)
}

func TestSniff(t *testing.T) {
	png := []byte("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR")
	jpeg := []byte("\xff\xd8\xff\xe0\x00\x10JFIF\x00")
	gif := []byte("GIF89a\x01\x00\x01\x00")
	webp := []byte("RIFF\x00\x00\x00\x00WEBPVP8 ")
	webm := []byte("\x1a\x45\xdf\xa3\x01\x00\x00\x00\x00\x00\x00\x1f\x42\x86\x81\x01")
	tests := []struct {
		name string
		head []byte
		ct   string
		kind serentak.MediaKind
		ok   bool
	}{
		{"png", png, "image/png", serentak.MediaImage, true},
		{"jpeg", jpeg, "image/jpeg", serentak.MediaImage, true},
		{"gif", gif, "image/gif", serentak.MediaImage, true},
		{"webp", webp, "image/webp", serentak.MediaImage, true},
		{"mp4 isom", ftyp("isom", "isom", "iso2", "avc1", "mp41"), "video/mp4", serentak.MediaVideo, true},
		{"mp4 mp42", ftyp("mp42", "mp42", "isom"), "video/mp4", serentak.MediaVideo, true},
		{"m4v", ftyp("M4V ", "M4V ", "mp42"), "video/mp4", serentak.MediaVideo, true},
		{"mov", ftyp("qt  ", "qt  "), "video/quicktime", serentak.MediaVideo, true},
		{"heic", ftyp("heic", "mif1", "heic"), "image/heic", serentak.MediaImage, true},
		{"webm", webm, "video/webm", serentak.MediaVideo, true},
		{"text", []byte("hello, this is not a picture"), "text/plain", "", false},
		{"html", []byte("<html><body>x</body></html>"), "text/html", "", false},
		{"pdf", []byte("%PDF-1.7\n"), "application/pdf", "", false},
		{"empty", nil, "text/plain", "", false},
		{"unknown ftyp", ftyp("crx ", "crx "), "application/octet-stream", "", false},
	}
	for _, tt := range tests {
		ct, kind, ok := Sniff(tt.head)
		if ct != tt.ct || kind != tt.kind || ok != tt.ok {
			t.Errorf("%s: Sniff = %q, %q, %v; want %q, %q, %v", tt.name, ct, kind, ok, tt.ct, tt.kind, tt.ok)
		}
	}
}

func TestKindFromPath(t *testing.T) {
	tests := []struct {
		path string
		kind serentak.MediaKind
		ok   bool
	}{
		{"/a/keripik.jpg", serentak.MediaImage, true},
		{"/a/keripik.JPEG", serentak.MediaImage, true},
		{"/x.png", serentak.MediaImage, true},
		{"/x.gif", serentak.MediaImage, true},
		{"/x.webp", serentak.MediaImage, true},
		{"/x.heic", serentak.MediaImage, true},
		{"/x.mp4", serentak.MediaVideo, true},
		{"/x.MOV", serentak.MediaVideo, true},
		{"/x.m4v", serentak.MediaVideo, true},
		{"/x.webm", serentak.MediaVideo, true},
		{"/x", "", false},
		{"/x.php", "", false},
		{"/x.jpg/", "", false},
		{"", "", false},
	}
	for _, tt := range tests {
		kind, ok := KindFromPath(tt.path)
		if kind != tt.kind || ok != tt.ok {
			t.Errorf("KindFromPath(%q) = %q, %v; want %q, %v", tt.path, kind, ok, tt.kind, tt.ok)
		}
	}
}

func TestSigner(t *testing.T) {
	now := time.Date(2026, 5, 1, 10, 0, 0, 0, time.UTC)
	s := &Signer{Secret: []byte("0123456789abcdef0123456789abcdef"), BaseURL: "https://serentak.example/", TTL: time.Hour}
	raw := s.URL("med_123", now)
	if !strings.HasPrefix(raw, "https://serentak.example/public/media/med_123?") {
		t.Fatalf("URL = %q, want under https://serentak.example/public/media/med_123", raw)
	}
	u, err := url.Parse(raw)
	if err != nil {
		t.Fatal(err)
	}
	exp, sig := u.Query().Get("exp"), u.Query().Get("sig")
	if !s.Verify("med_123", exp, sig, now) {
		t.Fatal("Verify of a fresh link = false")
	}
	if !s.Verify("med_123", exp, sig, now.Add(time.Hour)) {
		t.Fatal("Verify at the expiry second = false")
	}
	if s.Verify("med_123", exp, sig, now.Add(time.Hour+time.Second)) {
		t.Fatal("Verify after expiry = true")
	}
	if s.Verify("med_124", exp, sig, now) {
		t.Fatal("Verify of another ID = true")
	}
	if s.Verify("med_123", exp+"0", sig, now) {
		t.Fatal("Verify with a changed expiry = true")
	}
	if s.Verify("med_123", exp, sig[:len(sig)-1]+"A", now) && !strings.HasSuffix(sig, "A") {
		t.Fatal("Verify with a changed signature = true")
	}
	other := &Signer{Secret: []byte("another secret"), BaseURL: s.BaseURL}
	if other.Verify("med_123", exp, sig, now) {
		t.Fatal("Verify with another secret = true")
	}
	if (&Signer{}).Verify("med_123", exp, sig, now) {
		t.Fatal("a Signer without a secret verified a link")
	}
}
