package artifacts

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/bilancio-go/bilancio/internal/conformance"
	"github.com/bilancio-go/bilancio/internal/metrics"
	"github.com/bilancio-go/bilancio/internal/pynum"
	"github.com/cockroachdb/apd/v3"
)

// conformanceDir is the shared conformance folder, a sibling of the project
// checkout (spec/engine.md §15).
func conformanceDir(t *testing.T) string {
	t.Helper()
	return conformance.Require(t)
}

// TestConformanceEventsRoundTrip reads every recorded no-dealer events.jsonl
// and writes it back: the bytes must be identical.
func TestConformanceEventsRoundTrip(t *testing.T) {
	root := conformanceDir(t)
	for _, set := range []string{"ring-expel-n100", "ring-failfast-n5", "ring-expel-n5", "ring-failfast-n5-bigentity", "balanced-passive-n100"} {
		files, _ := filepath.Glob(filepath.Join(root, set, "runs", "*", "out", "events.jsonl"))
		if len(files) == 0 {
			t.Errorf("%s: no events.jsonl found", set)
			continue
		}
		matched := 0
		for _, path := range files {
			want := readFile(t, path)
			events, err := ReadEvents(bytes.NewReader(want))
			if err != nil {
				t.Errorf("%s: %v", path, err)
				continue
			}
			got, err := AppendEvents(nil, events)
			if err != nil {
				t.Errorf("%s: %v", path, err)
				continue
			}
			if line, ok := firstDiffLine(got, want); !ok {
				t.Errorf("%s: rewritten events differ at line %d", path, line)
				continue
			}
			matched++
		}
		t.Logf("%s: events.jsonl round trip %d/%d", set, matched, len(files))
	}
}

// TestConformanceMetrics recomputes the metric files and registry summary of
// every recorded run that has a balances.csv from its recorded events.jsonl
// and balances.csv, and compares them by the rules of spec §15.2.
func TestConformanceMetrics(t *testing.T) {
	root := conformanceDir(t)
	for _, set := range []string{"ring-expel-n100", "ring-failfast-n5-bigentity", "balanced-passive-n100"} {
		registry := readRegistry(t, filepath.Join(root, set, "registry.csv"))
		runs, _ := filepath.Glob(filepath.Join(root, set, "runs", "*", "out", "balances.csv"))
		if len(runs) == 0 {
			t.Errorf("%s: no runs with balances.csv", set)
			continue
		}
		var n struct{ runs, csv, intraday, ds, json, jsonExact, registry int }
		for _, bal := range runs {
			out := filepath.Dir(bal)
			runID := filepath.Base(filepath.Dir(out))
			n.runs++
			events, err := ReadEvents(bytes.NewReader(readFile(t, filepath.Join(out, "events.jsonl"))))
			if err != nil {
				t.Fatalf("%s: %v", runID, err)
			}
			money, err := ReadBalancesMoney(bytes.NewReader(readFile(t, bal)))
			if err != nil {
				t.Fatalf("%s: %v", runID, err)
			}
			rep := metrics.Analyze(events, money)

			if check(t, runID, "metrics.csv", AppendMetricsCSV(nil, rep.Days), readFile(t, filepath.Join(out, "metrics.csv"))) {
				n.csv++
			}
			if check(t, runID, "metrics_intraday.csv", AppendMetricsIntraday(nil, rep.Intraday), readFile(t, filepath.Join(out, "metrics_intraday.csv"))) {
				n.intraday++
			}
			if err := sameLineSet(AppendMetricsDS(nil, rep.DebtorShares), readFile(t, filepath.Join(out, "metrics_ds.csv"))); err != nil {
				t.Errorf("%s: metrics_ds.csv: %v", runID, err)
			} else {
				n.ds++
			}
			exact, err := sameMetricsJSON(AppendMetricsJSON(nil, rep.Days), readFile(t, filepath.Join(out, "metrics.json")))
			if err != nil {
				t.Errorf("%s: metrics.json: %v", runID, err)
			} else {
				n.json++
				if exact {
					n.jsonExact++
				}
			}

			row, ok := registry[runID]
			if !ok {
				t.Errorf("%s: not in %s/registry.csv", runID, set)
				continue
			}
			got := map[string]string{
				"phi_total":         strOrEmpty(rep.Summary.PhiTotal),
				"delta_total":       strOrEmpty(rep.Summary.DeltaTotal),
				"time_to_stability": strconv.Itoa(rep.Summary.MaxDay),
			}
			bad := false
			for k, v := range got {
				if row[k] != v {
					t.Errorf("%s: registry %s = %q, computed %q", runID, k, row[k], v)
					bad = true
				}
			}
			if !bad {
				n.registry++
			}
		}
		t.Logf("%s: %d runs; metrics.csv %d, metrics_intraday.csv %d, metrics_ds.csv %d, metrics.json %d (%d with identical HHIplus_t), registry %d",
			set, n.runs, n.csv, n.intraday, n.ds, n.json, n.jsonExact, n.registry)
	}
}

