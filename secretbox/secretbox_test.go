package secretbox

import (
	"errors"
	"strings"
	"testing"
)

func TestSealOpen(t *testing.T) {
	box, err := New(KeyFromString("test key"))
	if err != nil {
		t.Fatal(err)
	}
	sealed := box.Seal("EAAB-page-token", "acc_1")
	if strings.Contains(sealed, "EAAB") {
		t.Fatalf("sealed value shows the plaintext: %s", sealed)
	}
	if again := box.Seal("EAAB-page-token", "acc_1"); again == sealed {
		t.Fatal("two seals of the same plaintext are equal; the nonce is not random")
	}
	got, err := box.Open(sealed, "acc_1")
	if err != nil || got != "EAAB-page-token" {
		t.Fatalf("Open = %q, %v; want the plaintext", got, err)
	}
	if _, err := box.Open(sealed, "acc_2"); !errors.Is(err, ErrCorrupt) {
		t.Fatalf("Open with another row's aad = %v, want ErrCorrupt", err)
	}
	other, _ := New(KeyFromString("another key"))
	if _, err := other.Open(sealed, "acc_1"); !errors.Is(err, ErrCorrupt) {
		t.Fatalf("Open with another key = %v, want ErrCorrupt", err)
	}
	tampered := sealed[:len(sealed)-2] + "AA"
	if _, err := box.Open(tampered, "acc_1"); !errors.Is(err, ErrCorrupt) {
		t.Fatalf("Open of tampered value = %v, want ErrCorrupt", err)
	}
	if s := box.Seal("", "acc_1"); s != "" {
		t.Fatalf("Seal(\"\") = %q, want empty", s)
	}
	if got, err := box.Open("", "acc_1"); got != "" || err != nil {
		t.Fatalf("Open(\"\") = %q, %v", got, err)
	}
}

func TestNewRejectsShortKey(t *testing.T) {
	if _, err := New([]byte("short")); err == nil {
		t.Fatal("New accepted a 5-byte key")
	}
}
