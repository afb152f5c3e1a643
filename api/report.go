package api

import (
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"encoding/csv"
	"fmt"
	"html/template"
	"maps"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"
	"golang.org/x/text/language"
	xmessage "golang.org/x/text/message"
	xnumber "golang.org/x/text/number"

	"github.com/serentak/serentak"
	"github.com/serentak/serentak/compose"
)

// The monthly proof-of-publication report (docs/api.md#stats-and-reports):
// what an agency sends its merchant — each post published that month, on
// which platform and account, when (in the workspace's timezone), its
// permalink, the clicks on its order link and what the platform reports.
// As CSV for a spreadsheet, or as a light page a phone reads and a
// printer puts on A4, in Bahasa Indonesia or English. Prices and times are
// written as the approval page writes them (compose.FormatPrice,
// localTime).

// reportMessages is the report page's catalogue. Bahasa Indonesia first.
var reportMessages = catalogue{
	"id": {
		"title":               "Laporan Bukti Tayang",
		"subtitle":            "%s · %s",
		"generated":           "Dibuat %s",
		"print_hint":          "Cetak halaman ini atau simpan sebagai PDF dari menu browser.",
		"download_csv":        "Unduh CSV",
		"other_language":      "English",
		"totals":              "Ringkasan per platform",
		"platform":            "Platform",
		"posts":               "Postingan",
		"clicks":              "Klik tautan pesan",
		"clicks_short":        "Klik",
		"clicks_note":         "Klik: klik pada tautan pesan di tiap postingan (robot pratinjau tautan tidak dihitung). Statistik platform dijumlahkan per nama.",
		"metrics":             "Statistik platform",
		"total":               "Total",
		"bio_clicks":          "Klik tombol pesan di halaman link-in-bio: %s",
		"published":           "Postingan yang tayang",
		"none":                "Belum ada postingan yang tayang pada bulan ini.",
		"account":             "Akun",
		"price":               "Harga",
		"permalink":           "Lihat postingan",
		"no_permalink":        "Platform tidak memberi tautan postingan.",
		"metrics_not_fetched": "Statistik platform belum diambil.",
		"metrics_unavailable": "Statistik platform tidak tersedia: %s",
		"months":              "Januari Februari Maret April Mei Juni Juli Agustus September Oktober November Desember",
		// The platforms' own metric names, as a merchant reads them;
		// a name not here is shown as the platform gives it.
		"metric.views":       "tayangan",
		"metric.impressions": "tayangan",
		"metric.reach":       "jangkauan",
		"metric.likes":       "suka",
		"metric.reactions":   "reaksi",
		"metric.comments":    "komentar",
		"metric.shares":      "dibagikan",
		"metric.saved":       "disimpan",
		"metric.clicks":      "klik",
	},
	"en": {
		"title":               "Proof of Publication",
		"subtitle":            "%s · %s",
		"generated":           "Generated %s",
		"print_hint":          "Print this page or save it as a PDF from the browser's menu.",
		"download_csv":        "Download CSV",
		"other_language":      "Bahasa Indonesia",
		"totals":              "Totals per platform",
		"platform":            "Platform",
		"posts":               "Posts",
		"clicks":              "Order link clicks",
		"clicks_short":        "Clicks",
		"clicks_note":         "Clicks: clicks on each post's order link (link preview robots are not counted). Platform metrics are summed by name.",
		"metrics":             "Platform metrics",
		"total":               "Total",
		"bio_clicks":          "Order button clicks on the link-in-bio page: %s",
		"published":           "Published posts",
		"none":                "Nothing was published this month.",
		"account":             "Account",
		"price":               "Price",
		"permalink":           "See the post",
		"no_permalink":        "The platform gave no link to the post.",
		"metrics_not_fetched": "Platform metrics not fetched yet.",
		"metrics_unavailable": "Platform metrics unavailable: %s",
		"months":              "January February March April May June July August September October November December",
		"metric.views":        "views",
		"metric.impressions":  "impressions",
		"metric.reach":        "reach",
		"metric.likes":        "likes",
		"metric.reactions":    "reactions",
		"metric.comments":     "comments",
		"metric.shares":       "shares",
		"metric.saved":        "saved",
		"metric.clicks":       "clicks",
	},
}

