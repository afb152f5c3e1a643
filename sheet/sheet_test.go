package sheet_test

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/serentak/serentak/sheet"
)

var header = []string{"name", "price", "currency", "description", "url", "hashtags", "media_urls", "accounts", "scheduled_at"}

func read(t *testing.T, name string) sheet.Sheet {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	s, err := sheet.Read(data, 0)
	if err != nil {
		t.Fatalf("Read(%s): %v", name, err)
	}
	return s
}

// Excel's "CSV UTF-8": a BOM that must not stick to the first column's
// name, CRLF, a quoted cell with a newline, a comma and doubled quotes.
func TestReadExcelUTF8(t *testing.T) {
	s := read(t, "excel-utf8.csv")
	if diff := cmp.Diff(header, s.Header); diff != "" {
		t.Fatalf("header (-want +got):\n%s", diff)
	}
	if s.Encoding != "utf-8" || s.Comma != ',' {
		t.Errorf("encoding %s, comma %q; want utf-8, ','", s.Encoding, s.Comma)
	}
	if len(s.Records) != 2 {
		t.Fatalf("%d records, want 2", len(s.Records))
	}
	r := s.Records[0]
	if r.Row != 2 || r.Fields[0] != "Keripik Singkong Pedas" || r.Fields[8] != "2026-12-24 09:00" {
		t.Errorf("record 1 = %+v", r)
	}
	if want := "Renyah, pedas.\nTanpa pengawet 🌶️ \"asli\""; r.Fields[3] != want {
		t.Errorf("description = %q, want %q", r.Fields[3], want)
	}
	if r := s.Records[1]; r.Row != 3 || r.Fields[0] != "Kué Lapis" || r.Fields[1] != "Rp 15.000,00" {
		t.Errorf("record 2 = %+v (a quoted newline in row 2 must not shift the row count)", r)
	}
}

// Excel's plain "CSV": Windows-1252 bytes (é, €, curly quotes) read as
// the letters they are.
func TestReadExcelWindows1252(t *testing.T) {
	s := read(t, "excel-1252.csv")
	if s.Encoding != "windows-1252" {
		t.Errorf("encoding = %s, want windows-1252", s.Encoding)
	}
	if got := s.Header[len(s.Header)-1]; got != "whatsapp" {
		t.Errorf("last column = %q", got)
	}
	if r := s.Records[0]; r.Fields[0] != "Kué Lapis" || r.Fields[3] != "“Manis” dan lembut" || r.Fields[9] != "852123456789" {
		t.Errorf("record 1 = %q", r.Fields)
	}
	if r := s.Records[1]; r.Fields[0] != "Café Latte" || r.Fields[3] != "Harga €4.50" || r.Fields[9] != "8.52123E+11" {
		t.Errorf("record 2 = %q", r.Fields)
	}
}

// Indonesian-locale Excel: ';' found on the header line; a ';' inside
// quotes stays in its cell.
func TestReadIndonesianExcel(t *testing.T) {
	s := read(t, "excel-id-semicolon.csv")
	if s.Comma != ';' || s.Encoding != "windows-1252" {
		t.Errorf("comma %q, encoding %s; want ';', windows-1252", s.Comma, s.Encoding)
	}
	if diff := cmp.Diff(header, s.Header); diff != "" {
		t.Fatalf("header (-want +got):\n%s", diff)
	}
	if r := s.Records[0]; r.Fields[1] != "25.000" || r.Fields[3] != "Gurih; renyah" || r.Fields[8] != "24/12/2026 09.00" {
		t.Errorf("record 1 = %q", r.Fields)
	}
	if r := s.Records[1]; r.Fields[0] != "Kué Pukis" || r.Fields[1] != "Rp 12.500,50" {
		t.Errorf("record 2 = %q", r.Fields)
	}
}

// Google Sheets: UTF-8 without a BOM, a bare LF inside a quoted cell.
func TestReadGoogleSheets(t *testing.T) {
	s := read(t, "sheets.csv")
	if len(s.Records) != 1 || s.Records[0].Fields[3] != "Pedas manis\nbaris kedua" || s.Records[0].Fields[7] != "facebook instagram" {
		t.Errorf("records = %+v", s.Records)
	}
}

