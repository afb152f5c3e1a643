package serentak

import "testing"

func TestHandleProblem(t *testing.T) {
	for h, want := range map[string]string{
		"toko-sari": "", "abc": "", "toko123": "", "a-b": "",
		"ab": "length", "abcdefghijklmnopqrstuvwxyz01234": "length",
		"Toko": "characters", "-toko": "characters", "toko-": "characters", "to--ko": "characters",
		"toko sari": "characters", "toko_sari": "characters", "tokó": "characters",
		"admin": "reserved", "static": "reserved",
	} {
		if got := HandleProblem(h); got != want {
			t.Errorf("HandleProblem(%q) = %q, want %q", h, got, want)
		}
	}
}

func TestSuggestHandle(t *testing.T) {
	for name, want := range map[string]string{
		"Toko Sari":              "toko-sari",
		"  Kué Bu Ani & Anak!! ": "kue-bu-ani-anak",
		"Keripik Singkong Pedas Mbak Sri Jaya Abadi": "keripik-singkong-pedas-mbak",
		"Warung 99": "warung-99",
		"AB":        "", // too short
		"Admin":     "", // reserved
		"東京":        "",
	} {
		if got := SuggestHandle(name); got != want {
			t.Errorf("SuggestHandle(%q) = %q, want %q", name, got, want)
		}
	}
}
