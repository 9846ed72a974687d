package sweep

import (
	"github.com/bilancio-go/bilancio/internal/usage"
	"github.com/bilancio-go/bilancio/sdk"
)

// recordUsage appends the sandboxes an executor reported (sdk.RunEvent.Usage)
// to the experiment's usage.csv and rewrites aggregate/usage_summary.json
// with the measured sandbox-seconds and cost. A failure to record is a
// warning: the runs themselves are unaffected.
func (r *runner) recordUsage(us []sdk.SandboxUsage) {
	if len(us) == 0 {
		return
	}
	recs := make([]usage.Record, 0, len(us))
	for _, u := range us {
		recs = append(recs, usage.Record{
			SandboxID: u.ID, Purpose: u.Purpose, Start: u.Start, End: u.End,
			CPU: u.CPU, MemoryMiB: u.MemoryMiB, GPU: u.GPU, Runs: u.Runs,
			Cost: u.Cost, Currency: u.Currency,
		})
	}
	r.usageMu.Lock()
	err := r.store.RecordUsage(recs)
	r.usageMu.Unlock()
	if err != nil {
		r.emit(Event{Type: EventDiagnostic, Diagnostic: &Diagnostic{Severity: "warning", Summary: "Cannot record sandbox usage", Detail: err.Error()}})
	}
}
