package browsertest

import (
	"bytes"
	"context"
	"encoding/csv"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/bilancio-go/bilancio/internal/conformance"
	"github.com/bilancio-go/bilancio/internal/report"
	"github.com/bilancio-go/bilancio/internal/report/experiment"
)

// writeFile writes a test file, making its folder.
func writeFile(t testing.TB, path string, data []byte) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
}

// syntheticPairedExperiment writes a comparison sweep's folder of 3 κ × 2 c
// × 2 μ pairs whose treatment runs have dealer_metrics.json and run.html,
// and returns it with its number of pairs.
func syntheticPairedExperiment(t testing.TB) (string, int) {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "synthetic")
	recs := [][]string{report.ComparisonColumns()}
	seed := 42
	for _, k := range []string{"0.5", "1", "2"} {
		for _, c := range []string{"0.5", "2"} {
			for _, mu := range []string{"0", "1"} {
				s := strconv.Itoa(seed)
				dc, dt := 0.2+float64(seed%5)/10, 0.2+float64(seed%3)/10
				red := strconv.FormatFloat(dc-dt, 'g', -1, 64)
				recs = append(recs, []string{k, c, mu, "0", s, strconv.FormatFloat(dc, 'g', -1, 64), strconv.FormatFloat(dt, 'g', -1, 64), red, red,
					"0.5", "0.5", "comparison_control_" + s, "completed", "comparison_treatment_" + s, "completed"})
				run := filepath.Join(dir, "treatment", "runs", "comparison_treatment_"+s)
				writeFile(t, filepath.Join(run, "out", "dealer_metrics.json"), []byte(`{"dealer_total_pnl": -1.5, "dealer_total_return": -0.01, "total_trades": `+strconv.Itoa(seed%7)+`}`))
				writeFile(t, filepath.Join(run, "run.html"), []byte("<!DOCTYPE html><title>run</title>"))
				seed++
			}
		}
	}
	f, err := os.Create(filepath.Join(t.TempDir(), "c.csv"))
	if err != nil {
		t.Fatal(err)
	}
	w := csv.NewWriter(f)
	if err := w.WriteAll(recs); err != nil {
		t.Fatal(err)
	}
	f.Close()
	b, err := os.ReadFile(f.Name())
	if err != nil {
		t.Fatal(err)
	}
	writeFile(t, filepath.Join(dir, "aggregate", "comparison.csv"), b)
	// The control arm ran locally, the treatment on modal with measured usage.
	writeFile(t, filepath.Join(dir, "control", "experiment.json"), []byte(
		`{"format": 1, "experiment_id": "control", "spec": {"Name": "control"}, "created": "2026-11-28T09:00:00Z", "updated": "2026-11-28T09:02:05Z"}`))
	writeFile(t, filepath.Join(dir, "treatment", "experiment.json"), []byte(
		`{"format": 1, "experiment_id": "treatment", "spec": {"Name": "treatment", "Executor": {"Name": "modal"}}, "created": "2026-11-28T09:00:00Z", "updated": "2026-11-28T10:02:03Z"}`))
	writeFile(t, filepath.Join(dir, "treatment", "aggregate", "summary.json"), []byte(
		`{"total_runs": 12, "usage": {"sandboxes": 3, "sandbox_seconds": 1234.5, "cpu_core_seconds": 2469, "memory_gib_seconds": 617.25, "gpu_seconds": 0, "cost": 0.75, "currency": "USD"}, "config": {}}`))
	return dir, len(recs) - 1
}

