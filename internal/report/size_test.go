package report_test

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/bilancio-go/bilancio/internal/runner"
)

// runPageBudget is the most a 5-agent ring's run.html may weigh (issue 12:
// it was 46 KB on average in bilancio's 13,500-run ring sweep).
const runPageBudget = 16 * 1024

// TestRunPageSize writes the run.html of a 5-agent ring of bilancio's ring
// sweep (the heaviest of its grid: 7 days, 4 defaults) through the real
// pipeline and checks it against the budget.
func TestRunPageSize(t *testing.T) {
	data, err := os.ReadFile(filepath.Join("testdata", "ring5.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	if _, err := runner.Run(context.Background(), runner.Request{ScenarioName: "ring5.yaml", Scenario: data, OutDir: dir, HTML: true, RunID: "size", Engine: "go", Executor: "local"}); err != nil {
		t.Fatal(err)
	}
	st, err := os.Stat(filepath.Join(dir, "run.html"))
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("run.html of a 5-agent ring: %d bytes", st.Size())
	if st.Size() > runPageBudget {
		t.Errorf("run.html of a 5-agent ring is %d bytes, over the budget of %d", st.Size(), runPageBudget)
	}
}
