// Package sweep plans and runs parameter sweeps of Kalecki rings: it expands
// a Spec into runs (grid, Latin hypercube, frontier search), gives each run a
// content-addressed id and a seed, hands the runs to an executor (any
// sdk.Executor: the commands choose and start it, see Options.Open), checks
// and records them in the experiment folder (package store: the journal, the
// run checks, the registry and aggregate files), and resumes a sweep without
// losing or repeating a finished run, running again the runs whose folders
// were damaged since.
package sweep
