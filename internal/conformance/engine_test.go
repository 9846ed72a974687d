package conformance

import (
	"context"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/bilancio-go/bilancio/internal/artifacts"
	"github.com/bilancio-go/bilancio/internal/engine"
)

// noDealerSets are the recorded bilancio runs the engine must reproduce
// (spec/engine.md §15.1).
var noDealerSets = []string{"ring-expel-n100", "ring-failfast-n5", "ring-expel-n5", "ring-failfast-n5-bigentity", "balanced-passive-n100"}

// TestEngineConformance runs every recorded no-dealer scenario and compares
// every recorded output file by the rules of spec/engine.md §15.2.
func TestEngineConformance(t *testing.T) {
	root := Require(t)
	for _, set := range noDealerSets {
		t.Run(set, func(t *testing.T) {
			runs, err := Runs(root, set)
			if err != nil {
				t.Fatal(err)
			}
			registry, _ := Registry(root, set) // absent for the event-only sets
			matched := 0
			for _, run := range runs {
				if checkRun(t, run, registry[run.ID], engine.Options{CheckInvariants: engine.CheckDaily}) {
					matched++
				}
			}
			t.Logf("%s: %d of %d runs match", set, matched, len(runs))
		})
	}
}

// checkRun runs one recorded scenario and compares its outputs; it reports
// whether everything matched.
// strict are the files whose presence must match too (spec/dealer.md §17.2):
// the detailed CSVs are left out when they would be empty.
var strict = map[string]bool{
	artifacts.TradesFile:          true,
	artifacts.RepaymentEventsFile: true,
}

func checkRun(t *testing.T, run Run, reg map[string]string, opts engine.Options) bool {
	t.Helper()
	ok := true
	fail := func(format string, args ...any) {
		t.Errorf("%s/%s: "+format, append([]any{run.Set, run.ID}, args...)...)
		ok = false
	}
	data, err := os.ReadFile(run.File("scenario.yaml"))
	if err != nil {
		fail("%v", err)
		return false
	}
	sc, err := engine.Load(run.File("scenario.yaml"), data)
	if err != nil {
		fail("load: %v", err)
		return false
	}
	res, err := engine.Run(context.Background(), sc, opts)
	if err != nil {
		fail("run: %v", err)
		return false
	}
	files, rep, err := artifacts.RunOutputs(res, run.ID)
	if err != nil {
		fail("outputs: %v", err)
		return false
	}
	compare := map[string]func(got, want []byte) error{
		artifacts.EventsFile:          Events,
		artifacts.BalancesFile:        Exact,
		artifacts.MetricsCSVFile:      Exact,
		artifacts.MetricsIntradayFile: Exact,
		artifacts.MetricsDSFile:       LineSet,
		artifacts.MetricsJSONFile:     MetricsJSON,
		artifacts.DealerMetricsFile:   DealerMetricsJSON,
		artifacts.TradesFile:          Events,
		artifacts.InventoryFile:       Events,
		artifacts.SystemStateFile:     Events,
		artifacts.RepaymentEventsFile: Events,
	}
	produced := map[string]bool{}
	for _, f := range files {
		name := filepath.FromSlash(f.Name)
		produced[name] = true
		if !run.Has(name) {
			if strict[f.Name] {
				fail("%s: written, but bilancio did not write it", f.Name)
			}
			continue
		}
		want, err := os.ReadFile(run.File(name))
		if err != nil {
			fail("%v", err)
			continue
		}
		if err := compare[f.Name](f.Data, want); err != nil {
			fail("%s: %v", f.Name, err)
		}
	}
	for _, name := range []string{artifacts.DealerMetricsFile, artifacts.TradesFile, artifacts.InventoryFile,
		artifacts.SystemStateFile, artifacts.RepaymentEventsFile} {
		if p := filepath.FromSlash(name); run.Has(p) && !produced[p] {
			fail("%s: not written, but bilancio wrote it", name)
		}
	}
	if reg != nil {
		got := map[string]string{"time_to_stability": strconv.Itoa(rep.Summary.MaxDay)}
		if rep.Summary.PhiTotal != nil {
			got["phi_total"] = rep.Summary.PhiTotal.String()
		}
		if rep.Summary.DeltaTotal != nil {
			got["delta_total"] = rep.Summary.DeltaTotal.String()
		}
		for _, col := range []string{"phi_total", "delta_total", "time_to_stability"} {
			if got[col] != reg[col] {
				fail("registry %s = %q, recorded %q", col, got[col], reg[col])
			}
		}
	}
	return ok
}

// TestEventViews checks that the engine's two ways of handing out its event
// log — every Event built at once (Result.Events) and one at a time
// (Result.EachEvent, which the run folder's writers use) — encode to the
// same events.jsonl, on recorded runs with and without a dealer, rollbacks
// included.
func TestEventViews(t *testing.T) {
	for _, set := range []string{"ring-expel-n5", "ring-failfast-n5-bigentity", "dealer-detailed-n5"} {
		root := Require(t)
		runs, err := Runs(root, set)
		if err != nil || len(runs) == 0 {
			t.Fatalf("%s: %d runs, %v", set, len(runs), err)
		}
		for _, run := range runs {
			data, err := os.ReadFile(run.File("scenario.yaml"))
			if err != nil {
				t.Fatal(err)
			}
			sc, err := engine.Load(run.File("scenario.yaml"), data)
			if err != nil {
				t.Fatal(err)
			}
			res, err := engine.Run(context.Background(), sc, engine.Options{DetailedLogging: true})
			if err != nil {
				t.Fatalf("%s/%s: %v", set, run.ID, err)
			}
			each, err := artifacts.AppendRunEvents(nil, res)
			if err != nil {
				t.Fatal(err)
			}
			whole, err := artifacts.AppendEvents(nil, res.Events())
			if err != nil {
				t.Fatal(err)
			}
			if string(each) != string(whole) {
				t.Fatalf("%s/%s: events one at a time differ from all at once", set, run.ID)
			}
			if n := res.EventCount(); n != len(res.Events()) || n != strings.Count(string(each), "\n") {
				t.Fatalf("%s/%s: EventCount %d, %d events", set, run.ID, n, len(res.Events()))
			}
			for _, kind := range []string{"PayableCreated", "PayableSettled", "AgentDefaulted", "PhaseA", "dealer_trade", "none"} {
				want := strings.Count(string(whole), `{"kind": "`+kind+`"`)
				if got := res.CountEvents(kind); got != want {
					t.Errorf("%s/%s: CountEvents(%s) = %d, want %d", set, run.ID, kind, got, want)
				}
			}
		}
	}
}
