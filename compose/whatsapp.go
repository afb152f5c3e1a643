package compose

import (
	"errors"
	"fmt"
	"net/url"
	"strings"
	"unicode"
)

// WhatsApp numbers as merchants write them.
//
// wa.me opens a chat only with the number in full international form:
// country code and number, digits only, without the national 0, brackets
// or dashes (WhatsApp Help Center, faq.whatsapp.com, "How to use click to
// chat"). Indonesians write their
// number the national way, 0852-1234-5678, or +62 852-1234-5678, and paste
// either into a wa.me link; the link is then broken (a space ends it in a
// caption) or opens no chat (the national 0). ParseWhatsApp reads every
// such spelling; the published link always carries the digits alone.

// Bounds of a number, in digits. E.164 allows at most 15 digits with the
// country code; the shortest numbers in use have 7 (a few island
// countries). An Indonesian number has 8 to 12 digits after +62 (mobile:
// 8xx and 6 to 9 more; landline: a 2- or 3-digit area code and the
// subscriber's number).
const (
	maxE164Digits = 15
	minE164Digits = 7
	minIDDigits   = 8
	maxIDDigits   = 12
)

// indonesia is Indonesia's country calling code.
const indonesia = "62"

// ParseWhatsApp reads a WhatsApp number as people write it and returns it
// in E.164 form, "+6285212345678". Accepted: the national form "0852…",
// "+62 …", "62…", "8…" (an Indonesian mobile number without its 0), "00"
// followed by a country code, and any other "+<country code> …"; spaces,
// dashes, dots, slashes and parentheses are ignored, as is a "(0)" after
// the country code. Digits without a '+' that start with neither 0 nor 8
// are taken as wa.me takes them: country code first. Errors are phrased
// for a person.
func ParseWhatsApp(s string) (string, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return "", errors.New("give a WhatsApp number, e.g. 0852-1234-5678 or +62 852-1234-5678")
	}
	var digits strings.Builder
	plus := false
	for _, r := range s {
		switch {
		case r >= '0' && r <= '9':
			digits.WriteRune(r)
		case r == '+' && digits.Len() == 0 && !plus: // "+62 …", "(+62) …"
			plus = true
		case unicode.IsSpace(r) || strings.ContainsRune("-‐‑‒–—./()", r):
		case unicode.IsLetter(r):
			return "", fmt.Errorf("%q is not a phone number: it has letters; write the number, e.g. 0852-1234-5678", s)
		default:
			return "", fmt.Errorf("%q is not a phone number: write digits, with spaces or dashes if you like, e.g. 0852-1234-5678", s)
		}
	}
	d := digits.String()
	// "(0)" after the country code is a national 0 written for readers
	// at home: +62 (0)852… is +62 852….
	if plus {
		d = dropBracketedZero(s, d)
	}
	var number string
	switch {
	case d == "":
		return "", fmt.Errorf("%q has no digits; give a WhatsApp number, e.g. 0852-1234-5678", s)
	case plus:
		number = d
	case strings.HasPrefix(d, "00"):
		number = d[2:]
	case strings.HasPrefix(d, "0"):
		number = indonesia + d[1:]
	case strings.HasPrefix(d, "8"):
		number = indonesia + d
	default:
		number = d
	}
	if rest, ok := strings.CutPrefix(number, indonesia); ok {
		rest = strings.TrimPrefix(rest, "0") // +62 0852…: the national 0 again
		if n := len(rest); n < minIDDigits || n > maxIDDigits {
			return "", fmt.Errorf("%q is not an Indonesian number: it has %d digits after the 0 (or +62), where a number has %d to %d, e.g. 0852-1234-5678",
				s, n, minIDDigits, maxIDDigits)
		}
		number = indonesia + rest
	}
	switch {
	case strings.HasPrefix(number, "0"):
		return "", fmt.Errorf("%q: a country code never starts with 0; write +<country code> and the number", s)
	case len(number) > maxE164Digits:
		return "", fmt.Errorf("%q is too long for a phone number: %d digits with the country code, at most %d", s, len(number), maxE164Digits)
	case len(number) < minE164Digits:
		return "", fmt.Errorf("%q is too short for a phone number with its country code; write it whole, e.g. 0852-1234-5678", s)
	}
	return "+" + number, nil
}

