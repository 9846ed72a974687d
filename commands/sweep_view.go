package commands

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/hashicorp/cli"
	"github.com/hashicorp/hcl/v2"

	"github.com/bilancio-go/bilancio/config"
	"github.com/bilancio-go/bilancio/internal/pynum"
	"github.com/bilancio-go/bilancio/internal/ring"
	"github.com/bilancio-go/bilancio/internal/sweep"
	"github.com/bilancio-go/bilancio/internal/version"
)

// The sweep views render the runner's events, Terraform-style: the same
// events become a live progress bar on a terminal, plain lines elsewhere,
// or JSON lines with -json (docs/json-output.md).

// jsonUIVersion is the version of the -json output's schema.
const jsonUIVersion = "1.0"

// sweepView renders a sweep's events.
type sweepView interface {
	// Event renders one event; calls are serialised by the runner.
	Event(ev sweep.Event)
	// Diagnostic reports a problem outside the events.
	Diagnostic(severity, summary, detail string)
	// Diagnostics reports the problems of a sweep file, with source
	// snippets (files holds the sources read).
	Diagnostics(files map[string]*hcl.File, diags hcl.Diagnostics)
	// Close ends the output (the progress bar's line).
	Close()
}

// viewMode picks a view.
type viewMode int

const (
	viewPlain viewMode = iota
	viewTTY
	viewJSON
)

// outputWriters returns the writers behind a UI: stdout and stderr.
func outputWriters(ui cli.Ui) (io.Writer, io.Writer) {
	switch u := ui.(type) {
	case *cli.BasicUi:
		return u.Writer, u.ErrorWriter
	case *cli.MockUi:
		return u.OutputWriter, u.ErrorWriter
	case *cli.ConcurrentUi:
		return outputWriters(u.Ui)
	}
	return &cli.UiWriter{Ui: ui}, &cli.UiWriter{Ui: ui}
}

// isTerminal reports whether w is a terminal (a character device).
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}

// newSweepView returns the view for the flags and the terminal: JSON lines
// with -json, a progress bar when stdout is a terminal, plain lines
// otherwise. now stamps the version line (time.Now when nil).
func newSweepView(ui cli.Ui, jsonOut bool, now func() time.Time) sweepView {
	out, errOut := outputWriters(ui)
	mode := viewPlain
	switch {
	case jsonOut:
		mode = viewJSON
	case isTerminal(out):
		mode = viewTTY
	}
	return makeSweepView(mode, out, errOut, now)
}

// makeSweepView builds a view of the given mode on out (and errOut for the
// human views' errors).
func makeSweepView(mode viewMode, out, errOut io.Writer, now func() time.Time) sweepView {
	if now == nil {
		now = time.Now
	}
	switch mode {
	case viewJSON:
		v := &jsonView{w: out}
		v.line(now(), "info", "bilancio "+version.Version(), "version", "bilancio", version.Version(), "ui", jsonUIVersion)
		return v
	case viewTTY:
		return &humanView{out: out, err: errOut, tty: true}
	}
	return &humanView{out: out, err: errOut}
}

// humanView prints events for people: on a terminal a progress line
// redrawn in place (at most ten times a second) with failures printed
// above it; elsewhere one line per finished or failed run.
type humanView struct {
	out, err io.Writer
	tty      bool

	mu       sync.Mutex
	barShown bool
	lastDraw time.Time
	last     sweep.Progress
	// notStarted counts the runs an executor did not start because the
	// sweep's cost limit would have been passed (guarded by mu, which
	// Event holds).
	notStarted int
}

// barRefresh is the shortest time between two redraws of the progress bar.
const barRefresh = 100 * time.Millisecond