var reportPage = parsePages("pages/report.html", reportMessages)

// reportCSS is the page's style, sent in the page and allowed by its hash
// alone: the page loads nothing, runs nothing, and no other style applies.
const reportCSS = `body{margin:0;font-family:system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;font-size:1rem;background:#fff;color:#1c1917;line-height:1.45}
main{max-width:48rem;margin:0 auto;padding:1rem}
h1{font-size:1.4rem;margin:.25rem 0}
h2{font-size:1.15rem;margin:1.5rem 0 .5rem}
.sub{margin:0;font-weight:600}
.muted{color:#57534e;font-size:.9rem;margin:.25rem 0}
.actions{display:flex;flex-wrap:wrap;gap:.5rem;margin:.75rem 0}
.actions a{display:inline-block;min-height:2.75rem;box-sizing:border-box;padding:.6rem .9rem;border:1px solid #a8a29e;border-radius:.4rem;color:#1c1917;text-decoration:none;font-weight:600}
.scroll{overflow-x:auto}
table{border-collapse:collapse;width:100%;font-size:.95rem}
th,td{text-align:left;padding:.4rem .5rem;border-bottom:1px solid #e7e5e4;vertical-align:top}
td.n,th.n{text-align:right;white-space:nowrap}
td .muted{display:block;margin:.1rem 0 0}
tfoot td{font-weight:700;border-top:2px solid #1c1917}
.item{border:1px solid #e7e5e4;border-radius:.5rem;padding:.75rem;margin:0 0 .75rem;overflow-wrap:anywhere;break-inside:avoid}
.item h3{font-size:1.05rem;margin:0 0 .25rem}
.item p{margin:.2rem 0}
.item ul{margin:.25rem 0;padding-left:1.1rem}
.when{font-weight:600}
a{color:#1d4ed8}
@page{size:A4;margin:14mm}
@media print{main{max-width:none;padding:0}.actions{display:none}a{color:#1c1917}.item a::after{content:" (" attr(href) ")";font-size:.85em;overflow-wrap:anywhere}}`

// reportPolicy lets the page apply its own style and nothing else.
var reportPolicy = func() pagePolicy {
	sum := sha256.Sum256([]byte(reportCSS))
	return pagePolicy{
		CSP: "default-src 'none'; style-src 'sha256-" + base64.StdEncoding.EncodeToString(sum[:]) + "'; " +
			"form-action 'none'; frame-ancestors 'none'; base-uri 'none'",
		Referrer: "no-referrer",
	}
}()

type reportData struct {
	Lang, Workspace, Month, Generated string
	CSS                               template.CSS
	CSVLink, OtherLanguageLink        string
	Platforms                         []reportTotal
	Total                             reportTotal
	BioClicks                         string
	Rows                              []reportRow
}

type reportTotal struct {
	Platform, Deliveries, Clicks string
	Metrics                      []reportMetric
}

type reportMetric struct{ Name, Value string }

type reportRow struct {
	When, Platform, Account, Name, Price, Permalink, Clicks, Unavailable string
	Metrics                                                              []reportMetric
}

