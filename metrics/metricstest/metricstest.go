// Package metricstest reads what a /metrics endpoint answers, for tests:
// Scrape fetches and parses it, Families looks series up.
package metricstest

import (
	"io"
	"net/http"
	"strings"
	"testing"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
)

// Families is a scrape: metric families by name.
type Families map[string]*dto.MetricFamily

// Parse reads the Prometheus text format.
func Parse(t testing.TB, r io.Reader) Families {
	t.Helper()
	p := expfmt.NewTextParser(model.UTF8Validation)
	f, err := p.TextToMetricFamilies(r)
	if err != nil {
		t.Fatalf("not the Prometheus text format: %v", err)
	}
	return f
}

// Scrape GETs url (with "Authorization: Bearer key" unless key is "") and
// parses the answer; it fails the test unless the answer is a 200 in the
// text format.
func Scrape(t testing.TB, url, key string) Families {
	t.Helper()
	req, err := http.NewRequest("GET", url, nil)
	if err != nil {
		t.Fatal(err)
	}
	if key != "" {
		req.Header.Set("Authorization", "Bearer "+key)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
	defer res.Body.Close()
	if res.StatusCode != 200 || !strings.HasPrefix(res.Header.Get("Content-Type"), "text/plain") {
		b, _ := io.ReadAll(res.Body)
		t.Fatalf("GET %s = %d %s, want 200 text/plain\n%s", url, res.StatusCode, res.Header.Get("Content-Type"), b)
	}
	return Parse(t, res.Body)
}

// find returns the series of family name whose labels include labels
// (name=value pairs).
func (f Families) find(name string, labels ...string) *dto.Metric {
	fam := f[name]
	if fam == nil {
		return nil
	}
next:
	for _, m := range fam.GetMetric() {
		for i := 0; i+1 < len(labels); i += 2 {
			found := false
			for _, l := range m.GetLabel() {
				if l.GetName() == labels[i] && l.GetValue() == labels[i+1] {
					found = true
				}
			}
			if !found {
				continue next
			}
		}
		return m
	}
	return nil
}

// Value is the value of a counter or gauge series of family name with
// labels (name=value pairs); ok is false when there is none.
func (f Families) Value(name string, labels ...string) (v float64, ok bool) {
	m := f.find(name, labels...)
	switch {
	case m == nil:
		return 0, false
	case m.Counter != nil:
		return m.Counter.GetValue(), true
	case m.Gauge != nil:
		return m.Gauge.GetValue(), true
	case m.Untyped != nil:
		return m.Untyped.GetValue(), true
	}
	return 0, false
}

// Count is how many observations a histogram series holds.
func (f Families) Count(name string, labels ...string) (n uint64, ok bool) {
	m := f.find(name, labels...)
	if m == nil || m.Histogram == nil {
		return 0, false
	}
	return m.Histogram.GetSampleCount(), true
}

// LabelValues lists every label value of every series in the scrape.
func (f Families) LabelValues() []string {
	var out []string
	for _, fam := range f {
		for _, m := range fam.GetMetric() {
			for _, l := range m.GetLabel() {
				out = append(out, l.GetValue())
			}
		}
	}
	return out
}
