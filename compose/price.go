package compose

import (
	"fmt"
	"math"
	"strconv"
	"strings"

	"github.com/serentak/serentak"
)

// currencyFormat is how one currency is written.
type currencyFormat struct {
	prefix   string // written before the amount, no space: "Rp", "$"
	decimals int    // digits after the decimal separator
	thousand string // thousands separator
	decimal  string // decimal separator
}

// currencyFormatFor returns the format of an ISO 4217 code, and false for a
// currency written as "<amount> <CODE>".
//
// The euro is written "€4,50" (symbol first, decimal comma, dot thousands):
// the symbol-first order matches every other price Serentak writes, and the
// comma is what most euro countries use. Whole-unit currencies (IDR, JPY,
// KRW, VND) are written without decimals, as people read them.
func currencyFormatFor(code string) (currencyFormat, bool) {
	switch code {
	case "IDR":
		return currencyFormat{prefix: "Rp", decimals: 0, thousand: "."}, true
	case "USD":
		return currencyFormat{prefix: "$", decimals: 2, thousand: ",", decimal: "."}, true
	case "EUR":
		return currencyFormat{prefix: "€", decimals: 2, thousand: ".", decimal: ","}, true
	case "JPY":
		return currencyFormat{prefix: "¥", decimals: 0, thousand: ","}, true
	case "SGD":
		return currencyFormat{prefix: "S$", decimals: 2, thousand: ",", decimal: "."}, true
	case "MYR":
		return currencyFormat{prefix: "RM", decimals: 2, thousand: ",", decimal: "."}, true
	}
	return currencyFormat{}, false
}

// zeroDecimal lists other currencies that have no minor unit in practice.
func zeroDecimal(code string) bool {
	switch code {
	case "KRW", "VND", "CLP", "ISK", "UGX", "PYG", "XAF", "XOF":
		return true
	}
	return false
}

// FormatPrice writes a price the way people read it: IDR as "Rp25.000" (dot
// thousands, no decimals), USD "$4.50", EUR "€4,50", JPY "¥500", SGD
// "S$4.50", MYR "RM4.50", any other currency "4.50 GBP" (two decimals, or
// none for a whole-unit currency such as KRW). Amounts are rounded half away
// from zero to the currency's decimals. lang is accepted for later (an
// English page may one day want "IDR 25,000"); today it changes nothing.
func FormatPrice(p serentak.Price, lang string) string {
	_ = lang
	code := strings.ToUpper(strings.TrimSpace(p.Currency))
	f, known := currencyFormatFor(code)
	if !known {
		f = currencyFormat{decimals: 2, thousand: ",", decimal: "."}
		if zeroDecimal(code) {
			f.decimals = 0
		}
	}
	amount := formatAmount(p.Amount, f)
	if !known {
		if code == "" {
			return amount
		}
		return amount + " " + code
	}
	if strings.HasPrefix(amount, "-") {
		return "-" + f.prefix + amount[1:]
	}
	return f.prefix + amount
}

// formatAmount writes a non-NaN amount with f's separators.
func formatAmount(amount float64, f currencyFormat) string {
	scale := math.Pow10(f.decimals)
	scaled := math.Round(amount * scale)
	if math.IsNaN(scaled) || math.IsInf(scaled, 0) || math.Abs(scaled) >= 1<<62 {
		// Not a price anyone sells at; write it plainly rather than wrongly.
		return strconv.FormatFloat(amount, 'f', -1, 64)
	}
	n := int64(scaled)
	sign := ""
	if n < 0 {
		sign, n = "-", -n
	}
	unit := n
	frac := int64(0)
	if f.decimals > 0 {
		div := int64(scale)
		unit, frac = n/div, n%div
	}
	s := groupThousands(strconv.FormatInt(unit, 10), f.thousand)
	if f.decimals > 0 {
		fs := strconv.FormatInt(frac, 10)
		s += f.decimal + strings.Repeat("0", f.decimals-len(fs)) + fs
	}
	return sign + s
}

func groupThousands(digits, sep string) string {
	if len(digits) <= 3 {
		return digits
	}
	var b strings.Builder
	first := len(digits) % 3
	if first == 0 {
		first = 3
	}
	b.WriteString(digits[:first])
	for i := first; i < len(digits); i += 3 {
		b.WriteString(sep)
		b.WriteString(digits[i : i+3])
	}
	return b.String()
}

// MaxPriceMinorUnits bounds a price: at most 10^15 of the currency's
// smallest unit — Rp1.000.000.000.000.000 (a quadrillion rupiah), or
// $9,999,999,999,999.99 plus a cent. It is far above any product's price
// and below 2^53, so every amount within it, counted in the smallest unit,
// is an integer a float64 holds exactly: Price.Amount loses nothing and
// FormatPrice writes back the digits that were sent.
const MaxPriceMinorUnits = 1_000_000_000_000_000

