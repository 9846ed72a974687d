package sweep

// Spec is a sweep as declared in a sweep file (package config) or by the
// `sweep ring` flags: the ring every run is built from, the designs that
// choose the parameters, and where and how the runs execute.
//
// Decimal parameters are kept as the text the user wrote ("0.25", "10000"),
// because bilancio records them with str(Decimal) of its inputs.
type Spec struct {
	// Name names the sweep; the experiment id derives from it.
	Name string
	// OutDir is the experiments folder (default out/experiments).
	OutDir string
	// ExperimentDir, when set, is the experiment folder itself, used as is
	// instead of OutDir/<experiment id> (bilancio's `sweep ring --out-dir`).
	ExperimentDir string
	Ring          RingParams
	// Designs are run in order: grid, then LHS, then frontier, as bilancio's
	// runner does; the seed counter runs across them. A nil Grid is no grid.
	Grid     Grid
	LHS      *LHS
	Frontier *Frontier
	// Replicates is how many runs each grid and LHS point gets, each with a
	// seed of its own (0 or 1: one). Replicate 0 of every point is the run
	// the sweep makes without replicates (the same seed and id); the others
	// follow the whole design once per replicate (see Plan.Static).
	Replicates int `json:",omitempty"`
	// SeedMode is SeedCounter (bilancio's: base_seed, +1 per run in loop
	// order) or SeedDerived (a hash of the run's parameters, so adding points
	// never changes the others' seeds).
	SeedMode string
	Executor ExecutorRef
	// Parallel caps concurrent runs (0: the executor's default).
	Parallel int
	// Retries is how many times a failed run is tried again.
	Retries int
	// FailFast stops the sweep at the first run that fails for good.
	FailFast bool
	// Artifacts says which files each run keeps (sdk.RunOptions'
	// Artifacts): everything when empty.
	Artifacts string `json:",omitempty"`
	// Source is the sweep file as written, and Variables the resolved input
	// variables, both kept in the experiment folder.
	Source    []byte
	Variables map[string]string
	// Paired, when set, makes the sweep a paired one (bilancio's `sweep
	// comparison` or `sweep balanced`): every grid point runs twice, once
	// per arm, with the same seed (see paired.go).
	Paired *Paired `json:",omitempty"`
	// Arm, when set, marks the spec of one arm of a paired sweep, as
	// ArmSpecs derives it; each arm is an experiment folder of its own
	// inside the paired one.
	Arm *Arm `json:",omitempty"`
	// BilancioRevision names the bilancio revision whose rules the sweep
	// reproduces (package revision; "" is its default): the kappa rule
	// unless Ring.KappaRule says otherwise, the ring generator, the
	// summary's zero rule and the dealer's era.
	BilancioRevision string `json:",omitempty"`
	// JobID is bilancio's --job-id: a name for the sweep's job, recorded in
	// experiment.json (it is not part of any id).
	JobID string `json:",omitempty"`
	// SourceName is the base name of the file Source was read from
	// ("ring.hcl", or "ring_sweep_config.yaml" for one of bilancio's YAML
	// sweep configs); its extension says which language Source is in. Empty
	// when the Spec was built without a file (the `sweep ring` flags).
	SourceName string
}

// Seed modes.
const (
	SeedCounter = "counter"
	SeedDerived = "derived"
)

// RingParams are the parameters shared by every ring of a sweep (bilancio's
// runner block).
type RingParams struct {
	NAgents         int
	MaturityDays    int
	QTotal          string // decimal text; bilancio's CLI records e.g. "10000.0"
	LiquidityMode   string // uniform | single_at
	LiquidityAgent  string // for single_at
	DefaultHandling string
	BaseSeed        int64
	NamePrefix      string
	// MaxDays and QuietDays override the generator's run block when > 0 /
	// when HasQuietDays.
	MaxDays      int
	QuietDays    int
	HasQuietDays bool
	// KappaRule is debt-over-liquidity (bilancio's data era, L0 = Q/kappa)
	// or liquidity-over-debt (its HEAD, L0 = Q·kappa).
	KappaRule string
}

// ExecutorRef names the executor plugin a sweep runs on and its
// configuration block as JSON (decoded against the plugin's schema).
type ExecutorRef struct {
	Name   string
	Config []byte
}
