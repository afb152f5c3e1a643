package webapp

import (
	"bytes"
	"crypto/rand"
	"encoding/base64"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/serentak/serentak"
	"github.com/serentak/serentak/sheet"
)

// maxImportFile is the API's bound on an import (5 MiB); a bigger file
// is refused here before it is read whole.
const maxImportFile = 5 << 20

// importReport is the API's answer to POST …/posts/import.
type importReport struct {
	Rows []struct {
		Row    int     `json:"row"`
		PostID *string `json:"post_id"`
		Status *string `json:"status"`
		Errors []struct {
			Column  string `json:"column"`
			Code    string `json:"code"`
			Message string `json:"message"`
		} `json:"errors"`
	} `json:"rows"`
	Created int  `json:"created"`
	Failed  int  `json:"failed"`
	DryRun  bool `json:"dry_run"`
}

// importRow is one row of the report as the page shows it: the cells a
// person recognises their row by, and what the API said of it.
type importRow struct {
	Row                     int
	Product, Accounts, When string
	Status                  string
	Errors                  []importProblem
}

type importProblem struct{ Column, Message string }

type importData struct {
	// File is the uploaded file (URL-safe base64), carried to the real
	// import so the person does not pick it again; Key names it to the
	// API (Idempotency-Key), so pressing "import" twice makes no post
	// twice.
	File, Key, FileName string
	Rows                []importRow
	Created, Failed     int
	DryRun              bool
	Done                bool
}

func (a *App) importPage(c echo.Context) error {
	return a.render(c, pageStatus(c), "import", "import.title", importData{})
}

// checkImport takes the uploaded file and asks the API for a dry run:
// every row checked as it would be made, nothing stored.
func (a *App) checkImport(c echo.Context) error {
	fh, err := c.FormFile("file")
	if err != nil {
		return a.importRefused(c, "import.no_file")
	}
	if fh.Size > maxImportFile {
		return a.importRefused(c, "import.too_big")
	}
	f, err := fh.Open()
	if err != nil {
		return fmt.Errorf("open the uploaded file: %w", err)
	}
	defer f.Close()
	raw, err := io.ReadAll(io.LimitReader(f, maxImportFile+1))
	if err != nil {
		return fmt.Errorf("read the uploaded file: %w", err)
	}
	d := importData{File: base64.RawURLEncoding.EncodeToString(raw), Key: "web-import-" + rand.Text(), FileName: fh.Filename, DryRun: true}
	return a.runImport(c, raw, d)
}

// commitImport imports the file the dry run checked, for real.
func (a *App) commitImport(c echo.Context) error {
	raw, err := base64.RawURLEncoding.DecodeString(c.FormValue("file"))
	key := c.FormValue("key")
	if err != nil || len(raw) == 0 || !strings.HasPrefix(key, "web-import-") {
		return a.importRefused(c, "import.no_file")
	}
	return a.runImport(c, raw, importData{Key: key, FileName: c.FormValue("file_name")})
}

// runImport sends raw to the API (a dry run when d.DryRun) and shows its
// report row by row.
func (a *App) runImport(c echo.Context, raw []byte, d importData) error {
	path := wsAPI(c, "posts/import")
	if d.DryRun {
		path += "?dry_run=true"
	}
	var rep importReport
	err := a.send(c, sessionToken(c), http.MethodPost, path,
		&rawBody{Type: "text/csv", Body: bytes.NewReader(raw), Header: map[string]string{"Idempotency-Key": d.Key}}, &rep)
	if err != nil {
		return a.showRefusal(c, err, func() error { return a.render(c, pageStatus(c), "import", "import.title", importData{}) })
	}
	cells := importCells(raw)
	for _, r := range rep.Rows {
		row := cells[r.Row]
		row.Row = r.Row
		row.Status = "ok"
		if len(r.Errors) > 0 {
			row.Status = "error"
		}
		for _, e := range r.Errors {
			row.Errors = append(row.Errors, importProblem{Column: e.Column, Message: e.Message})
		}
		d.Rows = append(d.Rows, row)
	}
	d.Created, d.Failed, d.Done = rep.Created, rep.Failed, !d.DryRun
	if d.Done {
		d.File = ""
	}
	return a.render(c, http.StatusOK, "import", "import.title", d)
}

// importCells are the cells of each row a person knows it by (product,
// accounts, time), by row number, read as the API reads the file; the
// API has the last word on every value.
func importCells(raw []byte) map[int]importRow {
	out := map[int]importRow{}
	sh, err := sheet.Read(raw, 0)
	if err != nil {
		return out
	}
	col := map[string]int{}
	for i, h := range sh.Header {
		col[strings.Join(strings.Fields(strings.ToLower(h)), "_")] = i
	}
	cell := func(r sheet.Record, name string) string {
		if i, ok := col[name]; ok && i < len(r.Fields) {
			return strings.TrimSpace(r.Fields[i])
		}
		return ""
	}
	for _, r := range sh.Records {
		product := cell(r, "name")
		if product == "" {
			product = cell(r, "caption")
		}
		out[r.Row] = importRow{Product: product, Accounts: cell(r, "accounts"), When: cell(r, "scheduled_at")}
	}
	return out
}

func (a *App) importRefused(c echo.Context, msg string) error {
	v, err := a.person(c)
	if err != nil {
		return err
	}
	v.Error = &apiError{Status: http.StatusUnprocessableEntity, Message: a.word(c, msg),
		Details: []fieldDetail{{Field: "file", Message: a.word(c, msg)}}}
	return a.render(c, http.StatusUnprocessableEntity, "import", "import.title", importData{})
}

// importExample is a CSV file to start from, in the columns and the
// forms the import reads (comma-separated UTF-8, times in the
// workspace's zone a week from now).
func (a *App) importExample(c echo.Context) error {
	v, err := a.person(c)
	if err != nil {
		return err
	}
	loc, err := time.LoadLocation(v.Workspace.Timezone)
	if err != nil {
		loc, _ = time.LoadLocation(serentak.DefaultTimezone)
	}
	day := a.cfg.Now().In(loc).AddDate(0, 0, 7)
	at := func(h, m int) string {
		return time.Date(day.Year(), day.Month(), day.Day(), h, m, 0, 0, loc).Format("2006-01-02 15:04")
	}
	lines := []string{
		"name,price,currency,description,url,hashtags,media_urls,accounts,scheduled_at,whatsapp",
		`Keripik Singkong Pedas,Rp25.000,IDR,"Renyah, pedas, tanpa pengawet.",,umkm keripik,,facebook,` + at(9, 0) + `,0812-3456-7890`,
		`Kue Lapis Legit,45000,IDR,Lembut dan wangi.,,kue,,facebook,` + at(16, 30) + `,`,
	}
	if v.Workspace.Language == "en" {
		lines[1] = `Spicy Cassava Chips,Rp25.000,IDR,"Crunchy, spicy, no preservatives.",,umkm snacks,,facebook,` + at(9, 0) + `,0812-3456-7890`
		lines[2] = `Layer Cake,45000,IDR,Soft and fragrant.,,cake,,facebook,` + at(16, 30) + `,`
	}
	h := c.Response().Header()
	h.Set(echo.HeaderContentDisposition, `attachment; filename="contoh-import-serentak.csv"`)
	return c.Blob(http.StatusOK, "text/csv; charset=utf-8", []byte(strings.Join(lines, "\r\n")+"\r\n"))
}
