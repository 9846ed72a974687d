// Package sweep plans and runs parameter sweeps of Kalecki rings: it expands
// a Spec into runs (grid, Latin hypercube, frontier search), gives each run a
// content-addressed id and a seed, keeps the experiment store in bilancio's
// layout (registry, runs, aggregate), hands runs to an executor, and resumes
// a sweep without losing or repeating a finished run.
package sweep