// Event implements sweepView.
func (v *humanView) Event(ev sweep.Event) {
	v.mu.Lock()
	defer v.mu.Unlock()
	v.last = ev.Progress
	switch ev.Type {
	case sweep.EventSweepStarted:
		s := ev.Start
		v.println(fmt.Sprintf("Sweep %s: %s, executor %s", s.ExperimentID, describePlan(s, ev.Progress), s.Executor))
		v.println("  folder " + s.Dir)
	case sweep.EventRunStarted:
		// Only the bar shows runs in flight.
	case sweep.EventRunFinished:
		if !v.tty {
			r := ev.Run
			v.println(fmt.Sprintf("%s %s done in %s: phi_total %s, delta_total %s, time to stability %s",
				counter(ev.Progress), r.ID, roundDuration(r.Duration), shortDecimal(r.PhiTotal), shortDecimal(r.DeltaTotal), orDash(r.TimeToStability)))
		}
	case sweep.EventRunFailed:
		r := ev.Run
		var what string
		switch {
		case !r.Final:
			what = fmt.Sprintf("failed (attempt %d of %d, retrying in %s)", r.Attempt, r.Attempts, roundDuration(r.RetryIn))
		case r.Attempts > 1:
			what = fmt.Sprintf("failed for good after %d attempts", r.Attempt)
		default:
			what = "failed"
		}
		if r.Final && strings.HasPrefix(r.Error, notStartedPrefix) {
			v.notStarted++
		}
		v.println(fmt.Sprintf("%s %s %s: %s", counter(ev.Progress), r.ID, what, firstLine(r.Error)))
	case sweep.EventDiagnostic:
		d := ev.Diagnostic
		v.diagnostic(d.Severity, d.Summary, d.Detail)
	case sweep.EventSweepSummary:
		v.clearBar()
		v.summary(ev.Summary)
		return
	}
	if v.tty && (!v.barShown || ev.Time.Sub(v.lastDraw) >= barRefresh) {
		v.drawBar(ev.Progress)
		v.lastDraw = ev.Time
	}
}

// Diagnostic implements sweepView.
func (v *humanView) Diagnostic(severity, summary, detail string) {
	v.mu.Lock()
	defer v.mu.Unlock()
	v.diagnostic(severity, summary, detail)
}

// Diagnostics implements sweepView: HCL's own rendering, with snippets.
func (v *humanView) Diagnostics(files map[string]*hcl.File, diags hcl.Diagnostics) {
	v.mu.Lock()
	defer v.mu.Unlock()
	v.clearBar()
	config.FormatDiagnostics(v.err, files, diags, 78, false)
}

// diagnostic prints a diagnostic on stderr.
func (v *humanView) diagnostic(severity, summary, detail string) {
	v.clearBar()
	label := "Error"
	if severity == "warning" {
		label = "Warning"
	}
	msg := label + ": " + summary
	if detail != "" {
		msg += "\n\n  " + strings.ReplaceAll(detail, "\n", "\n  ")
	}
	fmt.Fprintln(v.err, msg)
}

// Close implements sweepView.
func (v *humanView) Close() {
	v.mu.Lock()
	defer v.mu.Unlock()
	v.clearBar()
}

// println prints a line (above the progress bar on a terminal, which the
// end of Event draws again).
func (v *humanView) println(s string) {
	v.clearBar()
	fmt.Fprintln(v.out, s)
}

// clearBar erases the progress bar's line.
func (v *humanView) clearBar() {
	if v.barShown {
		fmt.Fprint(v.out, "\r\x1b[2K")
		v.barShown = false
	}
}

// drawBar draws the progress bar: done/total, failures, rate and ETA.
func (v *humanView) drawBar(p sweep.Progress) {
	fmt.Fprint(v.out, "\r\x1b[2K"+progressLine(p))
	v.barShown = true
}

// barWidth is the number of cells of the progress bar.
const barWidth = 30

// progressLine renders a progress bar line.
func progressLine(p sweep.Progress) string {
	var b strings.Builder
	filled := 0
	if p.Total > 0 {
		filled = min(barWidth, (p.Done+p.Failed)*barWidth/p.Total)
	}
	b.WriteString("[")
	b.WriteString(strings.Repeat("=", filled))
	if filled < barWidth {
		b.WriteString(">")
		b.WriteString(strings.Repeat(" ", barWidth-filled-1))
	}
	b.WriteString("] ")
	total := strconv.Itoa(p.Total)
	if p.Adaptive {
		total += "+"
	}
	fmt.Fprintf(&b, "%d/%s done", p.Done, total)
	if p.Failed > 0 {
		fmt.Fprintf(&b, ", %d failed", p.Failed)
	}
	if p.Running > 0 {
		fmt.Fprintf(&b, ", %d running", p.Running)
	}
	if p.Rate > 0 {
		fmt.Fprintf(&b, " · %.1f runs/s", p.Rate)
	}
	if p.ETA > 0 {
		b.WriteString(" · ETA " + roundDuration(p.ETA))
	}
	return b.String()
}

