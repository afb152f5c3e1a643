package compose

import (
	"math"
	"strings"
	"testing"

	"github.com/serentak/serentak"
)

func TestFormatPrice(t *testing.T) {
	tests := []struct {
		amount   float64
		currency string
		want     string
	}{
		{25000, "IDR", "Rp25.000"},
		{1250000, "IDR", "Rp1.250.000"},
		{0, "IDR", "Rp0"},
		{999, "IDR", "Rp999"},
		{25000.5, "IDR", "Rp25.001"}, // rounds half away from zero
		{25000, "idr", "Rp25.000"},
		{4.5, "USD", "$4.50"},
		{1234.5, "USD", "$1,234.50"},
		{0.1 + 0.2, "USD", "$0.30"},
		{4.5, "EUR", "€4,50"},
		{1234.5, "EUR", "€1.234,50"},
		{500, "JPY", "¥500"},
		{12000, "JPY", "¥12,000"},
		{4.5, "SGD", "S$4.50"},
		{4.5, "MYR", "RM4.50"},
		{12.5, "GBP", "12.50 GBP"},
		{1500000, "KRW", "1,500,000 KRW"},
		{-5, "USD", "-$5.00"},
		{7, "", "7.00"},
		{math.NaN(), "USD", "$NaN"},
	}
	for _, tt := range tests {
		p := serentak.Price{Amount: tt.amount, Currency: tt.currency}
		for _, lang := range []string{"id", "en"} {
			if got := FormatPrice(p, lang); got != tt.want {
				t.Errorf("FormatPrice(%v %s, %s) = %q, want %q", tt.amount, tt.currency, lang, got, tt.want)
			}
		}
	}
}

// TestParseAmount: amounts are read from the JSON text exactly, bounded at
// 10^15 of the currency's smallest unit, and never rounded silently: an
// amount with more decimals than the currency is written with is refused.
func TestParseAmount(t *testing.T) {
	tests := []struct {
		in       string
		currency string
		want     float64
		wantErr  string // part of the error; "" for none
	}{
		{"25000", "IDR", 25000, ""},
		{"0", "IDR", 0, ""},
		{"2.5e4", "IDR", 25000, ""},
		{"25000.000", "IDR", 25000, ""},
		{"1000000000000000", "IDR", 1e15, ""},
		{"999999999999999", "IDR", 999999999999999, ""},
		{"9007199254740993", "IDR", 0, "at most"}, // 2^53+1: a float64 would silently make it 2^53
		{"1000000000000001", "IDR", 0, "at most"},
		{"1e308", "IDR", 0, "at most"},
		{"1e400", "IDR", 0, "at most"},
		{"1e99999999999999999999", "IDR", 0, "at most"},
		{"25000.5", "IDR", 0, "IDR prices are whole amounts, without decimals, so 25000.5 would have to be rounded; give 25000 or 25001"},
		{"1e-400", "IDR", 0, "without decimals"},
		{"-1", "IDR", 0, "0 or more"},
		{"-0.0", "IDR", 0, ""},
		{"4.5", "USD", 4.5, ""},
		{"4.50", "USD", 4.5, ""},
		{"0.1", "USD", 0.1, ""},
		{"10000000000000", "USD", 1e13, ""},
		{"10000000000000.01", "USD", 0, "at most"},
		{"4.505", "USD", 0, "USD prices have at most 2 decimals, so 4.505 would have to be rounded; give 4.50 or 4.51"},
		{"500", "JPY", 500, ""},
		{"500.5", "JPY", 0, "without decimals"},
		{"1500000", "KRW", 1500000, ""},
		{"12.5", "GBP", 12.5, ""},
		{"abc", "IDR", 0, "number"},
	}
	for _, tt := range tests {
		got, err := ParseAmount(tt.in, tt.currency)
		switch {
		case tt.wantErr == "" && err != nil:
			t.Errorf("ParseAmount(%s, %s) = %v", tt.in, tt.currency, err)
		case tt.wantErr == "" && got != tt.want:
			t.Errorf("ParseAmount(%s, %s) = %v, want %v", tt.in, tt.currency, got, tt.want)
		case tt.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tt.wantErr)):
			t.Errorf("ParseAmount(%s, %s) = %v, %v; want an error saying %q", tt.in, tt.currency, got, err, tt.wantErr)
		}
	}
	// The bound keeps every amount exact: its largest amount is written back
	// digit for digit.
	max, err := ParseAmount("1000000000000000", "IDR")
	if err != nil || FormatPrice(serentak.Price{Amount: max, Currency: "IDR"}, "id") != "Rp1.000.000.000.000.000" {
		t.Errorf("the largest IDR amount is not exact: %v, %v", max, err)
	}
	cents, err := ParseAmount("9999999999999.99", "USD")
	if err != nil || FormatPrice(serentak.Price{Amount: cents, Currency: "USD"}, "en") != "$9,999,999,999,999.99" {
		t.Errorf("the largest USD amount is not exact: %v, %v", cents, err)
	}
}