// dropBracketedZero removes the national 0 written "(0)" after a country
// code from the digits of s: "+62 (0)852…".
func dropBracketedZero(s, digits string) string {
	i := strings.Index(strings.ReplaceAll(s, " ", ""), "(0)")
	if i < 0 {
		return digits
	}
	// Digits before the "(0)" are the country code.
	before := 0
	for _, r := range strings.ReplaceAll(s, " ", "")[:i] {
		if r >= '0' && r <= '9' {
			before++
		}
	}
	if before == 0 || before > 3 || before >= len(digits) {
		return digits
	}
	return digits[:before] + digits[before+1:]
}

// isChatHost reports whether host serves WhatsApp's click-to-chat links.
func isChatHost(host string) bool {
	host = strings.ToLower(host)
	return host == "wa.me" || host == "www.wa.me"
}

// readOrderURL reads a product's order link: a full http(s) address, a
// wa.me link written without its scheme ("wa.me/0852…"), or a WhatsApp
// number alone. It returns the link to publish — a wa.me link carrying the
// number in E.164 digits, any space percent-encoded — and the WhatsApp
// number it leads to ("" for a link elsewhere). A wa.me link whose number
// cannot be read is an error, as is anything that is neither a link nor a
// number.
func readOrderURL(raw string) (link, number string, err error) {
	raw = strings.TrimSpace(raw)
	lower := strings.ToLower(raw)
	if strings.HasPrefix(lower, "wa.me/") || strings.HasPrefix(lower, "www.wa.me/") {
		raw = "https://" + raw
	}
	u, perr := url.Parse(raw)
	if perr != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		if looksLikeNumber(raw) {
			n, err := ParseWhatsApp(raw)
			if err != nil {
				return "", "", err
			}
			return "https://wa.me/" + n[1:], n, nil
		}
		return "", "", errors.New("the order link must be a full http(s) address, like https://wa.me/6281234567890, or a WhatsApp number")
	}
	switch host := strings.ToLower(u.Hostname()); {
	case isChatHost(host):
		segment := strings.Trim(u.Path, "/")
		if segment == "" || strings.Contains(segment, "/") {
			// wa.me/?text=… (choose a chat), wa.me/message/<code>,
			// wa.me/c/<number> (a catalogue): not a number to read.
			return encodeSpaces(raw), "", nil
		}
		n, err := ParseWhatsApp(segment)
		if err != nil {
			return "", "", fmt.Errorf("the number in this wa.me link cannot be read: %s", err.Error())
		}
		link = "https://wa.me/" + n[1:]
		if u.RawQuery != "" || u.ForceQuery {
			link += "?" + u.RawQuery
		}
		if u.Fragment != "" {
			link += "#" + u.EscapedFragment()
		}
		return encodeSpaces(link), n, nil
	case host == "api.whatsapp.com" && strings.TrimSuffix(u.Path, "/") == "/send":
		params := strings.Split(u.RawQuery, "&")
		for i, p := range params {
			v, ok := strings.CutPrefix(p, "phone=")
			if !ok {
				continue
			}
			plain, uerr := url.QueryUnescape(v)
			if uerr != nil {
				plain = v
			}
			n, err := ParseWhatsApp(plain)
			if err != nil {
				return "", "", fmt.Errorf("the phone number in this WhatsApp link cannot be read: %s", err.Error())
			}
			params[i], number = "phone="+n[1:], n
		}
		link = raw
		if number != "" {
			link = strings.Replace(raw, u.RawQuery, strings.Join(params, "&"), 1)
		}
		return encodeSpaces(link), number, nil
	}
	return encodeSpaces(raw), "", nil
}

// looksLikeNumber reports whether s is written as a phone number would be
// (digits, '+', spaces, dashes, dots, brackets) rather than as an address,
// so a bad number is reported as a number.
func looksLikeNumber(s string) bool {
	hasDigit := false
	for _, r := range s {
		switch {
		case r >= '0' && r <= '9':
			hasDigit = true
		case unicode.IsLetter(r), r == ':', r == '@', r == '?', r == '=':
			return false
		}
	}
	return hasDigit
}

// encodeSpaces writes every space of a link as %20: a space ends a link in
// every caption, so a published link never carries one.
func encodeSpaces(link string) string {
	return strings.ReplaceAll(link, " ", "%20")
}

