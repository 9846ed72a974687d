package engine

import (
	"context"
	"os"
	"path/filepath"
	"reflect"
	"testing"

	"github.com/bilancio-go/bilancio/internal/conformance"
)

// Views share with the view before them only what is unchanged: every
// snapshot of a run, read after the whole run, equals the state of a run
// stopped after that day and copied out afresh (Final without snapshots),
// and the final state equals the last snapshot — over recorded runs of
// every conformance set (defaults, expulsions, dealers, banks) and the
// examples (goods: stock lots and delivery obligations).
func TestSnapshotsMatchFreshViews(t *testing.T) {
	var files []string
	sets, err := filepath.Glob(filepath.Join(conformance.Require(t), "*", "runs"))
	if err != nil || len(sets) == 0 {
		t.Fatalf("no recorded sets (%v)", err)
	}
	for _, set := range sets {
		runs, _ := filepath.Glob(filepath.Join(set, "*", "scenario.yaml"))
		files = append(files, runs[:min(3, len(runs))]...)
	}
	examples, _ := filepath.Glob("../../examples/scenarios/*.yaml")
	files = append(files, examples...)
	ctx := context.Background()
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		sc, err := Load(f, data)
		if err != nil {
			t.Fatal(err)
		}
		res, err := Run(ctx, sc, Options{Snapshots: true})
		if err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		shared := 0
		for k := 1; k < len(res.Snapshots); k++ {
			got := res.Snapshots[k]
			if len(got.Contracts) > 0 && len(res.Snapshots[k-1].Contracts) > 0 && &got.Contracts[0] == &res.Snapshots[k-1].Contracts[0] {
				shared++
			}
			short, err := Run(ctx, sc, Options{MaxDays: k})
			if err != nil {
				t.Fatalf("%s, %d days: %v", f, k, err)
			}
			if want := short.Final(); !reflect.DeepEqual(&got, want) {
				t.Errorf("%s: snapshot %d differs from the state after %d days:\n got %+v\nwant %+v", f, k, k, got, *want)
			}
		}
		if last := res.Snapshots[len(res.Snapshots)-1]; !reflect.DeepEqual(res.Final(), &last) {
			t.Errorf("%s: the final state differs from the last snapshot", f)
		}
		t.Logf("%s: %d snapshots, %d sharing their contracts with the one before", filepath.Base(filepath.Dir(f)), len(res.Snapshots), shared)
	}
}
