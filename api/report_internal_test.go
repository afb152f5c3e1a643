package api

import "testing"

func TestCSVSafe(t *testing.T) {
	for in, want := range map[string]string{
		"":                          "",
		"Keripik":                   "Keripik",
		"=1+1":                      "'=1+1",
		"+62 812":                   "'+62 812",
		"-5":                        "'-5",
		"@SUM(A1)":                  "'@SUM(A1)",
		"\t=cmd":                    "'\t=cmd",
		"\r=cmd":                    "'\r=cmd",
		"Rp25.000 = murah":          "Rp25.000 = murah", // only the first character counts
		"https://www.facebook.com/": "https://www.facebook.com/",
	} {
		if got := csvSafe(in); got != want {
			t.Errorf("csvSafe(%q) = %q, want %q", in, got, want)
		}
	}
}
