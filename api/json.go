package api

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"reflect"
	"sort"
	"strings"
	"unicode/utf8"

	"github.com/labstack/echo/v4"

	"github.com/serentak/serentak"
)

// readJSON reads a JSON request body into dst, strictly:
//   - Content-Type must be application/json (or …+json), absent, or
//     application/x-www-form-urlencoded — what `curl -d` sends when told
//     nothing else, so the README's curl lines work as typed; the body is
//     parsed as JSON either way. Any other type is 400 bad_request (we do
//     not use 415, whose code the contract lacks);
//   - more than cfg.BodyLimit bytes: 413 payload_too_large;
//   - malformed JSON, an empty body or anything after the object: 400;
//   - an unknown field (a typo in "scheduled_at" must never silently mean
//     "publish now"): 422 naming every unknown field with its path;
//   - a value of the wrong type: 422 naming the field;
//   - a string with a NUL character or bytes that are not UTF-8, which
//     PostgreSQL cannot store (and encoding/json would quietly turn into
//     U+FFFD): 422 naming the field.
//
// It returns the raw body (the idempotency hash is made from it).
func (s *Server) readJSON(c echo.Context, dst any) ([]byte, error) {
	if !jsonContentType(c.Request().Header.Get(echo.HeaderContentType)) {
		return nil, serentak.Errorf(serentak.ECodeBadRequest, "send the body as JSON with Content-Type: application/json")
	}
	raw, err := io.ReadAll(http.MaxBytesReader(c.Response(), c.Request().Body, s.cfg.BodyLimit))
	if err != nil {
		var tooLarge *http.MaxBytesError
		if errors.As(err, &tooLarge) {
			return nil, serentak.Errorf(serentak.ECodePayloadTooLarge, "the JSON body is larger than %d bytes", tooLarge.Limit)
		}
		return nil, serentak.Errorf(serentak.ECodeBadRequest, "reading the request body failed")
	}
	return raw, decodeStrict(raw, dst)
}

// jsonContentType reports whether a request with this Content-Type may
// carry a JSON body (see readJSON).
func jsonContentType(header string) bool {
	if header == "" {
		return true
	}
	mt, _, err := mime.ParseMediaType(header)
	if err != nil {
		return false
	}
	return mt == "application/json" || strings.HasSuffix(mt, "+json") || mt == "application/x-www-form-urlencoded"
}

// decodeStrict is readJSON's decoding, apart so it can be table-tested.
func decodeStrict(raw []byte, dst any) error {
	if len(bytes.TrimSpace(raw)) == 0 {
		return serentak.Errorf(serentak.ECodeBadRequest, "the request body is empty; send a JSON object")
	}
	var generic any
	d := json.NewDecoder(bytes.NewReader(raw))
	d.UseNumber()
	if err := d.Decode(&generic); err != nil {
		return malformed(err)
	}
	if _, err := d.Token(); err != io.EOF {
		return serentak.Errorf(serentak.ECodeBadRequest, "malformed JSON: unexpected data after the object")
	}
	if _, ok := generic.(map[string]any); !ok {
		return serentak.Errorf(serentak.ECodeBadRequest, "the request body must be a JSON object")
	}
	if bad := unstorableStrings(raw); len(bad) > 0 {
		return serentak.Invalid("a text field holds what cannot be stored", bad...)
	}
	var unknown []serentak.FieldError
	findUnknown(generic, reflect.TypeOf(dst), "", &unknown)
	if len(unknown) > 0 {
		return serentak.Invalid("the body has fields this endpoint does not take", unknown...)
	}
	if err := json.Unmarshal(raw, dst); err != nil {
		var te *json.UnmarshalTypeError
		if errors.As(err, &te) && te.Field != "" {
			return serentak.Invalid("a field has the wrong type",
				fieldError(te.Field, "invalid_type", "must be %s, not %s", jsonTypeName(te.Type), jsonValueName(te.Value)))
		}
		return malformed(err)
	}
	return nil
}

func malformed(err error) error {
	var se *json.SyntaxError
	if errors.As(err, &se) {
		return serentak.Errorf(serentak.ECodeBadRequest, "malformed JSON at byte %d: %s", se.Offset, strings.TrimPrefix(se.Error(), "json: "))
	}
	return serentak.Errorf(serentak.ECodeBadRequest, "malformed JSON: %s", strings.TrimPrefix(err.Error(), "json: "))
}

// findUnknown walks a decoded JSON value beside the Go type it will be
// decoded into and reports every object key that type has no field for,
// with its full path ("media[1].typ"). Keys must match the json tag
// exactly (encoding/json alone would also take "Scheduled_At").
func findUnknown(v any, t reflect.Type, path string, out *[]serentak.FieldError) {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	switch t.Kind() {
	case reflect.Struct:
		obj, ok := v.(map[string]any)
		if !ok {
			return // a type error, reported by the real decode
		}
		fields := jsonFields(t)
		keys := make([]string, 0, len(obj))
		for k := range obj {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			p := k
			if path != "" {
				p = path + "." + k
			}
			ft, ok := fields[k]
			if !ok {
				*out = append(*out, fieldError(p, "unknown_field", "unknown field %q", k))
				continue
			}
			findUnknown(obj[k], ft, p, out)
		}
	case reflect.Slice, reflect.Array:
		arr, ok := v.([]any)
		if !ok {
			return
		}
		for i, e := range arr {
			findUnknown(e, t.Elem(), fmt.Sprintf("%s[%d]", path, i), out)
		}
	}
}

