// Package ring generates Kalecki ring scenarios as bilancio's ring_explorer_v1
// generator does (spec/engine.md §10), so that a Go sweep reproduces the
// scenarios, registry strings and results of bilancio's recorded sweeps.
//
// A ring has agents H1…Hn; Hi owes H(i mod n)+1 one payable. The payable
// amounts split the total dues S1 (Q_total) by Dirichlet weights drawn from
// Python's random.Random(seed) (package pyrandom), with Decimal arithmetic at
// Python's precision (package pynum); the initial liquidity L0 is minted to the
// agents (uniformly, all to one agent, or by a vector of weights), and the due
// days follow the lead-lag rule of the maturity parameter mu. Generate returns
// the scenario as a document (pyyaml.Node), its YAML written byte for byte as
// PyYAML's safe_dump writes it (pyyaml.Marshal), and the numbers a sweep
// registry records.
//
// bilancio's kappa convention changed after the recorded data was produced:
// the data era derives L0 = Q_total/kappa, HEAD derives L0 = Q_total·kappa.
// Params.KappaRule selects one explicitly; the default is the data era's.
// Params.Revision selects bilancio's first generator (raw amounts, no
// monotonicity), which made its oldest recorded sweeps, instead of the later
// one.
//
// GenerateBalanced builds the December-era balanced comparison scenario
// (spec/dealer.md §12) from the same ring: payables and liquidity scaled by
// 1 + β, three big-entity households (big_short, big_mid, big_long) owed
// Q_total·β/n by each ring member and minted (Q_total·β/3)·ρ, a
// _balanced_config block, and for the active arm the dealer block. A balanced
// sweep loops ρ → kappa → concentration → mu → monotonicity with one seed per
// grid point shared by the passive and active arms (see BalancedParams).
//
// One limit is inherent: the gamma draws go through log, exp and pow, which
// package pyrandom evaluates correctly rounded while bilancio used its
// platform's libm, so a regenerated payable amount can differ from a recorded
// one in the last bit or two of its float (in the recorded data never in its
// integer part, which is all the engine uses). To reproduce a recorded run
// exactly, run its recorded scenario.yaml.
package ring
