// Package experiment reads an experiment folder (see sweep's store layout)
// for its report — the runs, the frontier, the configuration, a paired
// sweep's pairs and arms — and writes its dashboard and figures
// (aggregate/dashboard.html, aggregate/figures) with the report package.
//
// The sweep runner does not import it: the commands hand
// Options.WriteDashboard to the runner (sweep.Options.Dashboard), so that
// planning and running know nothing of pages, and the run page (package
// report, linked into every worker) knows nothing of experiment folders.
// Nor does it import the plugin host: what a folder does not record (the
// executor of a sweep that names none) the caller says in Options.
package experiment