// jsonFields maps a struct's JSON names to field types.
func jsonFields(t reflect.Type) map[string]reflect.Type {
	m := map[string]reflect.Type{}
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		if !f.IsExported() {
			continue
		}
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		if name == "-" {
			continue
		}
		if name == "" {
			name = f.Name
		}
		m[name] = f.Type
	}
	return m
}

// jsonTypeName says which JSON type a Go type expects.
func jsonTypeName(t reflect.Type) string {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	switch t.Kind() {
	case reflect.String:
		return "a string"
	case reflect.Bool:
		return "true or false"
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return "an integer"
	case reflect.Float32, reflect.Float64:
		return "a number"
	case reflect.Slice, reflect.Array:
		return "an array"
	}
	return "an object"
}

// jsonValueName names what was sent: "string" → "a string", "number
// 1e400" (out of range, or a fraction for an integer) → "the number 1e400".
func jsonValueName(v string) string {
	switch {
	case strings.HasPrefix(v, "number "):
		return "the " + v
	case v == "array", v == "object":
		return "an " + v
	}
	return "a " + v
}

// number is a JSON number kept as the text that was sent, so that it can
// be checked exactly (compose.ParseAmount) rather than after a float64 has
// rounded it. Unlike json.Number it refuses a string ("25000"): the
// contract's amounts are numbers.
type number string

func (n *number) UnmarshalJSON(b []byte) error {
	if len(b) == 0 || (b[0] != '-' && (b[0] < '0' || b[0] > '9')) {
		// Unmarshal adds the field's path to this error.
		return &json.UnmarshalTypeError{Value: jsonLiteralName(b), Type: reflect.TypeFor[float64]()}
	}
	*n = number(b)
	return nil
}

// jsonLiteralName names the kind of a JSON value from its first byte, as
// encoding/json's UnmarshalTypeError.Value does.
func jsonLiteralName(b []byte) string {
	if len(b) == 0 {
		return "value"
	}
	switch b[0] {
	case '"':
		return "string"
	case '{':
		return "object"
	case '[':
		return "array"
	case 't', 'f':
		return "bool"
	}
	return "value"
}

// unstorableStrings walks a syntactically valid JSON document token by
// token and reports every string, key or value, that is not UTF-8 or holds
// a NUL character, with its path ("media[1].url"). It reads the raw bytes
// of each token, since decoding has already replaced what is not UTF-8.
func unstorableStrings(raw []byte) []serentak.FieldError {
	type level struct {
		object  bool
		wantKey bool   // object: the next string is a key
		key     string // object: the current key
		index   int    // array: the current element
	}
	var stack []level
	path := func() string {
		var b strings.Builder
		for _, l := range stack {
			if !l.object {
				fmt.Fprintf(&b, "[%d]", l.index)
				continue
			}
			if b.Len() > 0 {
				b.WriteByte('.')
			}
			b.WriteString(strings.ToValidUTF8(strings.ReplaceAll(l.key, "\x00", ""), ""))
		}
		return b.String()
	}
	// valueDone moves past a value: to the next key, or the next element.
	valueDone := func() {
		if n := len(stack); n > 0 {
			if stack[n-1].object {
				stack[n-1].wantKey = true
			} else {
				stack[n-1].index++
			}
		}
	}
	var out []serentak.FieldError
	d := json.NewDecoder(bytes.NewReader(raw))
	d.UseNumber()
	var from int64
	for {
		tok, err := d.Token()
		if err != nil {
			return out // io.EOF; syntax errors were reported before
		}
		to := d.InputOffset()
		// The bytes of this token (after the separators before it, which
		// are ASCII).
		seg := raw[from:to]
		from = to
		switch t := tok.(type) {
		case json.Delim:
			switch t {
			case '{':
				stack = append(stack, level{object: true, wantKey: true})
			case '[':
				stack = append(stack, level{})
			default:
				stack = stack[:len(stack)-1]
				valueDone()
			}
		case string:
			top := len(stack) - 1
			isKey := top >= 0 && stack[top].object && stack[top].wantKey
			if isKey {
				stack[top].key, stack[top].wantKey = t, false
			}
			switch {
			case !utf8.Valid(seg):
				out = append(out, fieldError(path(), "invalid_text", "must be UTF-8 text"))
			case strings.IndexByte(t, 0) >= 0:
				out = append(out, fieldError(path(), "invalid_text", "must not contain the NUL character (\\u0000)"))
			}
			if !isKey {
				valueDone()
			}
		default:
			valueDone()
		}
	}
}