// readableNumber writes an E.164 number the way a buyer reads and types
// it: an Indonesian one in the national form with dashes, 0852-1234-5678
// (in "en", +62 852-1234-5678, for buyers abroad); any other as
// +<country code> and groups, +65 8123 4567.
func readableNumber(e164, lang string) string {
	d := strings.TrimPrefix(e164, "+")
	if rest, ok := strings.CutPrefix(d, indonesia); ok {
		head, tail := idPrefix(rest)
		groups := append([]string{head}, groupDigits(tail)...)
		if lang == "en" {
			return "+62 " + strings.Join(groups, "-")
		}
		groups[0] = "0" + groups[0]
		return strings.Join(groups, "-")
	}
	cc := countryCode(d)
	national := d[len(cc):]
	if cc == "1" && len(national) == 10 { // North America: 415 555 0123
		return "+1 " + national[:3] + " " + national[3:6] + " " + national[6:]
	}
	return "+" + cc + " " + strings.Join(groupDigits(national), " ")
}

// idPrefix splits an Indonesian number (after +62) into the group written
// first and the rest: the mobile prefix 8xx (0852), or the area code: two
// digits for Jakarta (21), Bandung (22), Semarang (24), Surabaya (31) and
// Medan (61), three elsewhere (0274, Yogyakarta).
func idPrefix(n string) (string, string) {
	size := 3
	if !strings.HasPrefix(n, "8") {
		switch n[:2] {
		case "21", "22", "24", "31", "61":
			size = 2
		}
	}
	return n[:size], n[size:]
}

// groupDigits splits digits into groups of 4, the last of 3 to 5: 8 digits
// are 4-4, 7 are 4-3, 9 are 4-5, 6 are 3-3.
func groupDigits(d string) []string {
	if len(d) <= 5 {
		return []string{d}
	}
	var sizes []int
	n := len(d)
	for n > 5 {
		sizes = append(sizes, 4)
		n -= 4
	}
	switch n {
	case 1: // ...4-4-1 → ...4-5
		sizes[len(sizes)-1] = 5
	case 2: // ...4-2 → ...3-3
		sizes[len(sizes)-1] = 3
		sizes = append(sizes, 3)
	default:
		sizes = append(sizes, n)
	}
	var out []string
	for _, s := range sizes {
		out = append(out, d[:s])
		d = d[s:]
	}
	return out
}

// countryCode returns the country calling code at the start of an E.164
// number's digits. Country codes are prefix-free: 1 and 7 are the
// one-digit codes, the two-digit ones are listed here, every other is
// three digits (ITU-T, "List of ITU-T Recommendation E.164 assigned
// country codes", annexed to the ITU Operational Bulletin).
func countryCode(d string) string {
	if d == "" {
		return ""
	}
	if d[0] == '1' || d[0] == '7' {
		return d[:1]
	}
	if len(d) >= 2 {
		switch d[:2] {
		case "20", "27", "30", "31", "32", "33", "34", "36", "39", "40", "41", "43", "44", "45", "46", "47", "48", "49",
			"51", "52", "53", "54", "55", "56", "57", "58", "60", "61", "62", "63", "64", "65", "66",
			"81", "82", "84", "86", "90", "91", "92", "93", "94", "95", "98":
			return d[:2]
		}
	}
	if len(d) >= 3 {
		return d[:3]
	}
	return d
}

// refNote is a tracked link's reference as a chat or a caption shows it:
// "(kode IG-7K2)", in English "(ref IG-7K2)".
func refNote(ref, lang string) string {
	if lang == "en" {
		return "(ref " + ref + ")"
	}
	return "(kode " + ref + ")"
}

// withRef adds note to the prefilled message of a WhatsApp chat link
// (wa.me/<number> or api.whatsapp.com/send with a text parameter), so the
// chat a tracked link opens names the post and platform it came from.
// Any other link is returned as it is: its site has no message to carry it.
func withRef(link, note string) string {
	u, err := url.Parse(link)
	if err != nil || u.Fragment != "" {
		return link
	}
	host := strings.ToLower(u.Hostname())
	if !isChatHost(host) && host != "api.whatsapp.com" {
		return link
	}
	params := strings.Split(u.RawQuery, "&")
	for i, p := range params {
		v, ok := strings.CutPrefix(p, "text=")
		if !ok {
			continue
		}
		msg, err := url.QueryUnescape(v)
		if err != nil {
			return link
		}
		// %20, not '+': the message is shown as encoded (orderURL).
		params[i] = "text=" + strings.ReplaceAll(url.QueryEscape(strings.TrimSpace(msg)+" "+note), "+", "%20")
		base, _, _ := strings.Cut(link, "?")
		return base + "?" + strings.Join(params, "&")
	}
	return link
}