// notStartedPrefix starts the reason of a run an executor did not start
// because of the sweep's cost limit (the modal executor's).
const notStartedPrefix = "not started: "

// summary prints how the sweep ended, and the files it wrote.
func (v *humanView) summary(s *sweep.Summary) {
	p := s.Progress
	var head string
	switch {
	case s.Status == sweep.StatusCompleted:
		head = "Sweep " + s.ExperimentID + " complete"
	case s.Status == sweep.StatusInterrupted:
		head = "Sweep " + s.ExperimentID + " interrupted (run the same command again to resume)"
	case s.Status == sweep.StatusDetached:
		head = "Sweep " + s.ExperimentID + " detached"
	case s.Status == sweep.StatusCancelled:
		head = fmt.Sprintf("Sweep %s cancelled (%d runs were cancelled at the executor, e.g. by `bilancio sweep cancel`; run the same command again to run them)", s.ExperimentID, p.Cancelled)
	case s.Error != "":
		head = "Sweep " + s.ExperimentID + " stopped by an error"
	default:
		head = "Sweep " + s.ExperimentID + " finished with failures"
	}
	fmt.Fprintf(v.out, "%s: %d of %d runs done (%d now, %d earlier), %d failed, %d pending, in %s.\n",
		head, p.Done, p.Total, s.Ran, p.Reused, p.Failed, p.Pending(), roundDuration(s.Elapsed))
	if p.Detached > 0 {
		fmt.Fprintf(v.out, "  %d runs are running remotely without this process: `bilancio sweep status %s -remote` shows them, `bilancio sweep attach %s` collects them (or follows them), `bilancio sweep cancel %s` stops them.\n",
			p.Detached, s.Dir, s.Dir, s.Dir)
	}
	if v.notStarted > 0 {
		fmt.Fprintf(v.out, "  %d runs were not started: the sweep's cost would have passed -max-cost.\n", v.notStarted)
	}
	for _, f := range s.Frontier {
		k := "none found"
		if f.Kappa != nil {
			k = "kappa " + decimalText(f.Kappa)
		}
		fmt.Fprintf(v.out, "  frontier c=%s mu=%s monotonicity=%s: %s (%d runs)\n",
			decimalText(f.Cell[ring.SweptConcentration]), decimalText(f.Cell[ring.SweptMu]), decimalText(f.Cell[ring.SweptMonotonicity]), k, f.Probes)
	}
	var files [][2]string
	if len(s.ArmRegistries) > 0 {
		for i, r := range s.ArmRegistries {
			label := "registries"
			if i > 0 {
				label = ""
			}
			files = append(files, [2]string{label, r})
		}
		files = append(files, [2]string{"comparison", s.Results})
	} else {
		files = append(files, [2]string{"registry", s.Registry}, [2]string{"results", s.Results})
	}
	files = append(files, [2]string{"summary", s.SummaryJSON}, [2]string{"dashboard", s.Dashboard})
	width := 0
	for _, f := range files {
		if f[1] != "" {
			width = max(width, len(f[0]))
		}
	}
	for _, f := range files {
		if f[1] != "" {
			fmt.Fprintf(v.out, "  %-*s  %s\n", width, f[0], f[1])
		}
	}
}

// describePlan says what a sweep plans: "125 runs (grid 125)".
func describePlan(s *sweep.StartInfo, p sweep.Progress) string {
	var parts []string
	if s.Grid > 0 {
		parts = append(parts, fmt.Sprintf("grid %d", s.Grid))
	}
	if s.LHS > 0 {
		parts = append(parts, fmt.Sprintf("lhs %d", s.LHS))
	}
	if s.FrontierCells > 0 {
		parts = append(parts, fmt.Sprintf("frontier over %d cells", s.FrontierCells))
	}
	runs := fmt.Sprintf("%d runs", p.Total)
	if s.FrontierCells > 0 {
		runs = fmt.Sprintf("%d runs and the frontier's probes", p.Total)
	}
	return runs + " (" + strings.Join(parts, ", ") + ")"
}