// publicationReport answers the month's report as HTML (the default) or
// CSV (format=csv, or Accept: text/csv).
func (s *Server) publicationReport(c echo.Context) error {
	ctx := c.Request().Context()
	ws, err := s.cfg.Store.FindWorkspaceByID(ctx, workspaceID(c))
	if err != nil {
		return err
	}
	q := c.QueryParams()
	if err := storableQuery(q); err != nil {
		return err
	}
	loc := workspaceLocation(ws)
	var errs []serentak.FieldError
	now := s.now().In(loc)
	start := time.Date(now.Year(), now.Month(), 1, 0, 0, 0, 0, loc)
	if v := strings.TrimSpace(q.Get("month")); v != "" {
		m, err := time.Parse("2006-01", v)
		if err != nil {
			errs = append(errs, fieldError("month", "invalid", "must be a month, YYYY-MM (2026-11)"))
		}
		start = time.Date(m.Year(), m.Month(), 1, 0, 0, 0, 0, loc)
	}
	lang := ws.Language
	switch v := q.Get("lang"); v {
	case "":
	case "id", "en":
		lang = v
	default:
		errs = append(errs, fieldError("lang", "invalid", "must be id (Bahasa Indonesia) or en (English)"))
	}
	if _, ok := reportMessages[lang]; !ok {
		lang = serentak.DefaultLanguage
	}
	asCSV := false
	switch q.Get("format") {
	case "":
		asCSV = strings.Contains(c.Request().Header.Get(echo.HeaderAccept), "text/csv")
	case "csv":
		asCSV = true
	case "html":
	default:
		errs = append(errs, fieldError("format", "invalid", "must be html (the default) or csv"))
	}
	if len(errs) > 0 {
		return serentak.Invalid("invalid query parameters", errs...)
	}
	end := start.AddDate(0, 1, 0)
	ds, bio, err := s.periodStats(c, ws.ID, start, end, loc)
	if err != nil {
		return err
	}
	month := start.Format("2006-01")
	if asCSV {
		return writeReportCSV(c, ws, month, lang, ds)
	}
	return writePage(c, http.StatusOK, reportPage[lang], s.reportOf(ws, lang, month, start, ds, bio), reportPolicy)
}

// reportOf is the page's data: totals per platform first, then each
// published delivery, oldest first.
func (s *Server) reportOf(ws serentak.Workspace, lang, month string, start time.Time, ds []serentak.DeliveryStats, bio []serentak.BioClicks) reportData {
	t := func(id string, args ...any) string { return reportMessages.text(lang, id, args...) }
	p := xmessage.NewPrinter(language.Make(lang))
	num := func(v float64) string { return p.Sprint(xnumber.Decimal(v, xnumber.MaxFractionDigits(2))) }
	metrics := func(m map[string]float64) []reportMetric {
		var out []reportMetric
		names := slices.Collect(maps.Keys(m))
		serentak.SortMetricNames(names)
		for _, name := range names {
			label := name
			if l, ok := reportMessages[lang]["metric."+name]; ok {
				label = l
			}
			out = append(out, reportMetric{Name: label, Value: num(m[name])})
		}
		return out
	}
	inLang := ws
	inLang.Language = lang // localTime writes in the workspace's language
	q := url.Values{"month": {month}, "lang": {lang}, "format": {"csv"}}
	other := url.Values{"month": {month}, "lang": {map[string]string{"id": "en", "en": "id"}[lang]}}
	d := reportData{
		Lang: lang, Workspace: ws.Name, CSS: template.CSS(reportCSS),
		Month:     strings.Fields(t("months"))[start.Month()-1] + " " + strconv.Itoa(start.Year()),
		Generated: localTime(inLang, s.now()),
		CSVLink:   "?" + q.Encode(), OtherLanguageLink: "?" + other.Encode(),
	}
	sum := serentak.SumStats(ds, bio)
	all := map[string]float64{}
	var deliveries int
	var clicks, bioClicks int64
	for _, pl := range sum.Platforms {
		d.Platforms = append(d.Platforms, reportTotal{Platform: pl.Platform.DisplayName(), Deliveries: num(float64(pl.Deliveries)),
			Clicks: num(float64(pl.Clicks)), Metrics: metrics(pl.Metrics)})
		deliveries += pl.Deliveries
		clicks += pl.Clicks
		for k, v := range pl.Metrics {
			all[k] += v
		}
	}
	for _, b := range bio {
		bioClicks += b.Clicks
	}
	d.Total = reportTotal{Platform: t("total"), Deliveries: num(float64(deliveries)), Clicks: num(float64(clicks)), Metrics: metrics(all)}
	if bioClicks > 0 {
		d.BioClicks = t("bio_clicks", num(float64(bioClicks)))
	}
	for _, x := range ds {
		r := reportRow{
			When: localTime(inLang, x.PublishedAt), Platform: x.Platform.DisplayName(), Account: x.AccountName,
			Name: postName(x.Product, x.Caption), Permalink: x.Permalink, Clicks: num(float64(x.Clicks)), Metrics: metrics(x.Metrics),
		}
		if x.Product != nil && x.Product.Price != nil {
			r.Price = compose.FormatPrice(*x.Product.Price, lang)
		}
		switch x.MetricsUnavailable {
		case "":
		case serentak.MetricsNotFetched:
			r.Unavailable = t("metrics_not_fetched")
		default:
			r.Unavailable = t("metrics_unavailable", x.MetricsUnavailable)
		}
		d.Rows = append(d.Rows, r)
	}
	return d
}

