package api

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/serentak/serentak"
	"github.com/serentak/serentak/media"
	"github.com/serentak/serentak/sheet"
)

// Bounds of an import (docs/api.md#bulk-import): a month of products for
// a busy shop is a few hundred rows; 5,000 rows of a few hundred bytes fit
// in 5 MiB with room for long descriptions. A bigger file is cut in two.
const (
	maxImportBytes = 5 << 20
	maxImportRows  = 5000
)

// importColumns are the columns an import reads, in the contract's order.
var importColumns = []string{
	"name", "price", "currency", "description", "url", "hashtags", "media_urls", "accounts", "scheduled_at",
	"whatsapp", "caption", "title", "tiktok_privacy_level",
}

// defaultImportCurrency is the currency of a price whose currency cell is
// empty: a merchant's sheet in Rupiah rarely says so on every row.
const defaultImportCurrency = "IDR"

type importView struct {
	Rows    []importRowView `json:"rows"`
	Created int             `json:"created"`
	Failed  int             `json:"failed"`
	DryRun  bool            `json:"dry_run"`
}

type importRowView struct {
	Row int `json:"row"`
	// PostID is the post the row made (or made before, on a replay);
	// null when it failed or in a dry run.
	PostID *string `json:"post_id"`
	// Status is the post's status (scheduled, or pending_approval when it
	// waits for approval); null when the row made no post.
	Status *string          `json:"status"`
	Errors []importRowError `json:"errors"`
}

// importRowError is one fault of a row: the column it is in ("" for the
// row as a whole), and the field of POST /posts it became, when there is
// one, so a client can match it with the errors of that route.
type importRowError struct {
	Column  string `json:"column"`
	Field   string `json:"field,omitempty"`
	Code    string `json:"code"`
	Message string `json:"message"`
}