// counter renders "[ 12/125]".
func counter(p sweep.Progress) string {
	total := strconv.Itoa(p.Total)
	return fmt.Sprintf("[%*d/%s]", len(total), p.Done+p.Failed, total)
}

// roundDuration prints a duration rounded for people.
func roundDuration(d time.Duration) string {
	switch {
	case d <= 0:
		return "0s"
	case d < time.Second:
		return d.Round(time.Millisecond).String()
	case d < time.Minute:
		return d.Round(100 * time.Millisecond).String()
	}
	return d.Round(time.Second).String()
}

// shortDecimal prints a registry decimal with four significant digits.
func shortDecimal(s string) string {
	if s == "" {
		return "-"
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil {
		return s
	}
	return strconv.FormatFloat(f, 'g', 4, 64)
}

// orDash prints "-" for an empty text.
func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

// firstLine is the first line of a message.
func firstLine(s string) string {
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		return s[:i]
	}
	return s
}

// jsonView prints one JSON object per line (docs/json-output.md).
type jsonView struct {
	mu sync.Mutex
	w  io.Writer
}

// line writes a JSON line with the common fields and the given extra
// key/value pairs (in order).
func (v *jsonView) line(t time.Time, level, message, typ string, kv ...any) {
	var b strings.Builder
	b.WriteString("{")
	field := func(k string, val any) {
		if b.Len() > 1 {
			b.WriteString(",")
		}
		kb, _ := json.Marshal(k)
		vb, err := json.Marshal(val)
		if err != nil {
			vb, _ = json.Marshal(err.Error())
		}
		b.Write(kb)
		b.WriteString(":")
		b.Write(vb)
	}
	field("@level", level)
	field("@message", message)
	field("@module", "bilancio.sweep")
	field("@timestamp", t.UTC().Format(time.RFC3339Nano))
	field("type", typ)
	for i := 0; i+1 < len(kv); i += 2 {
		field(kv[i].(string), kv[i+1])
	}
	b.WriteString("}\n")
	io.WriteString(v.w, b.String())
}

// jsonProgress is the "progress" object.
type jsonProgress struct {
	Total         int     `json:"total"`
	Adaptive      bool    `json:"adaptive"`
	Done          int     `json:"done"`
	Reused        int     `json:"reused"`
	Failed        int     `json:"failed"`
	Running       int     `json:"running"`
	Pending       int     `json:"pending"`
	ElapsedMS     int64   `json:"elapsed_ms"`
	RunsPerSecond float64 `json:"runs_per_second"`
	ETASeconds    float64 `json:"eta_seconds,omitempty"`
}

func toJSONProgress(p sweep.Progress) jsonProgress {
	return jsonProgress{
		Total: p.Total, Adaptive: p.Adaptive, Done: p.Done, Reused: p.Reused, Failed: p.Failed,
		Running: p.Running, Pending: p.Pending(), ElapsedMS: p.Elapsed.Milliseconds(),
		RunsPerSecond: float64(int64(p.Rate*100+0.5)) / 100, ETASeconds: float64(int64(p.ETA.Seconds()*10+0.5)) / 10,
	}
}

// jsonSweep is sweep_started's "sweep" object.
type jsonSweep struct {
	ExperimentID  string `json:"experiment_id"`
	Dir           string `json:"dir"`
	Executor      string `json:"executor"`
	Grid          int    `json:"grid"`
	LHS           int    `json:"lhs"`
	FrontierCells int    `json:"frontier_cells"`
	SeedMode      string `json:"seed_mode"`
	Parallel      int    `json:"parallel"`
	Retries       int    `json:"retries"`
}

