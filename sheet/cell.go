package sheet

import (
	"errors"
	"fmt"
	"regexp"
	"strings"
	"time"
	"unicode"
)

// scientific is a number a spreadsheet shows, and saves, in scientific
// notation: 8.52E+11 (or 8,52E+11 in a locale with a decimal comma).
var scientific = regexp.MustCompile(`^[+-]?\d+([.,]\d+)?[eE]\+?\d+$`)

// ErrScientific is a number cell saved in scientific notation: the
// digits past the first few are lost in the file, so the number cannot be
// read back.
var ErrScientific = errors.New("the spreadsheet saved this number in scientific notation and its last digits are lost; format the column as Text (or write the number with a leading ' ) and type the number again")

// CheckNumber refuses a phone number (or any long number) that the
// spreadsheet saved in scientific notation. A number that lost only its
// leading 0 (852…) is whole and is left to the reader of numbers
// (compose.ParseWhatsApp reads 8… as an Indonesian mobile number).
func CheckNumber(s string) error {
	if scientific.MatchString(strings.TrimSpace(s)) {
		return ErrScientific
	}
	return nil
}

// Amount reads a price cell as merchants write it and returns the amount
// as a plain decimal number ("25000", "4.50"), for the caller to check
// against its currency (compose.ParseAmount: IDR takes no decimals). It
// takes a currency word or symbol before or after the number ("Rp25.000",
// "Rp 25.000,00", "Rp. 25.000,-", "IDR 25000", "$4.50") and these
// separators:
//   - both '.' and ',': the last one is the decimal separator
//     ("25.000,00", "1,250.50");
//   - one of them several times: thousands ("1.250.000");
//   - one of them once, followed by exactly three digits: thousands
//     ("25.000", "25,000" are both 25000: the way Indonesians and
//     English speakers write prices);
//   - otherwise the decimal separator ("4.50", "12,5").
//
// ",-" after a number means no cents (Rp 25.000,-).
func Amount(s string) (string, error) {
	orig := strings.TrimSpace(s)
	t := strings.Map(func(r rune) rune {
		if unicode.IsSpace(r) { // NBSP and narrow spaces from formatted cells too
			return -1
		}
		return r
	}, orig)
	t = strings.TrimSuffix(t, ",-")
	t = strings.TrimSuffix(t, ".-")
	t = currencyBefore.ReplaceAllString(t, "")
	t = currencyAfter.ReplaceAllString(t, "")
	if t == "" {
		return "", fmt.Errorf("%q is not a price: write the amount, e.g. 25000 or Rp25.000", orig)
	}
	if strings.HasPrefix(t, "-") {
		return "", fmt.Errorf("%q is not a price: it must be 0 or more", orig)
	}
	for _, r := range t {
		if !(r >= '0' && r <= '9' || r == '.' || r == ',') {
			return "", fmt.Errorf("%q is not a price: write the amount, e.g. 25000 or Rp25.000", orig)
		}
	}
	if t[0] == '.' || t[0] == ',' || t[len(t)-1] == '.' || t[len(t)-1] == ',' {
		return "", fmt.Errorf("%q is not a price: write the amount, e.g. 25000 or Rp25.000", orig)
	}
	dots, commas := strings.Count(t, "."), strings.Count(t, ",")
	var thousands, decimal string
	switch {
	case dots > 0 && commas > 0:
		if strings.LastIndex(t, ".") > strings.LastIndex(t, ",") {
			thousands, decimal = ",", "."
		} else {
			thousands, decimal = ".", ","
		}
	case dots > 1:
		thousands = "."
	case commas > 1:
		thousands = ","
	case dots == 1 || commas == 1:
		sep := "."
		if commas == 1 {
			sep = ","
		}
		if _, after, _ := strings.Cut(t, sep); len(after) == 3 {
			thousands = sep
		} else {
			decimal = sep
		}
	}
	intPart, frac := t, ""
	if decimal != "" {
		var found bool
		intPart, frac, found = strings.Cut(t, decimal)
		if !found || strings.Contains(frac, decimal) || strings.ContainsAny(frac, ".,") {
			return "", fmt.Errorf("%q is not a price: write the amount, e.g. 25000 or Rp25.000", orig)
		}
	}
	if thousands != "" {
		groups := strings.Split(intPart, thousands)
		for i, g := range groups {
			if (i == 0 && (len(g) == 0 || len(g) > 3)) || (i > 0 && len(g) != 3) {
				return "", fmt.Errorf("%q is not a price: its thousands are not grouped by three; write the amount without separators, e.g. 25000", orig)
			}
		}
		intPart = strings.Join(groups, "")
	}
	if frac != "" {
		return intPart + "." + frac, nil
	}
	return intPart, nil
}

// currencyBefore and currencyAfter are the currency words and symbols
// written beside a price. Only these: "25rb" (ribu, thousand) or "25k"
// must not become 25 by dropping the letters, so any other word is an
// error.
var (
	currencyBefore = regexp.MustCompile(`(?i)^(rp\.?|idr|usd|us\$|eur|sgd|s\$|myr|rm|jpy|\$|€|¥|£)`)
	currencyAfter  = regexp.MustCompile(`(?i)(rp|idr|usd|eur|sgd|myr|jpy|€)$`)
)

// timeLayouts are the ways a scheduled time is written in a sheet, in the
// workspace's timezone: the contract's 2026-12-24 09:00, Indonesian dates
// (day first, hours and minutes separated by '.' or ':'), with or without
// seconds.
var timeLayouts = []string{
	"2006-01-02 15:04",
	"2006-01-02 15:04:05",
	"2006-01-02T15:04",
	"2006-01-02T15:04:05",
	"2/1/2006 15.04",
	"2/1/2006 15:04",
	"2/1/2006 15.04.05",
	"2/1/2006 15:04:05",
	"2-1-2006 15.04",
	"2-1-2006 15:04",
}

// Time reads a scheduled time: RFC 3339 with its own offset, or one of
// the local forms above in loc (the workspace's timezone). A date alone
// is refused: the time of day is the point of scheduling.
func Time(s string, loc *time.Location) (time.Time, error) {
	s = strings.Join(strings.Fields(s), " ")
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return t, nil
	}
	for _, layout := range timeLayouts {
		if t, err := time.ParseInLocation(layout, s, loc); err == nil {
			return t, nil
		}
	}
	return time.Time{}, fmt.Errorf("%q is not a time: write it as 2026-12-24 09:00 or 24/12/2026 09.00 (%s time), or RFC 3339 with an offset", s, loc)
}
