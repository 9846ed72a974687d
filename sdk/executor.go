package sdk

import (
	"context"
	"io"
	"time"

	"github.com/bilancio-go/bilancio/sdk/runfolder"
)

// ProtocolVersion is the major version of the executor protocol this SDK
// speaks (proto package bilancio.executor.v1). A plugin built for another
// major version is refused by the host with a clear error.
const ProtocolVersion = 1

// Version is the version of this SDK.
const Version = "0.1.0"

// Executor runs batches of simulation runs somewhere: here, or in the cloud.
//
// Every method takes the caller's context; cancelling it (Ctrl-C in the CLI)
// crosses the process boundary and must stop the work promptly.
type Executor interface {
	// Describe says who the executor is and what it can do. It answers
	// before Configure (`bilancio-executor-NAME describe` calls it alone)
	// and should set ProtocolVersions to ProtocolVersions(); over gRPC the
	// SDK sets SDKVersion, and ProtocolVersions when empty.
	Describe(ctx context.Context) (*Info, error)
	// Configure hands the executor its block of the sweep file, decoded
	// against Info.ConfigSchema. It is called once, before anything else
	// but Describe; an executor refuses a configuration it cannot use
	// (malformed JSON, an attribute not in its schema, a bad value) with an
	// error wrapping ErrInvalidConfig. Config.Decode does all of that.
	Configure(ctx context.Context, cfg *Config) error
	// Execute runs a batch and calls emit with a RunEvent per state change
	// of each run: queued, started, progress, then exactly one of completed
	// (with the Result), failed (with the reason) or cancelled. A completed
	// run's folder is Batch.OutRoot/<run_id> and verifies (its manifest.json,
	// written last, lists every file with its sha256); a run that failed or
	// was cancelled leaves no manifest.json there. A run whose scenario is
	// broken fails (its message naming the problem) and the others go on.
	//
	// Execute returns nil when every run has ended. Once ctx is cancelled it
	// stops the runs promptly (within a second) and returns ctx's error; the
	// runs that had not ended then count as cancelled, whether or not a
	// cancelled event reached emit (over gRPC it usually does not). emit is
	// safe to call from several goroutines; an error from emit aborts the
	// batch and Execute returns it.
	//
	// Over gRPC, if the plugin process dies mid-batch, Execute emits a failed
	// event naming the crash for every run without a terminal event and
	// returns an error wrapping ErrPluginCrashed. While the batch runs, the
	// SDK's server sends heartbeats on its own (Batch.HeartbeatInterval,
	// set by the host): a plugin that computes is never silent, and the
	// executor has nothing to do for it.
	//
	// Detached remote work (Capabilities.Detach). For an executor whose
	// runs happen elsewhere and can outlive the host:
	//
	//   - With Batch.Detach, Execute returns nil once every run is handed to
	//     the remote work, each reported EventDetached (or with its terminal
	//     event, if it already ended). The work goes on without the host
	//     and without this plugin process.
	//   - Re-attach: an Execute of a batch some of whose runs are already
	//     live or finished remotely (found from the backend alone, e.g. by
	//     tags or job names carrying the experiment id and the chunk, never
	//     from this process's memory) does not run them again: it follows
	//     the live ones, collects the finished ones from remote storage into
	//     OutRoot (completed events, as if run now) and starts only the runs
	//     that have no remote work. So does a detached Execute: it submits
	//     only what is missing. Each run executes at most once per
	//     submission, however often Execute is called.
	//   - The end of ctx (the host gone, the call cut, Ctrl-C) only stops
	//     following the batch: remote work stops only through Cancel (the
	//     host's sdk client sends it when its caller cancels). The SDK's
	//     parent-death watchdog does not cancel a detachable executor's
	//     work either.
	Execute(ctx context.Context, batch *Batch, emit func(RunEvent) error) error
	// Cancel stops the in-flight and queued runs of an experiment (all of
	// them when RunIDs is empty) within a second; the Execute running them
	// reports each one cancelled (or completed, if it ended first) and
	// returns nil once every run of its batch has ended. It is idempotent.
	// An executor without Capabilities.Cancel may return ErrNotSupported.
	//
	// With Capabilities.Detach, a Cancel without RunIDs cancels all of the
	// experiment's remote work, found from the backend: it works from any
	// process, one that never executed a batch of the experiment included.
	Cancel(ctx context.Context, req *CancelRequest) error
	// Status reports what the executor knows of an experiment's runs: the
	// last state of each run it executed (at least since it started). With
	// Capabilities.Detach and StatusRequest.Remote it also lists the
	// experiment's remote work units as the backend reports them (from any
	// process), with the backend's reason for each failed one.
	Status(ctx context.Context, req *StatusRequest) (*StatusReply, error)
	// Estimate prices runs before they are submitted; without
	// Capabilities.Estimate it may return ErrNotSupported.
	Estimate(ctx context.Context, req *EstimateRequest) (*EstimateReply, error)
	// List lists every artifact (files and directories, recursively) in the
	// executor's storage whose path starts with the prefix. Paths are
	// slash-separated and relative to the storage root; a run's folder is
	// kept at StoragePath(experiment, run). Without Capabilities.Artifacts,
	// List, Fetch and Remove return ErrNotSupported.
	List(ctx context.Context, req *ListRequest) ([]Entry, error)
	// Fetch copies one file from the executor's storage to w; a path that
	// does not exist is an error wrapping ErrNotFound.
	Fetch(ctx context.Context, req *FetchRequest, w io.Writer) error
	// Remove deletes a file, or a directory and everything under it when
	// Recursive, from the executor's storage; a path that does not exist is
	// an error wrapping ErrNotFound.
	Remove(ctx context.Context, req *RemoveRequest) error
}