// importPosts makes one post of each row of a CSV file, each through the
// same path as POST /posts (makePost): checked, composed, held for
// approval for an editor, stored in its own transaction. A bad row is
// reported with its row number and columns and never stops the others.
// With ?dry_run=true every row is checked and nothing is stored.
//
// Idempotency-Key, when given, names the file: each row is stored under
// the key and its row number, with the hash of its cells, so sending the
// same file again answers each row's post again instead of making it
// twice (a row that failed is tried again), and the same key with a row
// whose cells changed is 409 before anything is stored.
func (s *Server) importPosts(c echo.Context) error {
	dryRun, err := boolQuery(c, "dry_run")
	if err != nil {
		return err
	}
	key, err := idempotencyKey(c)
	if err != nil {
		return err
	}
	if err := csvContentType(c.Request().Header.Get(echo.HeaderContentType)); err != nil {
		return err
	}
	raw, err := io.ReadAll(http.MaxBytesReader(c.Response(), c.Request().Body, maxImportBytes))
	if err != nil {
		var tooLarge *http.MaxBytesError
		if errors.As(err, &tooLarge) {
			return serentak.Errorf(serentak.ECodePayloadTooLarge, "the file is larger than %d MiB; split it in two and import each part", maxImportBytes>>20)
		}
		return serentak.Errorf(serentak.ECodeBadRequest, "reading the request body failed")
	}
	sh, err := sheet.Read(raw, maxImportRows)
	switch {
	case errors.Is(err, sheet.ErrTooManyRows):
		return serentak.Invalid("the file has too many rows",
			fieldError("rows", "too_many", "at most %d rows (posts) per file; split it and import each part", maxImportRows))
	case err != nil:
		return serentak.Errorf(serentak.ECodeBadRequest, "%s", err.Error())
	}
	cols, err := importHeader(sh.Header)
	if err != nil {
		return err
	}
	// A row of empty cells (",,,,", which Excel saves for a formatted but
	// empty row) is no post and not reported; the rows keep their numbers.
	records := sh.Records[:0]
	for _, rec := range sh.Records {
		if !blankRecord(rec) {
			records = append(records, rec)
		}
	}
	if len(records) == 0 {
		return serentak.Invalid("the file has no rows",
			fieldError("rows", "required", "the file has a header but no rows; add one row per post"))
	}

	// Rows of one file often share a photo: its URL is read once.
	ctx := context.WithValue(c.Request().Context(), headCacheKey{}, &headCache{heads: map[string]headResult{}})
	ws, err := s.cfg.Store.FindWorkspaceByID(ctx, workspaceID(c))
	if err != nil {
		return err
	}
	loc, err := time.LoadLocation(ws.Timezone)
	if err != nil {
		return fmt.Errorf("workspace %s: timezone %q: %w", ws.ID, ws.Timezone, err)
	}
	accounts, err := s.cfg.Store.FindAccounts(ctx, ws.ID)
	if err != nil {
		return err
	}
	hold, err := s.mustHold(c)
	if err != nil {
		return err
	}

	rows := make([]importRow, len(records))
	for i, rec := range records {
		rows[i] = readImportRow(rec, cols, accounts, loc)
		if key != "" {
			rows[i].idem = &serentak.IdempotencyKey{Key: rowKey(key, rec.Row), RequestHash: rowHash(cols, rec)}
		}
	}
	out := importView{Rows: make([]importRowView, len(rows)), DryRun: dryRun}
	// A replay is looked up before anything is stored, as on POST /posts:
	// a changed row under the same key is 409 and nothing of the file is
	// stored.
	replayed := make([]*serentak.Post, len(rows))
	if key != "" && !dryRun {
		for i, r := range rows {
			p, found, err := s.cfg.Store.FindPostByIdempotencyKey(ctx, ws.ID, *r.idem)
			if serentak.ErrorCode(err) == serentak.ECodeConflict {
				return serentak.Errorf(serentak.ECodeConflict, "this Idempotency-Key was already used with another file (row %d differs); send a new key for a new file", r.row)
			}
			if err != nil {
				return err
			}
			if found {
				replayed[i] = &p
			}
		}
	}
	for i, r := range rows {
		v := importRowView{Row: r.row, Errors: []importRowError{}}
		var post serentak.Post
		var made bool
		switch {
		case replayed[i] != nil:
			post, made = *replayed[i], true
		case dryRun:
			d, err := s.draftPost(ctx, ws.ID, r.req, s.now())
			if err != nil {
				return err
			}
			v.Errors = r.withFaults(d.faults())
			made = len(v.Errors) == 0
		default:
			var faults []serentak.FieldError
			if len(r.errs) == 0 {
				var source []byte // what an edit of the post merges into
				if source, err = json.Marshal(r.req); err != nil {
					return fmt.Errorf("api: encode import row %d: %w", r.row, err)
				}
				post, _, _, faults, err = s.makePost(ctx, ws.ID, r.req, source, hold, r.idem)
			} else {
				// A cell that could not be read is a fault of the row;
				// the rest is still checked so that every fault of the
				// row is reported at once, and nothing is stored.
				var d draft
				d, err = s.draftPost(ctx, ws.ID, r.req, s.now())
				faults = d.faults()
			}
			if err != nil {
				return err
			}
			v.Errors = r.withFaults(faults)
			made = len(v.Errors) == 0
		}
		if made {
			out.Created++
			if post.ID != "" {
				id, status := post.ID, string(post.Status)
				v.PostID, v.Status = &id, &status
			}
		} else {
			out.Failed++
		}
		out.Rows[i] = v
	}
	if dryRun || out.Created == 0 {
		setAuditTarget(c, auditNothing)
	} else {
		s.wake()
	}
	return c.JSON(http.StatusOK, out)
}

// blankRecord reports whether every cell of rec is empty or spaces.
func blankRecord(rec sheet.Record) bool {
	for _, f := range rec.Fields {
		if strings.TrimSpace(f) != "" {
			return false
		}
	}
	return rec.Extra == 0
}

