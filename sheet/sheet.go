// Package sheet reads a spreadsheet saved as CSV the way merchants save
// one: from Google Sheets or Excel's "CSV UTF-8" (UTF-8 with a byte order
// mark), Excel's plain "CSV (Comma delimited)" (the Windows code page,
// Windows-1252 on Western and Indonesian systems), with ';' between fields
// when Excel runs in a locale whose decimal separator is the comma
// (Indonesian), with CRLF line ends and with newlines inside quoted
// fields. It also reads the cells a spreadsheet mangles: prices written
// the Indonesian way, local times, and numbers shown in scientific
// notation. It is pure: bytes in, values out.
package sheet

import (
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"strings"
	"unicode/utf8"

	"golang.org/x/text/encoding/charmap"
)

// Record is one record of a sheet after its header.
type Record struct {
	// Row counts records as a spreadsheet numbers its rows: the header
	// is 1, the first record 2 (a record with a newline inside a quoted
	// field is still one row).
	Row int
	// Fields are the record's cells, one per header column: missing
	// trailing cells are "", extra ones are dropped (Extra says so).
	Fields []string
	// Extra is the number of cells beyond the header's columns that
	// were not empty.
	Extra int
}

// Sheet is a CSV file read whole.
type Sheet struct {
	Header  []string
	Records []Record
	// Encoding is what the bytes were read as: "utf-8" or
	// "windows-1252".
	Encoding string
	// Comma is the field separator found on the header line.
	Comma rune
}

// utf8BOM is the byte order mark Excel's "CSV UTF-8" and Google Sheets
// put first.
var utf8BOM = []byte{0xEF, 0xBB, 0xBF}

// Read reads a whole CSV file. The header is trimmed of spaces; an empty
// line between records is skipped (it counts as no row), as spreadsheets
// do not save one. maxRecords bounds the records after the header (0: no
// bound); a file with more is ErrTooManyRows, found before anything else
// of it is kept.
func Read(data []byte, maxRecords int) (Sheet, error) {
	s := Sheet{Encoding: "utf-8"}
	data = bytes.TrimPrefix(data, utf8BOM)
	if !utf8.Valid(data) {
		// Not UTF-8: Excel's plain "CSV" in the Windows code page. Every
		// byte is a character in Windows-1252, so this cannot fail; a
		// file in another code page reads as wrong letters, never as an
		// error, and the merchant sees them in the preview of the posts.
		decoded, err := charmap.Windows1252.NewDecoder().Bytes(data)
		if err != nil {
			return Sheet{}, fmt.Errorf("the file is neither UTF-8 nor Windows-1252 text: save it as \"CSV UTF-8\"")
		}
		data, s.Encoding = decoded, "windows-1252"
	}
	if len(bytes.TrimSpace(data)) == 0 {
		return Sheet{}, ErrEmpty
	}
	s.Comma = sniffComma(data)
	r := csv.NewReader(bytes.NewReader(data))
	r.Comma = s.Comma
	r.FieldsPerRecord = -1 // rows shorter or longer than the header are the caller's to judge
	header, err := r.Read()
	if err != nil {
		return Sheet{}, parseError(err)
	}
	for i, h := range header {
		header[i] = strings.TrimSpace(h)
	}
	s.Header = header
	for row := 2; ; row++ {
		fields, err := r.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return Sheet{}, parseError(err)
		}
		if maxRecords > 0 && len(s.Records) >= maxRecords {
			return Sheet{}, ErrTooManyRows
		}
		rec := Record{Row: row, Fields: make([]string, len(header))}
		for i, f := range fields {
			if i < len(header) {
				rec.Fields[i] = f
			} else if strings.TrimSpace(f) != "" {
				rec.Extra++
			}
		}
		s.Records = append(s.Records, rec)
	}
	return s, nil
}

// ErrEmpty is a file without even a header.
var ErrEmpty = errors.New("the file is empty: send a CSV file with a header row and one row per post")

// ErrTooManyRows is a file with more records than the caller takes.
var ErrTooManyRows = errors.New("the file has too many rows")

// parseError phrases encoding/csv's error for a person: the line, and
// what to do.
func parseError(err error) error {
	var pe *csv.ParseError
	if errors.As(err, &pe) {
		return fmt.Errorf("the file cannot be read as CSV at line %d, column %d: %v; save the sheet again as CSV, or put quotes around a cell holding a quote", pe.Line, pe.Column, pe.Err)
	}
	return fmt.Errorf("the file cannot be read as CSV: %v", err)
}

// sniffComma finds the separator on the header line: ';' when it has
// more semicolons than commas outside quotes (Excel in a locale whose
// decimal separator is the comma, Indonesian among them), a tab for a
// sheet copied as TSV, else ','.
func sniffComma(data []byte) rune {
	counts := map[byte]int{}
	quoted := false
	for _, c := range data {
		if c == '"' {
			quoted = !quoted
			continue
		}
		if quoted {
			continue
		}
		if c == '\n' || c == '\r' {
			break
		}
		counts[c]++
	}
	switch {
	case counts[';'] > counts[','] && counts[';'] >= counts['\t']:
		return ';'
	case counts['\t'] > counts[','] && counts['\t'] > counts[';']:
		return '\t'
	}
	return ','
}
