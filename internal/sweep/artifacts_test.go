package sweep

import (
	"strings"
	"testing"

	"github.com/bilancio-go/bilancio/sdk"
)

// The artifacts setting reaches every run's options; keeping everything
// (said or not) leaves run ids as they were, keeping less changes them.
func TestArtifactsSetting(t *testing.T) {
	spec := func(mode string) *Spec {
		return &Spec{Name: "keep", Artifacts: mode,
			Ring: RingParams{NAgents: 5, MaturityDays: 5, QTotal: "500", DefaultHandling: "expel-agent"},
			Grid: Grid{"kappas": []string{"1"}, "concentrations": []string{"1"}, "mus": []string{"0"}}}
	}
	ids := map[string]string{}
	for _, mode := range []string{"", sdk.ArtifactsAll, sdk.ArtifactsNoHTML, sdk.ArtifactsAggregates} {
		p, err := NewPlan(spec(mode))
		if err != nil {
			t.Fatalf("%q: %v", mode, err)
		}
		if got := p.RunOptions().Artifacts; got != mode {
			t.Errorf("%q: the runs' options say artifacts %q", mode, got)
		}
		ids[mode] = RunID(PhaseGrid, []byte("scenario"), p.RunOptions(), "engine")
	}
	if ids[""] != ids[sdk.ArtifactsAll] {
		t.Errorf("artifacts = \"all\" changes the run id: %s vs %s", ids[sdk.ArtifactsAll], ids[""])
	}
	if ids[sdk.ArtifactsNoHTML] == ids[""] || ids[sdk.ArtifactsAggregates] == ids[""] || ids[sdk.ArtifactsNoHTML] == ids[sdk.ArtifactsAggregates] {
		t.Errorf("run ids do not tell the artifacts settings apart: %v", ids)
	}
	if _, err := NewPlan(spec("everything")); err == nil || !strings.Contains(err.Error(), `unknown artifacts setting "everything"`) {
		t.Errorf("an unknown setting: %v", err)
	}
}