// csvContentType accepts what browsers and tools send a .csv file as.
func csvContentType(header string) error {
	mt, _, err := mime.ParseMediaType(header)
	if err == nil {
		switch mt {
		case "text/csv", "application/csv", "text/plain", "application/vnd.ms-excel":
			return nil
		}
	}
	return serentak.Errorf(serentak.ECodeBadRequest, "send the file itself as the body with Content-Type: text/csv")
}

// boolQuery reads a true/false query parameter (absent: false).
func boolQuery(c echo.Context, name string) (bool, error) {
	raw := c.QueryParam(name)
	if raw == "" {
		return false, nil
	}
	v, err := strconv.ParseBool(raw)
	if err != nil {
		return false, serentak.Invalid("invalid query parameters", fieldError(name, "invalid", "must be true or false"))
	}
	return v, nil
}

// importHeader maps each known column to its index. Names are read
// leniently ("Scheduled At" is scheduled_at); an unknown or repeated
// column is refused rather than ignored, so a misspelt column never
// silently drops a field of every post.
func importHeader(header []string) (map[string]int, error) {
	known := map[string]bool{}
	for _, c := range importColumns {
		known[c] = true
	}
	cols := map[string]int{}
	var errs []serentak.FieldError
	for i, h := range header {
		name := strings.Join(strings.Fields(strings.ToLower(h)), "_")
		field := fmt.Sprintf("header[%d]", i)
		switch {
		case name == "":
			if i == len(header)-1 { // a trailing separator after the last name
				continue
			}
			errs = append(errs, fieldError(field, "required", "column %d has no name; name it or delete it", i+1))
		case !known[name]:
			errs = append(errs, fieldError(field, "unknown_column", "%q is not a column an import reads; the columns are %s", h, strings.Join(importColumns, ", ")))
		case columnSeen(cols, name):
			errs = append(errs, fieldError(field, "duplicate", "the column %s appears twice", name))
		default:
			cols[name] = i
		}
	}
	if _, ok := cols["accounts"]; !ok {
		errs = append(errs, fieldError("header", "required", "the header has no accounts column: each post needs the accounts to publish to (account IDs or platform names)"))
	}
	if len(errs) > 0 {
		return nil, serentak.Invalid("the header row cannot be read", errs...)
	}
	return cols, nil
}

func columnSeen(cols map[string]int, name string) bool {
	_, ok := cols[name]
	return ok
}

// importRow is one record read into a post request.
type importRow struct {
	row  int
	req  postRequest
	errs []importRowError
	idem *serentak.IdempotencyKey
	// targets are the account IDs of req.Targets, in order, to name them
	// in compose's messages instead of targets[i].
	targets []string
}