// StoragePath is where an executor with the Artifacts capability keeps a
// run's folder in its storage: <experiment_id>/runs/<run_id> (the layout of
// the local experiment store and of bilancio's Modal volume).
func StoragePath(experimentID, runID string) string {
	return experimentID + "/runs/" + runID
}

// Info is an executor's identity and capabilities.
type Info struct {
	Name             string            `json:"name"`
	Version          string            `json:"version"`
	SDKVersion       string            `json:"sdk_version"`
	ProtocolVersions []int             `json:"protocol_versions"`
	Capabilities     Capabilities      `json:"capabilities"`
	ConfigSchema     []ConfigAttribute `json:"config_schema"`
}

// Capabilities are feature flags within a protocol version.
type Capabilities struct {
	// Cancel: Cancel stops in-flight runs.
	Cancel bool `json:"cancel"`
	// Estimate: Estimate gives a meaningful price.
	Estimate bool `json:"estimate"`
	// Artifacts: List, Fetch and Remove work on the executor's storage.
	Artifacts bool `json:"artifacts"`
	// Remote: runs happen elsewhere and need the worker binary (Batch.Worker).
	Remote bool `json:"remote"`
	// MaxParallelHint is how many runs the executor runs at once by default.
	MaxParallelHint int `json:"max_parallel_hint"`
	// Heartbeat: the plugin sends heartbeats when a batch asks
	// (Batch.HeartbeatInterval). Over gRPC the SDK sets it: executors need
	// not.
	Heartbeat bool `json:"heartbeat,omitempty"`
	// Detach: the executor's work survives the host and the plugin process
	// (see Executor.Execute): it honours Batch.Detach, re-attaches to live
	// remote work, reports WorkUnits in Status and cancels a whole
	// experiment from any process.
	Detach bool `json:"detach,omitempty"`
}

// Attribute types of a configuration schema.
const (
	TypeString     = "string"
	TypeNumber     = "number"
	TypeBool       = "bool"
	TypeListString = "list(string)"
)

// ConfigAttribute is one attribute of an executor's configuration block.
type ConfigAttribute struct {
	Name        string `json:"name"`
	Type        string `json:"type"`
	Description string `json:"description"`
	Required    bool   `json:"required,omitempty"`
	// Default is the attribute's default as JSON ("" when none).
	Default string `json:"default,omitempty"`
	// Env names the environment variable that overrides the default.
	Env string `json:"env,omitempty"`
}

// Config is an executor's configuration block as a JSON object whose keys are
// schema attributes.
type Config struct {
	JSON []byte `json:"config"`
}

// Batch is a set of runs to execute.
type Batch struct {
	ExperimentID string `json:"experiment_id"`
	// OutRoot is the local directory where each run's folder must land, as
	// OutRoot/<run_id>, with its manifest written last.
	OutRoot string `json:"out_root"`
	// Parallel caps the runs executed at once (0: the executor's default).
	Parallel int       `json:"parallel,omitempty"`
	Runs     []RunSpec `json:"runs"`
	// Worker is the bilancio binary remote executors stage and run.
	Worker *WorkerBinary `json:"worker,omitempty"`
	// HeartbeatInterval asks for a heartbeat event at least this often while
	// the batch runs (0: none). The host sets it; over gRPC the SDK's server
	// sends the heartbeats, naming the runs started and not ended (or those
	// a Liveness executor says are alive).
	HeartbeatInterval time.Duration `json:"heartbeat_interval,omitempty"`
	// Detach asks an executor with Capabilities.Detach to return once every
	// run is handed to remote work (see Executor.Execute).
	Detach bool `json:"detach,omitempty"`
}

