package runfolder

// The files a run folder keeps (sdk.RunOptions' Artifacts, a sweep file's
// artifacts setting).
const (
	// ArtifactsAll keeps every file, as bilancio does (the default, also
	// when the setting is empty).
	ArtifactsAll = "all"
	// ArtifactsNoHTML keeps every file but run.html.
	ArtifactsNoHTML = "no_html"
	// ArtifactsAggregates keeps what the sweep's aggregates read:
	// scenario.yaml, out/metrics.csv, a dealer run's out/dealer_metrics.json
	// and the manifest.
	ArtifactsAggregates = "aggregates"
)

// ArtifactsModes lists the artifacts settings, the default first.
func ArtifactsModes() []string { return []string{ArtifactsAll, ArtifactsNoHTML, ArtifactsAggregates} }
