package sweep

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/bilancio-go/bilancio/internal/store"
	"github.com/bilancio-go/bilancio/sdk/runfolder"
)

// bigSpec is a grid of 100 kappas × 100 concentrations × 10 mus: 100,000
// rings of 100 agents.
func bigSpec(dir string) *Spec {
	var kappas, cs, mus []string
	for i := range 100 {
		kappas = append(kappas, strconv.FormatFloat(0.05+0.05*float64(i), 'f', 2, 64))
		cs = append(cs, strconv.FormatFloat(0.1+0.1*float64(i), 'f', 1, 64))
	}
	for i := range 10 {
		mus = append(mus, strconv.FormatFloat(0.1*float64(i), 'f', 1, 64))
	}
	return &Spec{
		Name: "big", ExperimentDir: dir,
		Ring: RingParams{NAgents: 100, MaturityDays: 10, QTotal: "10000.0", LiquidityMode: "uniform", DefaultHandling: "expel-agent", BaseSeed: 42},
		Grid: Grid{"kappas": kappas, "concentrations": cs, "mus": mus},
	}
}

// BenchmarkPlan100k expands a 100,000-run grid: every point with its seed
// and its key (what `sweep plan -summary` and the runner's planning do
// before any scenario is generated). Memory stays flat: the points are
// streamed, not held.
func BenchmarkPlan100k(b *testing.B) {
	spec := bigSpec(b.TempDir())
	for b.Loop() {
		p, err := NewPlan(spec)
		if err != nil {
			b.Fatal(err)
		}
		n := 0
		for pt := range p.Static(b.Context()) {
			_ = p.pointKey(&pt)
			n++
		}
		if n != 100000 {
			b.Fatalf("%d runs", n)
		}
	}
}

// bigExperiment writes an experiment folder of 100,000 complete runs (tiny
// manifests, no files), as the runner leaves it, and returns its folder.
func bigExperiment(tb testing.TB) string {
	dir := filepath.Join(tb.TempDir(), "big")
	spec := bigSpec(dir)
	p, err := NewPlan(spec)
	if err != nil {
		tb.Fatal(err)
	}
	st, err := store.Create(dir, "big")
	if err != nil {
		tb.Fatal(err)
	}
	j, err := st.OpenJournal()
	if err != nil {
		tb.Fatal(err)
	}
	recs := make([]store.Record, 0, 2048)
	for pt := range p.Static(tb.Context()) {
		id := fmt.Sprintf("grid_%012x", pt.Index)
		man := []byte(`{"manifest_version":1,"run_id":"` + id + `","status":"completed","phi_total":"0.5","delta_total":"0.5","time_to_stability":"10","files":[]}`)
		if err := os.MkdirAll(st.RunDir(id), 0o755); err != nil {
			tb.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(st.RunDir(id), runfolder.ManifestFile), man, 0o644); err != nil {
			tb.Fatal(err)
		}
		sum := sha256.Sum256(man)
		run := &PlannedRun{Point: pt, ID: id, Key: p.pointKey(&pt), S1: "10000.00000000000000000000000", L0: "5000.0"}
		// One compacted record per run, as a finished sweep leaves them.
		recs = append(recs, store.Record{Kind: store.KindRun, Run: id, Plan: p.Fingerprint(), Index: pt.Index, Key: run.Key, Phase: pt.Phase, Seed: pt.Seed,
			Params: pt.Texts(), S1: run.S1, L0: run.L0, Manifest: hex.EncodeToString(sum[:]), Phi: "0.5", Delta: "0.5", TTS: "10"})
		if len(recs) == cap(recs) {
			if err := j.Append(recs...); err != nil {
				tb.Fatal(err)
			}
			recs = recs[:0]
		}
	}
	if err := j.Append(recs...); err != nil {
		tb.Fatal(err)
	}
	j.Close()
	now := time.Now()
	sj, err := specJSON(spec)
	if err != nil {
		tb.Fatal(err)
	}
	if err := st.WriteMeta(&store.Meta{Format: store.Format, ExperimentID: "big", Engine: EngineVersion, Plan: p.Fingerprint(),
		SeedMode: p.SeedMode(), Static: p.StaticCount(), FrontierDone: true, Spec: sj, Created: now, Updated: now}); err != nil {
		tb.Fatal(err)
	}
	return dir
}

// BenchmarkStatus100k answers `sweep status` on an experiment of 100,000
// done runs: the journal read, and every run's manifest checked to be there.
func BenchmarkStatus100k(b *testing.B) {
	dir := bigExperiment(b)
	b.ResetTimer()
	for b.Loop() {
		st, err := store.ReadStatus(context.Background(), dir, false)
		if err != nil {
			b.Fatal(err)
		}
		if st.Done != 100000 || st.Pending != 0 {
			b.Fatalf("status %+v", st)
		}
	}
}

// BenchmarkPlanListing100k lists the 100,000 runs of an existing experiment
// with their ids and done state (`sweep plan`): the ids come from the
// journal, so no scenario is generated.
func BenchmarkPlanListing100k(b *testing.B) {
	dir := bigExperiment(b)
	spec := bigSpec(dir)
	b.ResetTimer()
	for b.Loop() {
		l, err := ListPlan(context.Background(), spec, "", true, nil, func(PlanEntry) error { return nil })
		if err != nil {
			b.Fatal(err)
		}
		if l.Runs != 100000 || l.Done != 100000 {
			b.Fatalf("listing %+v", l)
		}
	}
}