func strOrEmpty(d *pynum.Amount) string {
	if d == nil {
		return ""
	}
	return d.String()
}

func readFile(t *testing.T, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func readRegistry(t *testing.T, path string) map[string]map[string]string {
	t.Helper()
	rows, err := ReadCSVDicts(bytes.NewReader(readFile(t, path)))
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	m := map[string]map[string]string{}
	for _, r := range rows {
		m[r["run_id"]] = r
	}
	return m
}

// check compares two files byte for byte and reports the first differing line.
func check(t *testing.T, runID, name string, got, want []byte) bool {
	t.Helper()
	if line, ok := firstDiffLine(got, want); !ok {
		g, w := lineAt(got, line), lineAt(want, line)
		t.Errorf("%s: %s differs at line %d:\n got  %q\n want %q", runID, name, line, g, w)
		return false
	}
	return true
}

func firstDiffLine(got, want []byte) (int, bool) {
	if bytes.Equal(got, want) {
		return 0, true
	}
	g, w := bytes.SplitAfter(got, []byte("\n")), bytes.SplitAfter(want, []byte("\n"))
	for i := range min(len(g), len(w)) {
		if !bytes.Equal(g[i], w[i]) {
			return i + 1, false
		}
	}
	return min(len(g), len(w)) + 1, false
}

func lineAt(b []byte, n int) string {
	lines := strings.SplitAfter(string(b), "\n")
	if n-1 < len(lines) {
		return lines[n-1]
	}
	return "<EOF>"
}

// sameLineSet compares two CSV files as a header plus a set of data lines.
func sameLineSet(got, want []byte) error {
	g, w := strings.SplitAfter(string(got), "\n"), strings.SplitAfter(string(want), "\n")
	if g[0] != w[0] {
		return fmt.Errorf("header %q, want %q", g[0], w[0])
	}
	gs, ws := slices.Clone(g[1:]), slices.Clone(w[1:])
	slices.Sort(gs)
	slices.Sort(ws)
	if !slices.Equal(gs, ws) {
		return fmt.Errorf("data lines differ (%d vs %d lines)", len(gs), len(ws))
	}
	return nil
}

var hhiRE = regexp.MustCompile(`"HHIplus_t": (null|"[^"]*"|-?[0-9]+)`)

// sameMetricsJSON compares metrics.json texts: identical apart from
// HHIplus_t, whose values must agree within 10 units of the 28th
// significant digit. exact reports whether the HHIplus_t values are also
// identical.
func sameMetricsJSON(got, want []byte) (exact bool, err error) {
	gv, wv := hhiRE.FindAllSubmatch(got, -1), hhiRE.FindAllSubmatch(want, -1)
	mask := func(b []byte) []byte { return hhiRE.ReplaceAll(b, []byte(`"HHIplus_t": HHI`)) }
	if line, ok := firstDiffLine(mask(got), mask(want)); !ok {
		return false, fmt.Errorf("differs at line %d: got %q, want %q", line, lineAt(mask(got), line), lineAt(mask(want), line))
	}
	if len(gv) != len(wv) {
		return false, fmt.Errorf("%d HHIplus_t values, want %d", len(gv), len(wv))
	}
	exact = true
	for i := range gv {
		a, b := string(gv[i][1]), string(wv[i][1])
		if a == b {
			continue
		}
		exact = false
		if a == "null" || b == "null" {
			return false, fmt.Errorf("row %d: HHIplus_t %s, want %s", i+1, a, b)
		}
		da, _, err1 := apd.NewFromString(strings.Trim(a, `"`))
		db, _, err2 := apd.NewFromString(strings.Trim(b, `"`))
		if err1 != nil || err2 != nil {
			return false, fmt.Errorf("row %d: HHIplus_t %s / %s not numbers", i+1, a, b)
		}
		diff := new(apd.Decimal)
		if _, err := apd.BaseContext.WithPrecision(100).Sub(diff, da, db); err != nil {
			return false, err
		}
		diff.Abs(diff)
		adj := int32(da.NumDigits()) - 1 + da.Exponent
		if diff.Cmp(apd.New(10, adj-27)) > 0 {
			return false, fmt.Errorf("row %d: HHIplus_t %s, want %s (beyond tolerance)", i+1, a, b)
		}
	}
	return exact, nil
}