// WorkerBinary locates the bilancio binary that runs `bilancio worker`.
type WorkerBinary struct {
	Path   string `json:"path"`
	SHA256 string `json:"sha256"`
	OS     string `json:"os"`
	Arch   string `json:"arch"`
}

// RunSpec is one run: a scenario and how to run it.
type RunSpec struct {
	RunID string `json:"run_id"`
	// ScenarioName names the scenario in error messages (a file name).
	ScenarioName string `json:"scenario_name"`
	// Scenario is the scenario YAML, as bilancio reads it.
	Scenario []byte     `json:"scenario"`
	Options  RunOptions `json:"options"`
}

// RunOptions adjust a run; zero values keep the scenario's own settings.
type RunOptions struct {
	MaxDays int `json:"max_days,omitempty"`
	// QuietDays overrides run.quiet_days when HasQuietDays.
	QuietDays       int    `json:"quiet_days,omitempty"`
	HasQuietDays    bool   `json:"has_quiet_days,omitempty"`
	DefaultHandling string `json:"default_handling,omitempty"`
	CheckInvariants string `json:"check_invariants,omitempty"`
	// HTML asks for run.html.
	HTML bool `json:"html,omitempty"`
	// DetailedLogging asks a dealer run for bilancio's detailed CSV files
	// (trades, inventory and system-state time series, repayment events).
	DetailedLogging bool `json:"detailed_logging,omitempty"`
	// EmulateDisplayTruncation reproduces bilancio's display bug that cut
	// some dealer runs short, for regenerating its damaged files (off by
	// default; engine.Options.EmulateDisplayTruncation).
	EmulateDisplayTruncation bool `json:"emulate_display_truncation,omitempty"`
	// Artifacts says which files the run folder keeps: ArtifactsAll (the
	// default, also when empty), ArtifactsNoHTML or ArtifactsAggregates.
	// What a run does not keep can be rebuilt exactly from its
	// scenario.yaml (`bilancio report RUN_DIR`).
	Artifacts string `json:"artifacts,omitempty"`
	// SummaryRule is what phi_total and delta_total are when their weighted
	// sum is zero: "" (0, bilancio from 2025-11-28) or "none" (None, as in
	// bilancio's revisions before; an empty registry cell).
	SummaryRule string `json:"summary_rule,omitempty"`
	// DealerEra is the dealer instrumentation a dealer run reproduces: ""
	// (bilancio of December 2025) or "data" (bilancio of 2025-11-29: no
	// December event fields, no dealer_metrics.json).
	DealerEra string `json:"dealer_era,omitempty"`
}

// The files a run folder keeps (RunOptions.Artifacts); their home is
// sdk/runfolder, which the run path imports without this package's gRPC.
const (
	// ArtifactsAll keeps every file, as bilancio does.
	ArtifactsAll = runfolder.ArtifactsAll
	// ArtifactsNoHTML keeps every file but run.html.
	ArtifactsNoHTML = runfolder.ArtifactsNoHTML
	// ArtifactsAggregates keeps what the sweep's aggregates read.
	ArtifactsAggregates = runfolder.ArtifactsAggregates
)

// ArtifactsModes lists the values of RunOptions.Artifacts, the default first.
func ArtifactsModes() []string { return runfolder.ArtifactsModes() }

// EventType is the kind of a RunEvent.
type EventType string

// Run event types. Completed, Failed and Cancelled are terminal: a run has
// exactly one of them. Usage names no run (RunID is empty): it only carries
// Usage records that no later run event could carry, such as those of the
// sandboxes a cancellation terminated.
const (
	EventQueued    EventType = "queued"
	EventStarted   EventType = "started"
	EventProgress  EventType = "progress"
	EventCompleted EventType = "completed"
	EventFailed    EventType = "failed"
	EventCancelled EventType = "cancelled"
	EventUsage     EventType = "usage"
	// EventHeartbeat names no run: the plugin is alive, and vouches for the
	// runs listed in RunEvent.Running (see Batch.HeartbeatInterval).
	EventHeartbeat EventType = "heartbeat"
	// EventDetached: the run was handed to remote work that goes on without
	// the host (Batch.Detach). It ends the run's reporting in this Execute,
	// not the run: a later Execute of the run re-attaches to it.
	EventDetached EventType = "detached"
)

