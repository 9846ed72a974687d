package browsertest

import (
	"bytes"
	"fmt"
	"maps"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/bilancio-go/bilancio/internal/report"
)

// buildBilancio builds the bilancio command into a temporary directory.
func buildBilancio(t *testing.T) string {
	t.Helper()
	goTool, err := exec.LookPath("go")
	if err != nil {
		t.Skipf("go tool not found: %v", err)
	}
	dir := t.TempDir()
	bin := filepath.Join(dir, "bilancio")
	// bilancio and bilancio-sweep, which serves its sweep commands.
	cmd := exec.Command(goTool, "build", "-o", dir+string(filepath.Separator), "github.com/bilancio-go/bilancio", "github.com/bilancio-go/bilancio/cmd/bilancio-sweep")
	cmd.Dir = "../.."
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

// TestDashboard runs a 3 × 2 × 2 grid of small rings with the bilancio
// command, opens its aggregate/dashboard.html and checks that it loads
// cleanly, has a heatmap cell per parameter point, and that clicking a
// column header of the runs table sorts it.
func TestDashboard(t *testing.T) {
	chromiumPath(t) // skip before building when there is no browser
	bin := buildBilancio(t)
	b := newBrowser(t)
	art := artifactDir(t)
	dir := filepath.Join(t.TempDir(), "exp")
	cmd := exec.Command(bin, "sweep", "ring", "-n-agents", "5", "-maturity-days", "3",
		"-kappas", "0.5,1,2", "-concentrations", "0.5,1", "-mus", "0,0.5", "-out-dir", dir)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("sweep ring: %v\n%s", err, out)
	}
	page := filepath.Join(dir, "aggregate", "dashboard.html")
	if _, err := os.Stat(page); err != nil {
		t.Fatalf("the sweep wrote no dashboard: %v", err)
	}
	const points = 3 * 2 * 2
	b.open(t, page, "#runs tbody tr")
	b.noErrors(t, "dashboard")
	if n := b.count(t, "g.cell"); n != points {
		t.Errorf("heatmaps have %d cells, want %d (one per parameter point)", n, points)
	}
	if n := b.count(t, "#runs tbody tr"); n != points {
		t.Errorf("runs table has %d rows, want %d", n, points)
	}
	if n := b.count(t, "#panels figure"); n != 2*2 {
		t.Errorf("%d figures, want a heatmap and lines per μ (4)", n)
	}
	if n := b.count(t, "#config dd"); n < 8 {
		t.Errorf("the configuration panel lists %d settings", n)
	}
	b.noOverflow(t, "dashboard")
	b.screenshot(t, art, "dashboard.png", "")

	// Sorting: a click on a header sorts the table by it.
	const column = `Array.from(document.querySelectorAll("#runs tbody tr")).map(r => r.cells[3].textContent.trim())`
	eval[any](t, b, `document.querySelectorAll("#runs thead tr:first-child th")[3].click()`)
	kappas := eval[[]string](t, b, column)
	if !slices.IsSortedFunc(kappas, func(a, b string) int { return strings.Compare(a, b) }) {
		t.Errorf("clicking κ did not sort the table: %v", kappas)
	}
	// Filtering by a range: κ from 1 to 2 keeps 8 runs.
	eval[any](t, b, `(() => { const set = (w, v) => { const i = document.querySelector('#runs .filters input[data-i="3"][data-w="' + w + '"]'); i.value = v; i.dispatchEvent(new Event("input", { bubbles: true })); }; set("lo", "1"); set("hi", "2"); })()`)
	if n := b.count(t, "#runs tbody tr"); n != 8 {
		t.Errorf("κ in [1, 2] shows %d runs, want 8", n)
	}
	// Clicking a heatmap cell filters the table to its point.
	eval[any](t, b, `document.querySelector("g.cell").dispatchEvent(new MouseEvent("click", { bubbles: true }))`)
	if n := b.count(t, "#runs tbody tr"); n != 1 {
		t.Errorf("after clicking a cell the table shows %d runs, want 1", n)
	}
	// Downloads: a figure as SVG and PNG, the table as shown (the clicked
	// point's run) as CSV; a no-script notice says what needs JavaScript.
	b.checkDownloads(t, "dashboard", "#panels figure", "#runs-tools button.csv", 1)
	if n := b.count(t, "#panels figcaption .dl button"); n != 2*2*2 {
		t.Errorf("%d download buttons, want an SVG and a PNG one per figure (8)", n)
	}
	if s := eval[string](t, b, `document.querySelector("noscript").textContent`); !strings.Contains(s, "JavaScript") {
		t.Errorf("the no-script notice reads %q", s)
	}
	// The metric selector redraws the figures.
	eval[any](t, b, `(() => { const s = document.getElementById("metric"); s.value = "1"; s.dispatchEvent(new Event("change")); })()`)
	if n := b.count(t, "g.cell"); n != points {
		t.Errorf("after choosing φ the heatmaps have %d cells", n)
	}
	if title := eval[string](t, b, `document.querySelector("#panels figcaption span").textContent`); !strings.HasPrefix(title, "φ") {
		t.Errorf("after choosing φ the first figure is %q", title)
	}
	b.noErrors(t, "dashboard after sorting, filtering and the metric selector")
}