func TestReadShapes(t *testing.T) {
	t.Run("short and long rows", func(t *testing.T) {
		s, err := sheet.Read([]byte("a,b,c\n1\n1,2,3,4,\n1,2,3,,\n"), 0)
		if err != nil {
			t.Fatal(err)
		}
		want := []sheet.Record{
			{Row: 2, Fields: []string{"1", "", ""}},
			{Row: 3, Fields: []string{"1", "2", "3"}, Extra: 1},
			{Row: 4, Fields: []string{"1", "2", "3"}},
		}
		if diff := cmp.Diff(want, s.Records); diff != "" {
			t.Errorf("records (-want +got):\n%s", diff)
		}
	})
	t.Run("empty", func(t *testing.T) {
		for _, in := range []string{"", "\xef\xbb\xbf", " \r\n"} {
			if _, err := sheet.Read([]byte(in), 0); !errors.Is(err, sheet.ErrEmpty) {
				t.Errorf("Read(%q) = %v, want ErrEmpty", in, err)
			}
		}
	})
	t.Run("too many rows", func(t *testing.T) {
		if _, err := sheet.Read([]byte("a\n1\n2\n3\n"), 2); !errors.Is(err, sheet.ErrTooManyRows) {
			t.Errorf("err = %v, want ErrTooManyRows", err)
		}
		if s, err := sheet.Read([]byte("a\n1\n2\n"), 2); err != nil || len(s.Records) != 2 {
			t.Errorf("2 rows of at most 2: %v, %v", s.Records, err)
		}
	})
	t.Run("broken quotes name the line", func(t *testing.T) {
		_, err := sheet.Read([]byte("a,b\n1,\"x\n2,y\"z\n"), 0)
		if err == nil || !strings.Contains(err.Error(), "line") {
			t.Errorf("err = %v, want a parse error naming the line", err)
		}
	})
}

func TestAmount(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"25000", "25000"},
		{"25.000", "25000"},
		{"25,000", "25000"},
		{"Rp25.000", "25000"},
		{"Rp 25.000", "25000"},
		{"Rp. 25.000,-", "25000"},
		{"Rp 25.000,00", "25000.00"},
		{"Rp 12.500,50", "12500.50"},
		{"IDR 1.250.000", "1250000"},
		{"1,250,000", "1250000"},
		{"1,250.50", "1250.50"},
		{"4.50", "4.50"},
		{"12,5", "12.5"},
		{"$4.50", "4.50"},
		{"€4,50", "4.50"},
		{"25\u00a0000", "25000"},
		{"0", "0"},
		{"25000 IDR", "25000"},
		{"rp25.000", "25000"},
		{"Rp.25.000", "25000"},
	} {
		got, err := sheet.Amount(tc.in)
		if err != nil || got != tc.want {
			t.Errorf("Amount(%q) = %q, %v; want %q", tc.in, got, err, tc.want)
		}
	}
	for _, in := range []string{"", "Rp", "-5000", "abc", "25.00.0,5,5", "1.25.000", "12.3456.789", "25,000.5.5", "2x5", "25rb", "25k", "Rp 25 ribu", "2.5E+04"} {
		if got, err := sheet.Amount(in); err == nil {
			t.Errorf("Amount(%q) = %q, want an error", in, got)
		}
	}
}

func TestCheckNumber(t *testing.T) {
	for _, in := range []string{"8.52E+11", "8,52E+11", "6.28123E+12", "8.5e11"} {
		if err := sheet.CheckNumber(in); !errors.Is(err, sheet.ErrScientific) {
			t.Errorf("CheckNumber(%q) = %v, want ErrScientific", in, err)
		}
	}
	for _, in := range []string{"852123456789", "0852-1234-5678", "+62 852 1234 5678", "", "https://wa.me/6285212345678"} {
		if err := sheet.CheckNumber(in); err != nil {
			t.Errorf("CheckNumber(%q) = %v, want nil", in, err)
		}
	}
}

func TestTime(t *testing.T) {
	jakarta, err := time.LoadLocation("Asia/Jakarta")
	if err != nil {
		t.Fatal(err)
	}
	want := time.Date(2026, 12, 24, 2, 0, 0, 0, time.UTC)
	for _, in := range []string{
		"2026-12-24 09:00", "2026-12-24 09:00:00", "2026-12-24T09:00", " 2026-12-24  09:00 ",
		"24/12/2026 09.00", "24/12/2026 9.00", "24/12/2026 09:00", "24-12-2026 09.00",
		"2026-12-24T09:00:00+07:00", "2026-12-24T02:00:00Z",
	} {
		got, err := sheet.Time(in, jakarta)
		if err != nil || !got.Equal(want) {
			t.Errorf("Time(%q) = %v, %v; want %v", in, got, err, want)
		}
	}
	for _, in := range []string{"2026-12-24", "12/24/2026 09.00", "besok", "24/12/26 09.00"} {
		if got, err := sheet.Time(in, jakarta); err == nil {
			t.Errorf("Time(%q) = %v, want an error", in, got)
		}
	}
}
