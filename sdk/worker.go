package sdk

// Paths on an executor's storage (relative to its root) that hold the
// executor's own bookkeeping rather than results. This is their one home:
// an executor that keeps the worker binary on its storage (the modal
// executor's volume) stages it at StagedWorkersDir/<sha256>/bilancio, and
// `bilancio volume cleanup -workers` removes the stale ones from there.
const (
	// BookkeepingDir is the top-level folder of an executor's own files;
	// results (experiment folders) never use it.
	BookkeepingDir = ".bilancio"
	// StagedWorkersDir holds the staged worker binaries, one folder per
	// sha256 of the binary.
	StagedWorkersDir = BookkeepingDir + "/workers"
)

// WorkerManifestVersion is the format version of a worker manifest.
const WorkerManifestVersion = 1

// WorkerManifest is the batch file `bilancio worker -manifest FILE -out DIR`
// reads: the runs to execute. The worker writes DIR/<run_id>/ for each run
// (manifest last) and prints one JSON RunEvent per line on stdout as each
// run ends (completed or failed), so an executor that runs the worker
// elsewhere can follow it.
type WorkerManifest struct {
	Version      int       `json:"version"`
	ExperimentID string    `json:"experiment_id"`
	Parallel     int       `json:"parallel,omitempty"`
	Runs         []RunSpec `json:"runs"`
	// Executor names the executor that sent the runs; the worker records
	// it in each run's manifest (and RunResult.Executor). Empty: "worker".
	Executor string `json:"executor,omitempty"`
}

// DefaultWorkerExecutor is what a worker records as the executor of runs
// whose manifest names none.
const DefaultWorkerExecutor = "worker"