// TestDashboardDesigns opens the dashboards of a 1,000-point Latin
// hypercube (the pages written from a synthetic registry: the runs need not
// be simulated), of the frontier example run for real and of a replicates
// grid, and checks each draws the figures its design calls for, within a
// bounded weight, and fits its box.
func TestDashboardDesigns(t *testing.T) {
	chromiumPath(t)
	bin := buildBilancio(t)
	b := newBrowser(t)
	art := artifactDir(t)

	lhs := filepath.Join(t.TempDir(), "lhs.html")
	size := writeLHSDashboard(t, lhs, 1000)
	// The page's weight, not its speed (BenchmarkDashboardLoad measures
	// that): bytes, and the elements it draws. A panel per distinct value
	// would be megabytes and tens of thousands of elements.
	if size > 400<<10 {
		t.Errorf("the 1,000-point LHS dashboard is %d bytes, want at most 400 KiB", size)
	}
	b.open(t, lhs, "#runs tbody tr")
	if n := b.count(t, "*"); n > 12000 {
		t.Errorf("the 1,000-point LHS dashboard has %d elements, want at most 12,000", n)
	} else {
		t.Logf("1,000-point LHS dashboard: %d bytes, %d elements", size, n)
	}
	b.noErrors(t, "lhs dashboard")
	// Three μ facets, each a scatter, a binned heatmap and lines: never a
	// panel per distinct value.
	if n := b.count(t, "#panels figure"); n != 9 {
		t.Errorf("LHS dashboard has %d figures, want 9 (3 μ facets × scatter, heatmap, lines)", n)
	}
	if n := b.count(t, "#panels svg circle"); n < 1000 {
		t.Errorf("the scatter plots show %d points, want every run", n)
	}
	if n := b.count(t, "g.cell"); n == 0 || n > 3*36 {
		t.Errorf("%d binned heatmap cells, want at most 3 × 6 × 6", n)
	}
	b.noOverflow(t, "lhs dashboard")
	b.screenshot(t, art, "dashboard-lhs.png", "")

	dir := filepath.Join(t.TempDir(), "frontier")
	cmd := exec.Command(bin, "sweep", "run", "../../examples/sweeps/ring_frontier.hcl", "-out", dir)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("sweep run: %v\n%s", err, out)
	}
	page := filepath.Join(dir, "ring_frontier", "aggregate", "dashboard.html")
	b.open(t, page, "#frontier-fig svg")
	b.noErrors(t, "frontier dashboard")
	// A marker per cell (3 c × 3 μ): the frontier κ, or "never clears";
	// a cell at a bound of the range is warned about.
	marks := b.count(t, "#frontier-fig svg rect[width='8']") + eval[int](t, b, `Array.from(document.querySelectorAll("#frontier-fig svg text")).filter(e => e.textContent.startsWith("never clears")).length`)
	if marks != 9 {
		t.Errorf("the frontier figure marks %d cells, want 9", marks)
	}
	atBound := eval[int](t, b, `Array.from(document.querySelectorAll("#frontier-fig svg text")).filter(e => /bound|never clears/.test(e.textContent)).length`)
	if warned := b.count(t, ".warning"); (atBound > 0) != (warned > 0) {
		t.Errorf("%d cells at a bound, %d warnings", atBound, warned)
	}
	// Every probe is drawn on the κ axis, inside the plot (a probe below
	// the search range was drawn over the row labels).
	if out := eval[[]string](t, b, `(() => {
  const svg = document.querySelector("#frontier-fig svg");
  const labels = Array.from(svg.querySelectorAll("text[text-anchor=end]")).filter(e => e.textContent.startsWith("c ")).map(e => e.getBBox());
  const right = Math.max(...labels.map(r => r.x + r.width));
  return Array.from(svg.querySelectorAll("circle.probe")).filter(c => +c.getAttribute("cx") - 2.5 < right).map(c => c.querySelector("title").textContent);
})()`); len(out) > 0 || b.count(t, "#frontier-fig circle.probe") == 0 {
		t.Errorf("probes drawn over the row labels (or none drawn): %q", out)
	}
	b.noOverflow(t, "frontier dashboard")
	b.screenshot(t, art, "dashboard-frontier.png", "")

	// Replicates: a real sweep of 3 κ × 2 c, five seeds each. Cells show
	// the mean, its interval and the count; the lines carry interval bars;
	// the table has the replicate column of results.csv.
	repDir := filepath.Join(t.TempDir(), "replicates")
	cmd = exec.Command(bin, "sweep", "ring", "-n-agents", "5", "-maturity-days", "3", "-kappas", "0.5,1,2", "-concentrations", "0.5,2",
		"-mus", "0", "-replicates", "5", "-out-dir", repDir)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("sweep ring -replicates 5: %v\n%s", err, out)
	}
	reps := filepath.Join(repDir, "aggregate", "dashboard.html")
	b.open(t, reps, "#runs tbody tr")
	b.noErrors(t, "replicates dashboard")
	if n := b.count(t, "g.cell"); n != 6 {
		t.Errorf("%d cells, want 6 points", n)
	}
	if n := eval[int](t, b, `Array.from(document.querySelectorAll("g.cell text")).filter(e => /n=5/.test(e.textContent)).length`); n != 6 {
		t.Errorf("%d cells show n=5, want 6", n)
	}
	if tip := eval[string](t, b, `document.querySelector("g.cell title").textContent`); !strings.Contains(tip, "95% interval") || !strings.Contains(tip, "5 runs") {
		t.Errorf("cell tooltip %q lacks the interval and the count", tip)
	}
	if n := b.count(t, "#panels line[stroke-width='1.2']"); n != 6 {
		t.Errorf("%d interval bars on the lines, want 6", n)
	}
	// The replicate column: each of 0…4 six times (once per point), and
	// the run links still first.
	if h := eval[string](t, b, `Array.from(document.querySelectorAll("#runs thead tr:first-child th")).pop().textContent`); h != "replicate" {
		t.Errorf("the runs table's last column is %q, want replicate", h)
	}
	eval[any](t, b, `document.querySelector("#runs-tools button.clear").click()`)
	counts := eval[map[string]int](t, b, `(() => { const c = {}; for (const r of document.querySelectorAll("#runs tbody tr")) { const v = r.cells[r.cells.length - 1].textContent; c[v] = (c[v] || 0) + 1; } return c; })()`)
	if want := map[string]int{"0": 6, "1": 6, "2": 6, "3": 6, "4": 6}; !maps.Equal(counts, want) {
		t.Errorf("replicates in the table: %v, want %v", counts, want)
	}
	if n := b.count(t, "#runs tbody td.id a"); n != 30 {
		t.Errorf("%d run links, want 30", n)
	}
	b.noOverflow(t, "replicates dashboard")
	b.screenshot(t, art, "dashboard-replicates.png", "#figures")
	b.screenshot(t, art, "dashboard-replicates-table.png", "#table")
}