// readImportRow reads the cells of one record into a post request. A
// cell that cannot be read is left out of the request and reported.
func readImportRow(rec sheet.Record, cols map[string]int, accounts []serentak.Account, loc *time.Location) importRow {
	r := importRow{row: rec.Row}
	cell := func(name string) string {
		if i, ok := cols[name]; ok {
			return strings.TrimSpace(rec.Fields[i])
		}
		return ""
	}
	fail := func(column, code, format string, args ...any) {
		r.errs = append(r.errs, importRowError{Column: column, Code: code, Message: fmt.Sprintf(format, args...)})
	}
	if rec.Extra > 0 {
		fail("", "extra_cells", "this row has %d more cell(s) than the header has columns; check for a separator inside a cell without quotes", rec.Extra)
	}
	name, price, desc, link, wa := cell("name"), cell("price"), cell("description"), cell("url"), cell("whatsapp")
	for _, c := range []struct{ column, value string }{{"url", link}, {"whatsapp", wa}} {
		if err := sheet.CheckNumber(c.value); err != nil {
			fail(c.column, "scientific_notation", "%s", err.Error())
		}
	}
	if name != "" || price != "" || desc != "" || link != "" || wa != "" {
		p := &productRequest{Name: name, Description: desc, URL: link, WhatsApp: wa}
		if sheet.CheckNumber(link) != nil {
			p.URL = ""
		}
		if sheet.CheckNumber(wa) != nil {
			p.WhatsApp = ""
		}
		if price != "" {
			amount, err := sheet.Amount(price)
			if err != nil {
				fail("price", "invalid", "%s", err.Error())
			} else {
				currency := strings.ToUpper(cell("currency"))
				if currency == "" {
					currency = defaultImportCurrency
				}
				n := number(amount)
				p.Price = &priceRequest{Amount: &n, Currency: currency}
			}
		}
		r.req.Product = p
	}
	if caption := cell("caption"); caption != "" {
		r.req.Caption = &caption
	}
	r.req.Hashtags = strings.Fields(cell("hashtags"))
	for _, u := range strings.Fields(cell("media_urls")) {
		r.req.Media = append(r.req.Media, mediaRequest{URL: u})
	}
	if at := cell("scheduled_at"); at != "" {
		t, err := sheet.Time(at, loc)
		if err != nil {
			fail("scheduled_at", "invalid", "%s", err.Error())
		} else {
			s := t.Format(time.RFC3339)
			r.req.ScheduledAt = &s
		}
	}
	var title *string
	if t := cell("title"); t != "" {
		title = &t
	}
	privacy := cell("tiktok_privacy_level")
	var options json.RawMessage
	if privacy != "" {
		options, _ = json.Marshal(map[string]string{"privacy_level": privacy})
	}
	seen := map[string]bool{}
	add := func(acc serentak.Account) {
		if seen[acc.ID] {
			return
		}
		seen[acc.ID] = true
		t := targetRequest{AccountID: acc.ID, Title: title}
		if acc.Platform == serentak.TikTok {
			t.Options = options
		}
		r.req.Targets = append(r.req.Targets, t)
		r.targets = append(r.targets, acc.ID)
	}
	names := strings.Fields(cell("accounts"))
	if len(names) == 0 {
		fail("accounts", "required", "name the accounts to publish to: account IDs (acc_…) or platform names (facebook, instagram, youtube, tiktok), separated by spaces")
	}
	tiktok := false
	for _, n := range names {
		if strings.HasPrefix(n, serentak.PrefixAccount) {
			acc, ok := accountByID(accounts, n)
			if !ok {
				fail("accounts", "not_found", "%s: no such account in this workspace", n)
				continue
			}
			tiktok = tiktok || acc.Platform == serentak.TikTok
			add(acc)
			continue
		}
		p := serentak.Platform(strings.ToLower(n))
		if !p.Valid() {
			fail("accounts", "invalid", "%q is neither an account ID (acc_…) nor a platform (facebook, instagram, youtube, tiktok)", n)
			continue
		}
		found := false
		for _, acc := range accounts {
			if acc.Platform == p {
				found = true
				add(acc)
			}
		}
		if !found {
			fail("accounts", "not_found", "this workspace has no %s account; connect one first", p.DisplayName())
		}
		tiktok = tiktok || (found && p == serentak.TikTok)
	}
	if privacy != "" && !tiktok {
		fail("tiktok_privacy_level", "invalid", "this row publishes to no TikTok account; leave the cell empty")
	}
	return r
}

func accountByID(accounts []serentak.Account, id string) (serentak.Account, bool) {
	for _, a := range accounts {
		if a.ID == id {
			return a, true
		}
	}
	return serentak.Account{}, false
}

// withFaults is the row's faults: its cells' own, then those of the post
// request, but none in a column already at fault (a row whose accounts
// cell names nothing found is not also told that the post needs
// targets).
func (r importRow) withFaults(faults []serentak.FieldError) []importRowError {
	out := append([]importRowError{}, r.errs...)
	bad := map[string]bool{}
	for _, e := range r.errs {
		bad[e.Column] = true
	}
	for _, e := range r.fieldErrors(faults) {
		if !bad[e.Column] {
			out = append(out, e)
		}
	}
	return out
}

