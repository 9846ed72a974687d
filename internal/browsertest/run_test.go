package browsertest

import (
	"context"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/bilancio-go/bilancio/internal/conformance"
	"github.com/bilancio-go/bilancio/internal/runner"
)

// runScenario simulates a scenario file with the real pipeline and returns
// the path of its run.html.
func runScenario(t *testing.T, path string) string {
	t.Helper()
	if strings.Contains(path, "shared/conformance") {
		conformance.Require(t)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	if _, err := runner.Run(context.Background(), runner.Request{ScenarioName: filepath.Base(path), Scenario: data, OutDir: dir, HTML: true, RunID: "browsertest", Engine: "go", Executor: "local"}); err != nil {
		t.Fatal(err)
	}
	return filepath.Join(dir, "run.html")
}

// TestRunReport opens the run.html of the example ring and of the
// conformance suite's 100-agent ring (when ../shared is beside the
// repository) and checks that they load cleanly and show the per-day
// charts and the settlement network.
func TestRunReport(t *testing.T) {
	b := newBrowser(t)
	art := artifactDir(t)
	for _, c := range []struct{ name, scenario string }{
		{"kalecki_ring", "../../examples/scenarios/kalecki_ring.yaml"},
		{"kalecki_with_dealer", "../../examples/scenarios/kalecki_with_dealer.yaml"},
		{"ring_n100", "../../../shared/conformance/ring-expel-n100/runs/comparison_control_00b2d850311d/scenario.yaml"},
	} {
		t.Run(c.name, func(t *testing.T) {
			page := runScenario(t, c.scenario)
			b.open(t, page, "svg#network")
			b.noErrors(t, c.name)
			// Dues, gross settled, φ, Mpeak and the defaults by day; a
			// dealer run adds its trades and inventories.
			want := 5
			if strings.Contains(c.name, "dealer") {
				want = 7
				if n := b.count(t, "#dealer .card"); n < 3 {
					t.Errorf("%s: %d dealer cards", c.name, n)
				}
				// The trades and the inventories share one day axis (the
				// trades' axis had only the days with a trade).
				axes := eval[[]string](t, b, `Array.from(document.querySelectorAll("#dealer svg")).map(s => Array.from(s.querySelectorAll("text[text-anchor=middle]")).map(e => e.textContent).join(" "))`)
				if len(axes) != 2 || axes[0] != axes[1] {
					t.Errorf("%s: the dealer charts' day axes differ: %q", c.name, axes)
				}
				// Counts (trades, defaults) have whole ticks: no "2.5 trades".
				ticks := eval[[]string](t, b, `Array.from(document.querySelectorAll("svg[aria-label^='Dealer trades'] text[text-anchor=end], svg[aria-label^='Defaults by day'] text[text-anchor=end]")).map(e => e.textContent)`)
				whole := regexp.MustCompile(`^\d+$`)
				if len(ticks) < 4 || slices.ContainsFunc(ticks, func(s string) bool { return !whole.MatchString(s) }) {
					t.Errorf("%s: count charts have ticks %q, want whole numbers", c.name, ticks)
				}
			}
			if n := b.count(t, "section svg:not(#network)"); n != want {
				t.Errorf("%s: %d charts, want %d", c.name, n, want)
			}
			if n := b.count(t, "#charts svg rect"); n == 0 {
				t.Errorf("%s: the charts have no bars", c.name)
			}
			nodes, edges := b.count(t, "svg#network .node"), b.count(t, "svg#network .edge")
			if nodes < 2 || edges < nodes-1 {
				t.Errorf("%s: network has %d agents and %d payables", c.name, nodes, edges)
			}
			if w := eval[float64](t, b, `document.querySelector("svg#network").getBoundingClientRect().width`); w < 300 {
				t.Errorf("%s: the network picture is only %.0f px wide", c.name, w)
			}
			// Every simulated day has a section and a link; a day section
			// draws its events and balance sheets when opened.
			days := b.count(t, "details.day")
			if days == 0 || b.count(t, "#daynav a") != days {
				t.Errorf("%s: %d day sections, %d day links", c.name, days, b.count(t, "#daynav a"))
			}
			eval[bool](t, b, `(document.querySelectorAll("details.day").forEach(d => d.open = true), true)`)
			if n := b.count(t, "details.day table.ev"); n == 0 {
				t.Errorf("%s: opened day sections show no event table", c.name)
			}
			if n := b.count(t, "details.day .ta"); n == 0 {
				t.Errorf("%s: opened day sections show no balance sheet", c.name)
			}
			if n := b.count(t, "#agents tr"); n < 3 {
				t.Errorf("%s: the agents table has %d rows", c.name, n)
			}
			if n := b.count(t, "#metrics tbody tr, #metrics tr"); n < 2 {
				t.Errorf("%s: the metrics table has %d rows", c.name, n)
			}
			b.noOverflow(t, c.name)
			b.noErrors(t, c.name)
			b.screenshot(t, art, "run-"+c.name+".png", "")
			b.screenshot(t, art, "run-"+c.name+"-charts.png", "#charts")
		})
	}
}
