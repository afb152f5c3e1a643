package compose

import (
	"math"
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