// Terminal reports whether t ends a run.
func (t EventType) Terminal() bool {
	return t == EventCompleted || t == EventFailed || t == EventCancelled
}

// Final reports whether t is the last event of a run in an Execute: a
// terminal one, or EventDetached. RunGuard lets exactly one through.
func (t EventType) Final() bool { return t.Terminal() || t == EventDetached }

// RunEvent is a state change of one run.
type RunEvent struct {
	RunID string    `json:"run_id"`
	Type  EventType `json:"type"`
	Time  time.Time `json:"time"`
	// Message is the failure reason, or a progress note.
	Message string `json:"message,omitempty"`
	// Attempt counts tries of this run, from 1.
	Attempt int `json:"attempt,omitempty"`
	// Failure says, on a failed event, whose fault the failure is (the
	// run's own when empty); the host retries the others more readily.
	Failure Failure `json:"failure,omitempty"`
	// Result is set on completed events.
	Result *RunResult `json:"result,omitempty"`
	// Running, on EventHeartbeat, lists the runs the plugin vouches for:
	// started, not ended, still computing.
	Running []string `json:"running,omitempty"`
	// Usage reports remote machines (Modal sandboxes) that stopped since the
	// executor's previous event. It rides on any event of the batch, not
	// necessarily of a run the machine ran: an executor holds the records
	// until its next event of a run that has not ended (a remote executor
	// sends a sandbox's last terminal event after terminating it, so the
	// record travels with it). Hosts that predate it ignore it.
	Usage []SandboxUsage `json:"usage,omitempty"`
}

// SandboxUsage is the use of one remote machine (a Modal sandbox): when it
// ran, what it reserved and what that cost at the executor's rate card.
type SandboxUsage struct {
	// ID is the sandbox's id at the provider.
	ID string `json:"id"`
	// Purpose says what the sandbox did: "runs" or "stage" (the worker
	// binary's staging).
	Purpose string `json:"purpose"`
	// Start is when the sandbox was requested, End when it was terminated.
	Start time.Time `json:"start"`
	End   time.Time `json:"end"`
	// CPU is the reserved physical cores, MemoryMiB the reserved memory,
	// GPU the GPU request ("" for none, "A100:2").
	CPU       float64 `json:"cpu"`
	MemoryMiB float64 `json:"memory_mib"`
	GPU       string  `json:"gpu,omitempty"`
	// Runs is how many runs were handed to the sandbox.
	Runs int `json:"runs"`
	// Cost is the estimated cost of the sandbox's wall time, in Currency.
	Cost     float64 `json:"cost"`
	Currency string  `json:"currency"`
}

// RunResult summarises a completed run whose folder verified.
type RunResult struct {
	RunID string `json:"run_id"`
	// Dir is the run folder on local disk (Batch.OutRoot/RunID).
	Dir             string  `json:"dir"`
	StopReason      string  `json:"stop_reason"`
	DaysSimulated   int     `json:"days_simulated"`
	Defaults        int     `json:"defaults"`
	PhiTotal        string  `json:"phi_total"`
	DeltaTotal      string  `json:"delta_total"`
	TimeToStability string  `json:"time_to_stability"`
	DurationMS      float64 `json:"duration_ms"`
	// ManifestSHA256 is the checksum of the run's manifest.json.
	ManifestSHA256 string `json:"manifest_sha256"`
	// Fingerprint is runfolder's fingerprint of the folder's files as
	// written (sizes and modification times): with ManifestSHA256 it lets
	// the host check the folder with runfolder.Check, a stat per file,
	// instead of hashing it all again. Empty when unknown.
	Fingerprint string `json:"fingerprint,omitempty"`
	Executor    string `json:"executor"`
	// Manifest is the run's manifest.json as the folder's writer (package
	// runfolder) wrote it, having hashed each file as it wrote it; the
	// host then takes the folder as reported (runfolder.Reported) instead
	// of reading it back. Empty when the executor does not say (protocol
	// x1.1 plugins, folders it did not write itself): the host checks the
	// folder. Not part of the worker's JSON events.
	Manifest []byte `json:"-"`
}

