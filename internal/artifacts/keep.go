package artifacts

import (
	"fmt"
	"strings"

	"github.com/bilancio-go/bilancio/sdk/runfolder"
)

// Keep returns the files a run folder keeps under mode (sdk.RunOptions'
// Artifacts: "" or runfolder.ArtifactsAll, runfolder.ArtifactsNoHTML,
// runfolder.ArtifactsAggregates) as a filter on their names, nil when it keeps
// everything, and whether it keeps run.html. The manifest is always kept.
//
// runfolder.ArtifactsAggregates keeps what a sweep's registry, results, summary and
// comparisons read: scenario.yaml (from which anything else is rebuilt),
// out/metrics.csv and out/dealer_metrics.json.
func Keep(mode string) (keep func(name string) bool, html bool, err error) {
	switch mode {
	case "", runfolder.ArtifactsAll:
		return nil, true, nil
	case runfolder.ArtifactsNoHTML:
		return func(name string) bool { return name != RunHTMLFile }, false, nil
	case runfolder.ArtifactsAggregates:
		return func(name string) bool {
			return name == ScenarioFile || name == MetricsCSVFile || name == DealerMetricsFile
		}, false, nil
	}
	return nil, false, fmt.Errorf("unknown artifacts setting %q (want %s)", mode, strings.Join(runfolder.ArtifactsModes(), ", "))
}