// writeReportCSV writes one row per published delivery, with a header
// row: UTF-8 with a byte order mark (Excel reads UTF-8 only with it), one
// column per metric any row has. A cell a spreadsheet would read as a
// formula (starting with = + - @, a tab or a carriage return) is
// prefixed with ' (OWASP, "CSV Injection"): product names and account
// names are the merchant's text.
func writeReportCSV(c echo.Context, ws serentak.Workspace, month, lang string, ds []serentak.DeliveryStats) error {
	names := map[string]bool{}
	for _, d := range ds {
		for k := range d.Metrics {
			names[k] = true
		}
	}
	metricNames := slices.Collect(maps.Keys(names))
	serentak.SortMetricNames(metricNames)
	loc := workspaceLocation(ws)
	var buf bytes.Buffer
	buf.WriteString("\ufeff")
	w := csv.NewWriter(&buf)
	header := append([]string{"published_at", "platform", "account", "post_id", "product", "price", "currency", "permalink", "clicks"}, metricNames...)
	header = append(header, "metrics_unavailable")
	_ = w.Write(header) // a bytes.Buffer does not fail; w.Error below would say
	for _, d := range ds {
		var price, currency string
		if d.Product != nil && d.Product.Price != nil {
			price = strconv.FormatFloat(d.Product.Price.Amount, 'f', -1, 64)
			currency = d.Product.Price.Currency
		}
		row := []string{d.PublishedAt.In(loc).Format(time.RFC3339), string(d.Platform), d.AccountName, d.PostID,
			postName(d.Product, d.Caption), price, currency, d.Permalink, strconv.FormatInt(d.Clicks, 10)}
		for _, k := range metricNames {
			v, ok := d.Metrics[k]
			cell := ""
			if ok {
				cell = strconv.FormatFloat(v, 'f', -1, 64)
			}
			row = append(row, cell)
		}
		row = append(row, d.MetricsUnavailable)
		for i, cell := range row {
			row[i] = csvSafe(cell)
		}
		_ = w.Write(row)
	}
	w.Flush()
	if err := w.Error(); err != nil {
		return fmt.Errorf("write the report's CSV: %w", err)
	}
	name := map[string]string{"id": "laporan-tayang-", "en": "publication-report-"}[lang] + month + ".csv"
	h := c.Response().Header()
	h.Set(echo.HeaderContentDisposition, `attachment; filename="`+name+`"`)
	h.Set("Cache-Control", "no-store")
	h.Set("X-Content-Type-Options", "nosniff")
	return c.Blob(http.StatusOK, "text/csv; charset=utf-8", buf.Bytes())
}

// csvSafe keeps a spreadsheet from reading a cell as a formula.
func csvSafe(cell string) string {
	if cell != "" && strings.ContainsRune("=+-@\t\r", rune(cell[0])) {
		return "'" + cell
	}
	return cell
}