// writeLHSDashboard writes the dashboard of a synthetic n-point Latin
// hypercube: κ, c and μ drawn over their ranges, δ a logistic of κ. It
// returns the page's size in bytes.
func writeLHSDashboard(t testing.TB, path string, n int) int {
	t.Helper()
	d := &report.Dashboard{ExperimentID: "lhs_synthetic", Executor: "local",
		Config: []report.ConfigItem{{Key: "kappa_rule", Value: "debt_over_liquidity"}, {Key: "lhs.count", Value: strconv.Itoa(n)}}}
	for i := range n {
		u := func(k int) float64 { return float64((i*k)%n) / float64(n) }
		k, c, mu := 0.1+5.9*u(7), 0.1+5.9*u(13), u(31)
		delta := 1 / (1 + math.Exp(-3*(k-2-c/4)))
		id := fmt.Sprintf("lhs_%012x", i)
		d.Runs = append(d.Runs, report.DashboardRun{ID: id, Phase: "lhs", Seed: strconv.Itoa(42 + i),
			Kappa: strconv.FormatFloat(k, 'g', 17, 64), Concentration: strconv.FormatFloat(c, 'g', 17, 64), Mu: strconv.FormatFloat(mu, 'g', 17, 64),
			Monotonicity: "0E-19", Status: "completed", Delta: strconv.FormatFloat(delta, 'g', 17, 64), Phi: strconv.FormatFloat(1-delta, 'g', 17, 64),
			TimeToStability: "5", RunDir: "../runs/" + id + "/"})
	}
	var buf bytes.Buffer
	if err := report.WriteDashboard(&buf, d); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	return buf.Len()
}