// ResultOf summarises a sealed run folder (written, received or verified
// by package runfolder) for its completed event.
func ResultOf(f *runfolder.Sealed) *RunResult {
	m := f.Manifest
	return &RunResult{
		RunID: m.RunID, Dir: f.Dir,
		StopReason: m.StopReason, DaysSimulated: m.DaysSimulated, Defaults: m.Defaults,
		PhiTotal: m.PhiTotal, DeltaTotal: m.DeltaTotal, TimeToStability: m.TimeToStability,
		DurationMS: m.DurationMS, ManifestSHA256: f.SHA256, Fingerprint: f.Fingerprint, Executor: m.Executor,
		Manifest: f.Written,
	}
}

// CancelRequest names the runs to cancel.
type CancelRequest struct {
	ExperimentID string   `json:"experiment_id"`
	RunIDs       []string `json:"run_ids,omitempty"`
}

// StatusRequest asks about an experiment.
type StatusRequest struct {
	ExperimentID string `json:"experiment_id"`
	// Remote asks an executor with Capabilities.Detach for the
	// experiment's remote work units, from its backend (which may be slow).
	Remote bool `json:"remote,omitempty"`
}

// StatusReply is what the executor knows of an experiment's runs.
type StatusReply struct {
	Runs []RunStatus `json:"runs"`
	// WorkUnits are the experiment's remote work units (StatusRequest.Remote).
	WorkUnits []WorkUnit `json:"work_units,omitempty"`
}

// WorkUnit is one piece of an experiment's remote work (a sandbox, a job
// array task) and the runs it executes.
type WorkUnit struct {
	// ID is the backend's id (a sandbox id, a Slurm job id "1234_5").
	ID string `json:"id"`
	// Name is the unit's name in the experiment ("chunk-0003").
	Name  string    `json:"name,omitempty"`
	State WorkState `json:"state"`
	// Reason is the backend's word on the state (an exit code, TIMEOUT,
	// PREEMPTED, NODE_FAIL, ...).
	Reason  string    `json:"reason,omitempty"`
	RunIDs  []string  `json:"run_ids,omitempty"`
	Started time.Time `json:"started,omitzero"`
	Ended   time.Time `json:"ended,omitzero"`
}

// WorkState is where a remote work unit stands.
type WorkState string

// Work unit states.
const (
	WorkPending   WorkState = "pending"
	WorkRunning   WorkState = "running"
	WorkFinished  WorkState = "finished"
	WorkFailed    WorkState = "failed"
	WorkCancelled WorkState = "cancelled"
)

// Live reports whether the unit has not ended (pending or running).
func (s WorkState) Live() bool { return s == WorkPending || s == WorkRunning }

// Liveness may be implemented by an executor that knows better than the
// SDK which runs of a batch are alive (a remote executor whose workers
// report in): the heartbeats the SDK sends for a batch then vouch only for
// the runs Alive returns among running (the runs started and not ended).
// Without it every run started and not ended is vouched for.
type Liveness interface {
	Alive(experimentID string, running []string) []string
}

// RunStatus is the last known state of a run.
type RunStatus struct {
	RunID   string    `json:"run_id"`
	State   EventType `json:"state"`
	Message string    `json:"message,omitempty"`
}

// EstimateRequest describes runs to price.
type EstimateRequest struct {
	Runs int `json:"runs"`
	// SecondsPerRun is the measured (pilot) duration of one run here.
	SecondsPerRun float64 `json:"seconds_per_run"`
}

// EstimateReply is a price.
type EstimateReply struct {
	Currency string  `json:"currency"`
	Cost     float64 `json:"cost"`
	// Seconds is the expected wall-clock time.
	Seconds float64 `json:"seconds"`
	Detail  string  `json:"detail,omitempty"`
}

// ListRequest lists storage under a prefix.
type ListRequest struct {
	Prefix string `json:"prefix"`
}

// Entry is one artifact in an executor's storage.
type Entry struct {
	Path    string    `json:"path"`
	Size    int64     `json:"size"`
	IsDir   bool      `json:"is_dir"`
	ModTime time.Time `json:"mod_time"`
}

// FetchRequest names an artifact to fetch.
type FetchRequest struct {
	Path string `json:"path"`
}

// RemoveRequest names artifacts to delete.
type RemoveRequest struct {
	Path      string `json:"path"`
	Recursive bool   `json:"recursive,omitempty"`
}