// targetRef is the targets[i] a field or a message of POST /posts names.
var targetRef = regexp.MustCompile(`targets\[(\d+)\]`)

// fieldErrors turns the faults of the post request into the row's
// faults: each in the column it came from, its message naming the account
// rather than targets[i], which the sheet does not have.
func (r importRow) fieldErrors(faults []serentak.FieldError) []importRowError {
	out := make([]importRowError, 0, len(faults))
	for _, f := range faults {
		msg := targetRef.ReplaceAllStringFunc(f.Message, func(m string) string {
			i, err := strconv.Atoi(targetRef.FindStringSubmatch(m)[1])
			if err != nil || i >= len(r.targets) {
				return m
			}
			return "account " + r.targets[i]
		})
		out = append(out, importRowError{Column: importColumn(f.Field), Field: f.Field, Code: f.Code, Message: msg})
	}
	return out
}

// importColumn is the column a field of POST /posts is read from.
func importColumn(field string) string {
	rest := targetRef.ReplaceAllString(field, "targets[]")
	switch {
	case strings.HasPrefix(rest, "product.price.currency"):
		return "currency"
	case strings.HasPrefix(rest, "product.price"):
		return "price"
	case strings.HasPrefix(rest, "product.description"):
		return "description"
	case strings.HasPrefix(rest, "product.url"):
		return "url"
	case strings.HasPrefix(rest, "product.whatsapp"):
		return "whatsapp"
	case strings.HasPrefix(rest, "product"):
		return "name"
	case strings.HasPrefix(rest, "hashtags"):
		return "hashtags"
	case strings.HasPrefix(rest, "media"), strings.HasPrefix(rest, "targets[].media"):
		return "media_urls"
	case strings.HasPrefix(rest, "scheduled_at"):
		return "scheduled_at"
	case strings.HasPrefix(rest, "caption"), strings.HasPrefix(rest, "targets[].caption"):
		return "caption"
	case strings.HasPrefix(rest, "targets[].title"):
		return "title"
	case strings.HasPrefix(rest, "targets[].options.privacy_level"), rest == "targets[].options":
		return "tiktok_privacy_level"
	case strings.HasPrefix(rest, "targets"):
		return "accounts"
	}
	return ""
}

// rowKey is the idempotency key of one row of a file sent with key.
func rowKey(key string, row int) string {
	return key + "#row" + strconv.Itoa(row)
}

// rowHash identifies a row's cells under their column names: the same
// row in a file saved again (another encoding, separator or column order)
// is the same request.
func rowHash(cols map[string]int, rec sheet.Record) string {
	h := sha256.New()
	for _, name := range importColumns {
		i, ok := cols[name]
		if !ok || strings.TrimSpace(rec.Fields[i]) == "" {
			continue
		}
		fmt.Fprintf(h, "%s=%q\n", name, strings.TrimSpace(rec.Fields[i]))
	}
	return hex.EncodeToString(h.Sum(nil))
}

// headCacheKey marks a request context whose media URLs are read once
// for the whole request (readHeads): an import of many rows showing the
// same photo.
type headCacheKey struct{}

// headCache is what reading each media URL gave, for one request.
type headCache struct {
	mu    sync.Mutex
	heads map[string]headResult
}

// reader wraps read so each URL is read at most once; a failed read is
// kept too, so a dead URL does not make every row wait for it again.
func (c *headCache) reader(read func(context.Context, string) (media.Head, error)) func(context.Context, string) (media.Head, error) {
	return func(ctx context.Context, u string) (media.Head, error) {
		c.mu.Lock()
		r, ok := c.heads[u]
		c.mu.Unlock()
		if ok {
			return r.head, r.err
		}
		h, err := read(ctx, u)
		c.mu.Lock()
		c.heads[u] = headResult{h, err}
		c.mu.Unlock()
		return h, err
	}
}