// jsonSummary is sweep_summary's "summary" object.
type jsonSummary struct {
	ExperimentID string `json:"experiment_id"`
	Dir          string `json:"dir"`
	Status       string `json:"status"`
	Ran          int    `json:"ran"`
	Attempts     int    `json:"attempts"`
	ElapsedMS    int64  `json:"elapsed_ms"`
	// The files written (absent when not written), and what stopped the
	// sweep when something other than failed runs did.
	Registry    string             `json:"registry,omitempty"`
	Results     string             `json:"results,omitempty"`
	SummaryJSON string             `json:"summary_json,omitempty"`
	Error       string             `json:"error,omitempty"`
	Frontier    []jsonFrontierCell `json:"frontier,omitempty"`
	// A paired sweep's: both arms' registries and the dashboard.
	ArmRegistries []string `json:"arm_registries,omitempty"`
	Dashboard     string   `json:"dashboard,omitempty"`
}

// jsonFrontierCell is a frontier cell's outcome.
type jsonFrontierCell struct {
	Concentration string  `json:"concentration"`
	Mu            string  `json:"mu"`
	Monotonicity  string  `json:"monotonicity"`
	Kappa         *string `json:"kappa"`
	Probes        int     `json:"probes"`
}

// jsonDiagnostic is a diagnostic's "diagnostic" object.
type jsonDiagnostic struct {
	Severity string     `json:"severity"`
	Summary  string     `json:"summary"`
	Detail   string     `json:"detail"`
	Range    *jsonRange `json:"range,omitempty"`
}

// jsonRun is the "run" object.
type jsonRun struct {
	ID              string `json:"id"`
	Index           int    `json:"index"`
	Phase           string `json:"phase"`
	Label           string `json:"label,omitempty"`
	Seed            int64  `json:"seed"`
	Kappa           string `json:"kappa"`
	Concentration   string `json:"concentration"`
	Mu              string `json:"mu"`
	Monotonicity    string `json:"monotonicity"`
	Attempt         int    `json:"attempt"`
	Attempts        int    `json:"attempts"`
	PhiTotal        string `json:"phi_total,omitempty"`
	DeltaTotal      string `json:"delta_total,omitempty"`
	TimeToStability string `json:"time_to_stability,omitempty"`
	DurationMS      *int64 `json:"duration_ms,omitempty"`
	Error           string `json:"error,omitempty"`
	Final           *bool  `json:"final,omitempty"`
	RetryInMS       *int64 `json:"retry_in_ms,omitempty"`
}

func toJSONRun(typ sweep.EventType, r *sweep.RunEvent) jsonRun {
	j := jsonRun{
		ID: r.ID, Index: r.Index, Phase: r.Phase, Label: r.Label, Seed: r.Seed,
		Kappa: r.Params[0], Concentration: r.Params[1], Mu: r.Params[2], Monotonicity: r.Params[3],
		Attempt: r.Attempt, Attempts: r.Attempts,
	}
	switch typ {
	case sweep.EventRunFinished:
		ms := r.Duration.Milliseconds()
		j.PhiTotal, j.DeltaTotal, j.TimeToStability, j.DurationMS = r.PhiTotal, r.DeltaTotal, r.TimeToStability, &ms
	case sweep.EventRunFailed:
		final := r.Final
		j.Error, j.Final = r.Error, &final
		if !r.Final {
			ms := r.RetryIn.Milliseconds()
			j.RetryInMS = &ms
		}
	}
	return j
}

