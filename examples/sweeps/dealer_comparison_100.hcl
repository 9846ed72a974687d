# bilancio's recorded "dealer comparison" sweep, reproduced: control and
# treatment pairs.
#
# bilancio's `sweep comparison` ran every grid point twice with the same
# seed: once without a secondary market for the payables (the control arm)
# and once with a dealer and value-based traders buying and selling them
# (the treatment arm). It produced data/experiments/dealer_comparison_100;
# 25 of its pairs are recorded in ../shared/conformance (control runs:
# ring-expel-n100, treatment runs: dealer-expel-n100, the pairs' rows:
# dealer-expel-n100/comparison.csv).
#
#   bilancio sweep run examples/sweeps/dealer_comparison_100.hcl
#
# 5 kappas × 5 concentrations × 5 mus = 125 pairs, 250 rings of 100 agents.
# The folder holds control/ and treatment/ (each with runs/ and
# registry/experiments.csv) and aggregate/comparison.csv and summary.json.

sweep "dealer_comparison_100" {
  kind = "comparison"

  # 100 agents with total dues of 10000, due over 10 days. bilancio read
  # q_total as a float, so its registries record 10000.0; a number written
  # here is recorded the same way.
  n_agents      = 100
  maturity_days = 10
  q_total       = 10000

  # Every agent starts with L0 / 100; a defaulting agent is expelled and the
  # ring goes on without it. kappa = S1 / L0 (bilancio's data era).
  liquidity_mode   = "uniform"
  default_handling = "expel-agent"
  kappa_rule       = "debt-over-liquidity"

  # One seed per pair, 42, 43, … in the grid's loop order (kappa, then
  # concentration, then mu); both runs of a pair use it.
  base_seed = 42
  seed_mode = "counter"

  # Scenario names: "Dealer Comparison (Control) (n=100, kappa=2, c=1,
  # mu=1)" and "Dealer Comparison (Treatment) (…)".
  name_prefix = "Dealer Comparison"

  # The treatment's dealer block, appended to its scenario as
  # dealer: {enabled: true, ticket_size: 1, dealer_share: '0.25', vbt_share: '0.5'}.
  dealer {
    ticket_size  = 1
    dealer_share = 0.25
    vbt_share    = 0.5
  }

  grid {
    kappas         = [0.25, 0.5, 1, 2, 4]
    concentrations = [0.2, 0.5, 1, 2, 5]
    mus            = [0, 0.25, 0.5, 0.75, 1]
    monotonicities = [0]
  }

  # Each arm may run on an executor of its own (executor = executor.NAME);
  # both run on the local executor by default.
  control {}
  treatment {}
}
