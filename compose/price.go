package compose

import (
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