// Event implements sweepView.
func (v *jsonView) Event(ev sweep.Event) {
	v.mu.Lock()
	defer v.mu.Unlock()
	prog := toJSONProgress(ev.Progress)
	switch ev.Type {
	case sweep.EventSweepStarted:
		s := ev.Start
		v.line(ev.Time, "info", fmt.Sprintf("Sweep %s: %d runs planned", s.ExperimentID, ev.Progress.Total), string(ev.Type),
			"sweep", jsonSweep{
				ExperimentID: s.ExperimentID, Dir: s.Dir, Executor: s.Executor,
				Grid: s.Grid, LHS: s.LHS, FrontierCells: s.FrontierCells,
				SeedMode: s.SeedMode, Parallel: s.Parallel, Retries: s.Retries,
			}, "progress", prog)
	case sweep.EventRunStarted:
		v.line(ev.Time, "info", ev.Run.ID+": started", string(ev.Type), "run", toJSONRun(ev.Type, ev.Run), "progress", prog)
	case sweep.EventRunFinished:
		v.line(ev.Time, "info", ev.Run.ID+": done", string(ev.Type), "run", toJSONRun(ev.Type, ev.Run), "progress", prog)
	case sweep.EventRunFailed:
		level := "warn"
		if ev.Run.Final {
			level = "error"
		}
		v.line(ev.Time, level, ev.Run.ID+": "+firstLine(ev.Run.Error), string(ev.Type), "run", toJSONRun(ev.Type, ev.Run), "progress", prog)
	case sweep.EventDiagnostic:
		d := ev.Diagnostic
		v.diagnosticLine(ev.Time, d.Severity, d.Summary, d.Detail)
	case sweep.EventSweepSummary:
		s := ev.Summary
		summary := jsonSummary{
			ExperimentID: s.ExperimentID, Dir: s.Dir, Status: s.Status,
			Ran: s.Ran, Attempts: s.Attempts, ElapsedMS: s.Elapsed.Milliseconds(),
			Registry: s.Registry, Results: s.Results, SummaryJSON: s.SummaryJSON, Error: s.Error,
			ArmRegistries: s.ArmRegistries, Dashboard: s.Dashboard,
		}
		for _, f := range s.Frontier {
			var k *string
			if f.Kappa != nil {
				t := decimalText(f.Kappa)
				k = &t
			}
			summary.Frontier = append(summary.Frontier, jsonFrontierCell{
				Concentration: decimalText(f.Cell[ring.SweptConcentration]), Mu: decimalText(f.Cell[ring.SweptMu]),
				Monotonicity: decimalText(f.Cell[ring.SweptMonotonicity]), Kappa: k, Probes: f.Probes,
			})
		}
		level := "info"
		if s.Status != sweep.StatusCompleted {
			level = "error"
		}
		v.line(ev.Time, level, fmt.Sprintf("Sweep %s %s: %d of %d runs done, %d failed", s.ExperimentID, s.Status, s.Progress.Done, s.Progress.Total, s.Progress.Failed),
			string(ev.Type), "summary", summary, "progress", toJSONProgress(s.Progress))
	}
}

// Diagnostic implements sweepView.
func (v *jsonView) Diagnostic(severity, summary, detail string) {
	v.mu.Lock()
	defer v.mu.Unlock()
	v.diagnosticLine(time.Now(), severity, summary, detail)
}

// Diagnostics implements sweepView: one diagnostic event each, with the
// range it points at (Terraform's shape).
func (v *jsonView) Diagnostics(files map[string]*hcl.File, diags hcl.Diagnostics) {
	v.mu.Lock()
	defer v.mu.Unlock()
	for _, d := range diags {
		severity := "error"
		if d.Severity == hcl.DiagWarning {
			severity = "warning"
		}
		var rng *jsonRange
		if d.Subject != nil {
			rng = &jsonRange{Filename: d.Subject.Filename,
				Start: jsonPos{d.Subject.Start.Line, d.Subject.Start.Column, d.Subject.Start.Byte},
				End:   jsonPos{d.Subject.End.Line, d.Subject.End.Column, d.Subject.End.Byte}}
		}
		v.diagnosticLine(time.Now(), severity, d.Summary, d.Detail, rng)
	}
}

// jsonRange is a diagnostic's place in a file.
type jsonRange struct {
	Filename string  `json:"filename"`
	Start    jsonPos `json:"start"`
	End      jsonPos `json:"end"`
}

// jsonPos is a position in a file (line and column from 1, byte from 0).
type jsonPos struct {
	Line   int `json:"line"`
	Column int `json:"column"`
	Byte   int `json:"byte"`
}

// diagnosticLine writes a diagnostic event.
func (v *jsonView) diagnosticLine(t time.Time, severity, summary, detail string, rng ...*jsonRange) {
	level := "error"
	if severity == "warning" {
		level = "warn"
	}
	d := jsonDiagnostic{Severity: severity, Summary: summary, Detail: detail}
	if len(rng) > 0 {
		d.Range = rng[0]
	}
	v.line(t, level, summary, string(sweep.EventDiagnostic), "diagnostic", d)
}

// Close implements sweepView.
func (v *jsonView) Close() {}

// decimalText prints a decimal as the registry does (str(Decimal)).
func decimalText(d *pynum.Amount) string {
	if d == nil {
		return ""
	}
	return d.String()
}