// currencyDecimals is how many digits after the decimal separator
// FormatPrice writes for a currency: what an amount may have.
func currencyDecimals(code string) int {
	if f, ok := currencyFormatFor(code); ok {
		return f.decimals
	}
	if zeroDecimal(code) {
		return 0
	}
	return 2
}

// ParseAmount reads a price amount written as a JSON number ("25000",
// "4.50", "2.5e4") in currency's major unit. It checks the decimal text
// itself, never a float64 rounded from it: the amount must be 0 or more,
// have no more decimals than FormatPrice writes for the currency (IDR none,
// USD 2: a price is never rounded silently), and be at most
// MaxPriceMinorUnits of the smallest unit. Errors are phrased for a
// person: "must be …".
func ParseAmount(s, currency string) (float64, error) {
	code := strings.ToUpper(strings.TrimSpace(currency))
	decimals := currencyDecimals(code)
	mant, expText, hasExp := strings.Cut(strings.ToLower(s), "e")
	neg := strings.HasPrefix(mant, "-")
	intPart, frac, _ := strings.Cut(strings.TrimPrefix(mant, "-"), ".")
	digits := strings.TrimLeft(intPart+frac, "0")
	if intPart == "" || !allDigits(intPart) || !allDigits(frac) || (hasExp && !validExponent(expText)) {
		return 0, fmt.Errorf("must be a number, e.g. 25000")
	}
	if digits == "" {
		return 0, nil // any spelling of zero, -0 included
	}
	if neg {
		return 0, fmt.Errorf("must be a number of 0 or more")
	}
	// The amount is digits × 10^-scale; trailing zeros do not count.
	scale := len(frac)
	trimmed := strings.TrimRight(digits, "0")
	scale -= len(digits) - len(trimmed)
	exp := 0
	if hasExp {
		var err error
		// An exponent too long for an int is far out of range either way.
		if exp, err = strconv.Atoi(strings.TrimPrefix(expText, "+")); err != nil {
			if strings.HasPrefix(expText, "-") {
				return 0, tooPrecise(code, decimals)
			}
			return 0, tooLarge(code, decimals)
		}
	}
	scale -= exp
	if scale > decimals {
		return 0, tooPreciseAmount(s, code, decimals)
	}
	// In the smallest unit the amount is trimmed × 10^(decimals-scale), an
	// integer: compare its number of digits, then the digits, with the bound.
	minorDigits := len(trimmed) + decimals - scale
	maxText := strconv.FormatInt(MaxPriceMinorUnits, 10)
	if minorDigits > len(maxText) ||
		(minorDigits == len(maxText) && trimmed+strings.Repeat("0", minorDigits-len(trimmed)) > maxText) {
		return 0, tooLarge(code, decimals)
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil {
		return 0, fmt.Errorf("must be a number, e.g. 25000")
	}
	return f, nil
}

func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

func validExponent(s string) bool {
	s = strings.TrimPrefix(strings.TrimPrefix(s, "+"), "-")
	return s != "" && allDigits(s)
}

// tooPreciseAmount is tooPrecise with the two amounts nearest to s that the
// currency can show, so the merchant picks one: a price is never rounded
// for them.
func tooPreciseAmount(s, code string, decimals int) error {
	f, err := strconv.ParseFloat(s, 64)
	if err != nil || math.IsInf(f, 0) {
		return tooPrecise(code, decimals)
	}
	scale := math.Pow10(decimals)
	lo := strconv.FormatFloat(math.Floor(f*scale)/scale, 'f', decimals, 64)
	hi := strconv.FormatFloat(math.Ceil(f*scale)/scale, 'f', decimals, 64)
	if lo == hi { // too small for a float64 to tell
		return tooPrecise(code, decimals)
	}
	return fmt.Errorf("%s, so %s would have to be rounded; give %s or %s", tooPrecise(code, decimals).Error(), s, lo, hi)
}

// wholeInCurrency reports whether p's amount has no more decimals than
// its currency shows (and is within MaxPriceMinorUnits), so FormatPrice
// writes it as it is.
func wholeInCurrency(p serentak.Price) bool {
	_, err := ParseAmount(strconv.FormatFloat(p.Amount, 'f', -1, 64), p.Currency)
	return err == nil
}

func tooPrecise(code string, decimals int) error {
	name := code
	if name == "" {
		name = "a price"
	}
	if decimals == 0 {
		return fmt.Errorf("%s prices are whole amounts, without decimals", name)
	}
	return fmt.Errorf("%s prices have at most %d decimals", name, decimals)
}

func tooLarge(code string, decimals int) error {
	max := FormatPrice(serentak.Price{Amount: float64(MaxPriceMinorUnits) / math.Pow10(decimals), Currency: code}, "")
	return fmt.Errorf("must be at most %s", max)
}