// recordedPairedExperiment builds a balanced sweep's folder from the
// conformance set dealer-detailed-n5 (19 pairs over five ρ), when
// ../shared is beside the repository.
func recordedPairedExperiment(t testing.TB) (string, int) {
	t.Helper()
	root := conformance.Require(t)
	src := filepath.Join(root, "dealer-detailed-n5")
	b, err := os.ReadFile(filepath.Join(src, "comparison.csv"))
	if err != nil {
		t.Fatal(err)
	}
	recs, err := csv.NewReader(bytes.NewReader(b)).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(t.TempDir(), "dealer-detailed-n5")
	writeFile(t, filepath.Join(dir, "aggregate", "comparison.csv"), b)
	for _, arm := range []string{"passive", "active"} {
		if err := os.MkdirAll(filepath.Join(dir, arm, "runs"), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	col := slices.Index(recs[0], "active_run_id")
	for _, r := range recs[1:] {
		writeFile(t, filepath.Join(dir, "active", "runs", r[col], "run.html"), []byte("<!DOCTYPE html><title>run</title>"))
	}
	return dir, len(recs) - 1
}

// TestPairedDashboard opens the dashboard of a paired experiment and
// checks that it loads cleanly, that every heatmap has its cells, that
// the pairs table lists every pair with links to the run pages, and that
// sorting and filtering work.
func TestPairedDashboard(t *testing.T) {
	b := newBrowser(t)
	art := artifactDir(t)
	for _, c := range []struct {
		name  string
		build func(testing.TB) (string, int)
		links int // links per pair
		// armCards is the number of cards of the arms, cost the total
		// cost card's text ("" for none).
		armCards int
		cost     string
	}{
		{"synthetic", syntheticPairedExperiment, 1, 7, "0.75 USD"},
		{"dealer-detailed-n5", recordedPairedExperiment, 1, 4, ""},
	} {
		t.Run(c.name, func(t *testing.T) {
			dir, pairs := c.build(t)
			page, figures, err := experiment.Options{DefaultExecutor: "local"}.WriteReport(context.Background(), dir)
			if err != nil {
				t.Fatal(err)
			}
			b.open(t, page, "#pairs")
			b.noErrors(t, c.name)
			figs := b.count(t, "#relief figure.heatmap")
			if figs == 0 {
				t.Fatal("no relief heatmaps")
			}
			bad := eval[int](t, b, `Array.from(document.querySelectorAll("figure.heatmap")).filter(f => f.querySelectorAll("rect.cell").length != +f.dataset.cells || +f.dataset.cells == 0).length`)
			if bad != 0 {
				t.Errorf("%d heatmaps lack cells", bad)
			}
			if n := b.count(t, "#pairs tbody tr"); n != pairs {
				t.Errorf("pairs table has %d rows, want %d", n, pairs)
			}
			if n := b.count(t, "#pairs tbody a[href$='/run.html']"); n != pairs*c.links {
				t.Errorf("pairs table has %d run links, want %d", n, pairs*c.links)
			}
			if n := b.count(t, "#deltas circle.pt"); n == 0 {
				t.Error("the δ scatter has no points")
			}
			if n := b.count(t, "#arms .card"); n != c.armCards {
				t.Errorf("%d arm cards, want %d", n, c.armCards)
			}
			cost := eval[string](t, b, `(function(){var e=document.querySelector("#arms .card[data-key=cost-total] .value"); return e ? e.textContent : "";})()`)
			if cost != c.cost {
				t.Errorf("total cost card %q, want %q", cost, c.cost)
			}
			var names []string
			for _, f := range figures {
				names = append(names, "figures/"+filepath.Base(f))
			}
			links := eval[[]string](t, b, `Array.from(document.querySelectorAll("#figures a")).map(a => a.getAttribute("href"))`)
			if !slices.Equal(links, names) || len(names) == 0 {
				t.Errorf("figure links %v, want %v", links, names)
			}
			// Every listed PNG loads as an image.
			loaded, err := do(b, chromedp.Evaluate[int](`Promise.all(Array.from(document.querySelectorAll("#figures a[href$='.png']")).map(a => new Promise(ok => {
				var img = new Image(); img.onload = () => ok(img.naturalWidth > 0 ? 1 : 0); img.onerror = () => ok(0); img.src = a.href; }))).then(r => r.reduce((x, y) => x + y, 0))`, chromedp.EvalAwaitPromise))
			if err != nil {
				t.Fatalf("loading the figure PNGs: %v", err)
			}
			if want := len(names) / 2; loaded != want {
				t.Errorf("%d figure PNGs load, want %d", loaded, want)
			}
			// Lines against κ per c for the metric chosen: a panel per
			// (ρ,) μ like the relief heatmaps, redrawn for another metric.
			if n, want := b.count(t, "#lines-panels figure"), figs; n != want || b.count(t, "#lines-panels circle.pt") == 0 {
				t.Errorf("%d line panels (%d points), want %d", n, b.count(t, "#lines-panels circle.pt"), want)
			}
			options := eval[[]string](t, b, `Array.from(document.querySelectorAll("#metric option")).map(o => o.textContent)`)
			if len(options) < 4 || !strings.HasPrefix(options[0], "Δδ") {
				t.Errorf("metric options %q", options)
			}
			if i := slices.IndexFunc(options, func(s string) bool { return strings.HasPrefix(s, "dealer PnL") }); i < 0 {
				t.Errorf("no dealer PnL among the metrics %q", options)
			} else {
				eval[any](t, b, fmt.Sprintf(`(() => { const s = document.getElementById("metric"); s.value = "%d"; s.dispatchEvent(new Event("change")); })()`, i))
				if title := eval[string](t, b, `document.querySelector("#lines-panels figcaption span").textContent`); !strings.HasPrefix(title, "PnL against κ") {
					t.Errorf("after choosing dealer PnL the first line panel is %q", title)
				}
				if n := b.count(t, "#lines-panels figure"); n != figs {
					t.Errorf("after choosing dealer PnL: %d line panels, want %d", n, figs)
				}
			}
			// The selector switches the heatmaps too: the chosen metric's
			// are the only ones shown; a metric without heatmaps keeps the
			// relief's, and the note says so.
			heatFor := map[string]string{"Δδ": "relief", "dealer PnL": "pnl", "dealer trades": "trades"}
			groups := eval[[]string](t, b, `Array.from(document.querySelectorAll(".heat[data-metric]")).map(h => h.dataset.metric)`)
			for i, o := range options {
				eval[any](t, b, fmt.Sprintf(`(() => { const s = document.getElementById("metric"); s.value = "%d"; s.dispatchEvent(new Event("change")); })()`, i))
				want, note := "relief", true
				for prefix, key := range heatFor {
					if strings.HasPrefix(o, prefix) && slices.Contains(groups, key) {
						want, note = key, false
					}
				}
				shown := eval[[]string](t, b, `Array.from(document.querySelectorAll("figure.heatmap")).filter(f => f.offsetParent !== null).map(f => f.dataset.metric)`)
				if len(shown) == 0 || slices.ContainsFunc(shown, func(m string) bool { return m != want }) {
					t.Errorf("after choosing %q the heatmaps shown are %q, want only %s ones", o, shown, want)
				}
				text := eval[string](t, b, `document.getElementById("heat-note").textContent`)
				if got := text != ""; got != note || note && !strings.Contains(text, "relief") {
					t.Errorf("after choosing %q the heatmap note is %q", o, text)
				}
				if note && strings.HasPrefix(o, "relief") || strings.HasPrefix(o, "dealer PnL") {
					b.noOverflow(t, c.name+" "+o)
					b.screenshot(t, art, fmt.Sprintf("paired-%s-metric-%d.png", c.name, i), "")
				}
			}
			eval[any](t, b, `(() => { const s = document.getElementById("metric"); s.value = "0"; s.dispatchEvent(new Event("change")); })()`)
			b.noOverflow(t, c.name+" lines")
			b.noErrors(t, c.name+" lines")
			b.screenshot(t, art, "paired-"+c.name+".png", "")
			b.screenshot(t, art, "paired-"+c.name+"-table.png", "#table")
			// Copies of two figure files, to look at.
			for _, f := range figures {
				if name := filepath.Base(f); name == "deltas.png" || name == "trades_mu_0.png" || name == "trades_rho_0.5_mu_0.png" {
					data, err := os.ReadFile(f)
					if err != nil {
						t.Fatal(err)
					}
					writeFile(t, filepath.Join(art, "paired-"+c.name+"-"+name), data)
				}
			}

			// The run links come first; the page fits its box; no heading is
			// upper-cased (μ would read as M).
			if first := eval[string](t, b, `document.querySelector("#pairs tbody tr td").className`); first != "id" {
				t.Errorf("the first column of the pairs table is %q, want the run links", first)
			}
			if n := eval[int](t, b, `Array.from(document.querySelectorAll("h1,h2,h3,figcaption,th")).filter(e => getComputedStyle(e).textTransform === "uppercase").length`); n != 0 {
				t.Errorf("%d headings are upper-cased", n)
			}
			if pos := eval[string](t, b, `getComputedStyle(document.querySelector("#pairs thead th")).position`); pos != "sticky" {
				t.Errorf("the pairs table's header is %s, not sticky", pos)
			}
			b.noOverflow(t, c.name)
			// A range filter on κ: min = max = the first pair's κ.
			got := eval[[]int](t, b, `(() => {
  const col = Array.from(document.querySelectorAll("#pairs thead tr:first-child th")).findIndex(h => h.dataset.key === "kappa");
  const k = document.querySelector("#pairs tbody tr").cells[col].textContent;
  const want = Array.from(document.querySelectorAll("#pairs tbody tr")).filter(r => r.cells[col].textContent === k).length;
  const ins = document.querySelectorAll("#pairs tr.filters th")[col].querySelectorAll("input");
  for (const i of ins) { i.value = k; i.dispatchEvent(new Event("input", { bubbles: true })); }
  return [want, col];
})()`)
			if !pairedWait(t, b, fmt.Sprintf(`document.querySelectorAll("#pairs tbody tr").length === %d`, got[0])) {
				t.Errorf("a κ range filter did not leave the %d pairs of that κ", got[0])
			}
			eval[any](t, b, `document.querySelectorAll("#pairs tr.filters input").forEach(i => { i.value = ""; i.dispatchEvent(new Event("input", { bubbles: true })); })`)
			if !pairedWait(t, b, fmt.Sprintf(`document.querySelectorAll("#pairs tbody tr").length === %d`, pairs)) {
				t.Error("clearing the column filters did not bring every pair back")
			}
			const seeds = `Array.from(document.querySelectorAll("#pairs tbody tr")).map(r => +r.cells[Array.from(document.querySelectorAll("#pairs th")).findIndex(h => h.dataset.key === "seed")].textContent)`
			eval[any](t, b, `document.querySelector("#pairs th[data-key=seed]").click()`)
			asc := eval[[]float64](t, b, seeds)
			eval[any](t, b, `document.querySelector("#pairs th[data-key=seed]").click()`)
			desc := eval[[]float64](t, b, seeds)
			if len(asc) != pairs || !slices.IsSorted(asc) || asc[0] == desc[0] {
				t.Errorf("sorting by seed: %v then %v", asc, desc)
			}
			// A run id's "contains" filter leaves its pair.
			first := eval[string](t, b, `document.querySelector("#pairs tbody tr td.id").textContent`)
			eval[any](t, b, `(() => { const i = document.querySelector("#pairs tr.filters input[data-i='0']"); i.value = `+strconv.Quote(first)+`; i.dispatchEvent(new Event("input", { bubbles: true })); })()`)
			if !pairedWait(t, b, `document.querySelectorAll("#pairs tbody tr").length === 1`) {
				t.Errorf("filtering by %s did not leave one pair", first)
			}
			// A click on a heatmap cell filters the pairs to its point: every
			// row shown has the cell's κ and c, as many as the cell counts.
			got = eval[[]int](t, b, `(() => {
  const cell = document.querySelector("#relief figure.heatmap rect.cell");
  const title = cell.querySelector("title").textContent, n = +/\((\d+) of (\d+) pairs\)/.exec(title)[2];
  cell.dispatchEvent(new MouseEvent("click", { bubbles: true }));
  const head = Array.from(document.querySelectorAll("#pairs thead tr:first-child th")).map(h => h.dataset.key);
  const rows = Array.from(document.querySelectorAll("#pairs tbody tr"));
  const ok = rows.filter(r => +r.cells[head.indexOf("kappa")].textContent === +cell.dataset.kappa && +r.cells[head.indexOf("concentration")].textContent === +cell.dataset.concentration).length;
  return [rows.length, ok, n];
})()`)
			if got[0] == 0 || got[0] != got[1] || got[0] != got[2] {
				t.Errorf("after clicking a cell of %d pairs the table shows %d pairs, %d at its κ and c", got[2], got[0], got[1])
			}
			// Downloads: a figure as SVG and PNG, the pairs shown as CSV.
			b.checkDownloads(t, c.name, "#relief figure", "#pairs-tools button.csv", got[0])
			if figs, buttons := b.count(t, "figure[data-name]"), b.count(t, "figure[data-name] figcaption .dl button"); buttons != 2*figs || figs < 2 {
				t.Errorf("%d download buttons for %d figures", buttons, figs)
			}
			if s := eval[string](t, b, `document.querySelector("noscript").textContent`); !strings.Contains(s, "JavaScript") {
				t.Errorf("the no-script notice reads %q", s)
			}
			b.noErrors(t, c.name+" after sorting and filtering")
		})
	}
}

// pairedWait polls a JavaScript condition until it holds, for at most a
// minute: a generous bound (the condition usually holds at once) so that a
// loaded machine cannot fail the test; nothing here measures speed.
func pairedWait(t *testing.T, b *browser, cond string) bool {
	t.Helper()
	for deadline := time.Now().Add(time.Minute); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		if eval[bool](t, b, cond) {
			return true
		}
	}
	return false
}

// TestComparePage runs two small sweeps that differ in their default
// handling, compares them with `sweep compare CONTROL TREATMENT` and opens
// comparison.html: the paired page of the matched runs, with both runs'
// links per pair, relief heatmaps and the δ scatter, fitting its box.
func TestComparePage(t *testing.T) {
	chromiumPath(t)
	bin := buildBilancio(t)
	b := newBrowser(t)
	art := artifactDir(t)
	root := t.TempDir()
	sweep := func(name, handling string) string {
		dir := filepath.Join(root, name)
		cmd := exec.Command(bin, "sweep", "ring", "-n-agents", "5", "-maturity-days", "4", "-q-total", "500", "-liquidity-mode", "uniform",
			"-kappas", "0.5,1,2", "-concentrations", "0.5,2", "-mus", "0", "-default-handling", handling, "-out-dir", dir)
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("sweep ring %s: %v\n%s", name, err, out)
		}
		return dir
	}
	control, treatment := sweep("control", "fail-fast"), sweep("treatment", "expel-agent")
	out := filepath.Join(root, "cmp")
	if text, err := exec.Command(bin, "sweep", "compare", "-out", out, control, treatment).CombinedOutput(); err != nil {
		t.Fatalf("sweep compare: %v\n%s", err, text)
	}
	const pairs = 3 * 2
	b.open(t, filepath.Join(out, "comparison.html"), "#pairs tbody tr")
	b.noErrors(t, "comparison")
	if n := b.count(t, "#pairs tbody tr"); n != pairs {
		t.Errorf("the pairs table has %d rows, want %d", n, pairs)
	}
	if n := b.count(t, "#pairs tbody a[href$='/run.html']"); n != 2*pairs {
		t.Errorf("%d run links, want both runs of each pair (%d)", n, 2*pairs)
	}
	if n := b.count(t, "#relief rect.cell"); n != pairs {
		t.Errorf("the relief heatmaps have %d cells, want %d", n, pairs)
	}
	if n := b.count(t, "#deltas circle.pt"); n != pairs {
		t.Errorf("the δ scatter has %d points, want %d", n, pairs)
	}
	// Two experiments that differ by their default handling: the page
	// speaks of the arms, not of a dealer, and has no dealer section.
	if f := eval[string](t, b, `document.querySelector(".finding").textContent`); !strings.Contains(f, "In treatment, compared with control, the default rate") || strings.Contains(f, "dealer") {
		t.Errorf("the finding reads %q", f)
	}
	if n := b.count(t, "#dealer"); n != 0 {
		t.Error("a comparison of two experiments without dealer metrics shows the dealer's section")
	}
	if n := b.count(t, "#groups tbody tr"); n != 1 {
		t.Errorf("the table by μ has %d rows, want 1", n)
	}
	if s := eval[string](t, b, `document.querySelector("#deltas svg").textContent`); !strings.Contains(s, "default rate of the control experiment") || strings.Contains(s, "dealer") {
		t.Errorf("the δ scatter's labels read %q", s)
	}
	// Every run link opens a run page that exists.
	for _, href := range eval[[]string](t, b, `Array.from(document.querySelectorAll("#pairs tbody a")).map(a => a.href)`) {
		if p := strings.TrimPrefix(href, "file://"); !strings.HasPrefix(href, "file://") {
			t.Errorf("run link %q is not a file", href)
		} else if _, err := os.Stat(p); err != nil {
			t.Errorf("run link %q: %v", href, err)
		}
	}
	b.noOverflow(t, "comparison")
	b.screenshot(t, art, "comparison.png", "")
}
