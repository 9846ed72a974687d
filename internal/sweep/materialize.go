package sweep

import (
	"fmt"

	"github.com/bilancio-go/bilancio/sdk"
)

// PlannedRun is a planned run with its identity: the point, its id, and the
// registry's S1 and L0. Spec holds the scenario when the run was generated
// (a run known from the experiment's journal has its id but no scenario
// until it must be executed).
type PlannedRun struct {
	Point
	ID string
	// Key is the point's key (see pointKey).
	Key string
	// S1 and L0 are the sums of the generated payables and mints, printed
	// with str(Decimal).
	S1, L0 string
	// Spec is the run as an executor takes it; nil until generated.
	Spec *sdk.RunSpec
}

// Materialize generates a point's scenario and returns the run with its id.
func (p *Plan) Materialize(pt Point) (*PlannedRun, error) {
	g, err := p.generate(pt)
	if err != nil {
		return nil, fmt.Errorf("generating run %d (%s, seed %d): %w", pt.Index, pt.Prefix(), pt.Seed, err)
	}
	opts := p.ring.options
	id := replicateRunID(pt.Prefix(), g.YAML, opts, EngineVersion, pt.Replicate)
	return &PlannedRun{
		Point: pt, ID: id, Key: p.pointKey(&pt),
		S1: g.S1.String(), L0: g.L0.String(),
		Spec: &sdk.RunSpec{RunID: id, ScenarioName: id + "/scenario.yaml", Scenario: g.YAML, Options: opts},
	}, nil
}
