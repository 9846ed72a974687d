package sdk

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
