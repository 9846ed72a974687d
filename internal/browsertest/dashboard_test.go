package browsertest

import (
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// buildBilancio builds the bilancio command into a temporary directory.
func buildBilancio(t *testing.T) string {
	t.Helper()
	goTool, err := exec.LookPath("go")
	if err != nil {
		t.Skipf("go tool not found: %v", err)
	}
	bin := filepath.Join(t.TempDir(), "bilancio")
	cmd := exec.Command(goTool, "build", "-o", bin, "github.com/bilancio-go/bilancio")
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
	b.open(t, page, "#runs")
	b.noErrors(t, "dashboard")
	if n := b.count(t, "rect.cell"); n != points {
		t.Errorf("heatmaps have %d cells, want %d (one per parameter point)", n, points)
	}
	if n := b.count(t, "#runs tbody tr"); n != points {
		t.Errorf("runs table has %d rows, want %d", n, points)
	}
	b.screenshot(t, art, "dashboard.png", "")

	const firstColumn = `Array.from(document.querySelectorAll("#runs tbody tr")).filter(r => r.offsetParent !== null).map(r => r.cells[0].textContent.trim())`
	before := eval[[]string](t, b, firstColumn)
	key := eval[string](t, b, `document.querySelector("#runs th[data-key]").dataset.key`)
	click := `document.querySelector("#runs th[data-key]").click()`
	sorted := func(col []string) bool {
		asc := slices.IsSorted(col)
		desc := slices.IsSortedFunc(col, func(a, b string) int { return strings.Compare(b, a) })
		return asc || desc
	}
	eval[any](t, b, click)
	after := eval[[]string](t, b, firstColumn)
	if slices.Equal(after, before) { // it was sorted that way already
		eval[any](t, b, click)
		after = eval[[]string](t, b, firstColumn)
	}
	if len(after) != len(before) || slices.Equal(after, before) || !sorted(after) {
		t.Errorf("clicking the %q header did not sort the table:\nbefore %v\nafter  %v", key, before, after)
	}
	b.noErrors(t, "dashboard after sorting")
}
