package experiment

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/bilancio-go/bilancio/internal/artifacts"
	"github.com/bilancio-go/bilancio/internal/report"
	"github.com/bilancio-go/bilancio/internal/store"
)

// bigExperiment writes an experiment folder whose registry lists n runs (a
// grid with three replicates; one run in 50 failed) and whose results.csv
// has the replicate column, without run folders.
func bigExperiment(t *testing.T, n int) string {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "big")
	st, err := store.Create(dir, "big")
	if err != nil {
		t.Fatal(err)
	}
	if err := st.WriteMeta(&store.Meta{Format: store.Format, ExperimentID: "big", Static: n, Spec: []byte(`{}`)}); err != nil {
		t.Fatal(err)
	}
	var reg, res bytes.Buffer
	reg.Write(artifacts.AppendCSVRecord(nil, store.RegistryColumns()))
	res.Write(artifacts.AppendCSVRecord(nil, append(store.ResultsColumns(), "replicate")))
	points := n / 3
	for i := range n {
		id := fmt.Sprintf("grid_%012x", i)
		p, rep := i%points, i/points
		k, c, mu := strconv.Itoa(1+p%40), strconv.Itoa(1+p/40%5), strconv.FormatFloat(0.05*float64(p/200), 'f', -1, 64)
		status, delta, phi, errMsg := "completed", strconv.FormatFloat(float64(p%40)/40, 'f', -1, 64), "0.5", ""
		if i%50 == 7 {
			status, delta, phi, errMsg = "failed", "", "", "boom, \"quoted\"\nsecond line"
		}
		reg.Write(artifacts.AppendCSVRecord(nil, []string{id, "grid", strconv.Itoa(i), "5", k, c, mu, "0", "5", "1000", "1000", "500",
			"", "", "", "", "", "../runs/" + id + "/run.html", "expel-agent", "False", status, "3", phi, delta, errMsg}))
		if status == "completed" {
			res.Write(artifacts.AppendCSVRecord(nil, []string{id, "grid", strconv.Itoa(i), "5", k, c, mu, "0", "1000", "500", phi, delta,
				"", "", "", "", "", "3", "", strconv.Itoa(rep)}))
		}
	}
	for f, b := range map[string][]byte{store.RegistryFile: reg.Bytes(), store.ResultsFile: res.Bytes()} {
		if err := os.MkdirAll(filepath.Dir(st.Path(f)), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(st.Path(f), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// The dashboard of an experiment of more runs than it lists reads them as
// a stream: its points table is the whole sweep's, and its sample of runs
// carries their replicates (results.csv, read alongside) and links; a
// smaller experiment is read whole, as before.
func TestDashboardOfManyRuns(t *testing.T) {
	const n = report.MaxListed + 2000
	dir := bigExperiment(t, n)
	ctx := context.Background()
	o := Options{DefaultExecutor: "local"}
	whole, err := o.Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	if whole.Summary != nil || len(whole.Runs) != n {
		t.Fatalf("Load: %d runs, summary %v", len(whole.Runs), whole.Summary != nil)
	}
	if err := o.WriteDashboard(ctx, dir); err != nil {
		t.Fatal(err)
	}
	got, err := os.ReadFile(filepath.Join(dir, filepath.FromSlash(PointsFile)))
	if err != nil {
		t.Fatal(err)
	}
	if want := report.PointsCSV(whole); !bytes.Equal(got, want) {
		t.Errorf("points.csv of the summarized dashboard differs from the whole sweep's (%d and %d bytes)", len(got), len(want))
	}
	if strings.Count(string(got), "\n") != n/3+1 {
		t.Errorf("points.csv has %d lines, want %d points and a header", strings.Count(string(got), "\n"), n/3)
	}
	d, err := o.load(ctx, dir, true)
	if err != nil {
		t.Fatal(err)
	}
	if d.Summary == nil || d.Summary.Listed != n || len(d.Runs) > report.MaxListed || len(d.Runs) == 0 {
		t.Fatalf("summarized: %d runs listed of %+v", len(d.Runs), d.Summary)
	}
	byID := map[string]report.DashboardRun{}
	for _, r := range whole.Runs {
		byID[r.ID] = r
	}
	for _, r := range d.Runs {
		if w := byID[r.ID]; r != w {
			t.Fatalf("sampled run %+v, want %+v", r, w)
		}
	}
	page, err := os.ReadFile(filepath.Join(dir, filepath.FromSlash(store.DashboardFile)))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(page, []byte(`"agg":{"listed":`+strconv.Itoa(n))) || len(page) > 3<<20 {
		t.Errorf("the dashboard (%d bytes) has no summary of the %d runs", len(page), n)
	}
	// A small experiment: read whole.
	small := bigExperiment(t, 300)
	if d, err := o.load(ctx, small, true); err != nil || d.Summary != nil || len(d.Runs) != 300 {
		t.Fatalf("a 300-run experiment: %v, %d runs, summary %v", err, len(d.Runs), d.Summary != nil)
	}
}