// A sweep of more runs than its dashboard lists: the figures come from the
// summary of every run (the counts in the cells are the whole sweep's), the
// table lists a sample and says so, and the page stays light.
func TestDashboardSummarized(t *testing.T) {
	chromiumPath(t)
	b := newBrowser(t)
	art := artifactDir(t)
	runs := 0
	z := report.NewSummarizer()
	each := func(f func(*report.DashboardRun)) {
		i := 0
		for rep := range 100 {
			for k := range 20 {
				for c := range 5 {
					for mu := range 5 {
						kv, cv := 0.25*float64(k+1), 0.5*float64(c+1)
						delta := 1 / (1 + math.Exp(-3*(kv-2-cv/4)))
						id := fmt.Sprintf("grid_%012x", i)
						r := report.DashboardRun{ID: id, Phase: "grid", Seed: strconv.Itoa(rep),
							Kappa: strconv.FormatFloat(kv, 'f', -1, 64), Concentration: strconv.FormatFloat(cv, 'f', -1, 64),
							Mu: strconv.FormatFloat(0.25*float64(mu), 'f', -1, 64), Monotonicity: "0", Status: "completed",
							Delta: strconv.FormatFloat(delta, 'g', 17, 64), Phi: strconv.FormatFloat(1-delta, 'g', 17, 64), TimeToStability: "5",
							RunDir: "../runs/" + id + "/"}
						if i%997 == 0 {
							r.Status, r.Delta, r.Phi, r.TimeToStability, r.Error = "failed", "", "", "", "it broke"
						}
						f(&r)
						i++
					}
				}
			}
		}
	}
	each(func(r *report.DashboardRun) { z.Scan(r); runs++ })
	z.Second(report.NewPointsTable(t.TempDir()))
	each(func(r *report.DashboardRun) {
		if err := z.Add(r); err != nil {
			t.Fatal(err)
		}
	})
	s, sample := z.Done()
	d := &report.Dashboard{ExperimentID: "grid_summarized", Executor: "local", Total: runs, Runs: sample, Summary: s,
		Config: []report.ConfigItem{{Key: "kappa_rule", Value: "debt_over_liquidity"}}}
	var buf bytes.Buffer
	if err := report.WriteDashboard(&buf, d); err != nil {
		t.Fatal(err)
	}
	page := filepath.Join(t.TempDir(), "summarized.html")
	if err := os.WriteFile(page, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	if buf.Len() > 3<<20 {
		t.Errorf("the dashboard of %d runs weighs %d bytes", runs, buf.Len())
	}
	b.open(t, page, "#runs tbody tr")
	b.noErrors(t, "summarized dashboard")
	// Five μ facets, each a scatter of the sample, a heatmap (κ binned: 6
	// × 5 c) and lines; the cells count every run of the sweep, not the
	// sample's.
	if n := b.count(t, "#panels figure"); n != 15 {
		t.Errorf("%d figures, want 15 (5 μ facets × scatter, heatmap, lines)", n)
	}
	if n := b.count(t, "g.cell"); n != 5*6*5 {
		t.Errorf("%d heatmap cells, want %d", n, 5*6*5)
	}
	// Every facet's scatter shows runs of the sample (a sample of every
	// k-th run of a grid would show only some μ).
	if empty := eval[int](t, b, `Array.from(document.querySelectorAll("#panels figure")).filter(f => f.querySelector("figcaption").textContent.includes("a sample") && !f.querySelector("circle")).length`); empty > 0 {
		t.Errorf("%d scatter plots of the sample are empty", empty)
	}
	total := eval[int](t, b, `Array.from(document.querySelectorAll("g.cell title")).map(e => +(/(\d+) runs?\./.exec(e.textContent) || [0, 0])[1]).reduce((a, b) => a + b, 0)`)
	if failed := (runs + 996) / 997; total != runs-failed {
		t.Errorf("the heatmap cells count %d completed runs, want %d", total, runs-failed)
	}
	if note := eval[string](t, b, `document.querySelector("#runs-sample").textContent`); !strings.Contains(note, fmt.Sprintf("of the sweep's %d runs", runs)) {
		t.Errorf("the table's note says %q", note)
	}
	if card := eval[string](t, b, `document.querySelector("#summary").textContent`); !strings.Contains(card, fmt.Sprintf("%d listed", runs)) {
		t.Errorf("the summary cards say %q", card)
	}
	b.noOverflow(t, "summarized dashboard")
	b.screenshot(t, art, "dashboard-summarized.png", "")
}
