# bilancio's recorded "dealer comparison" control sweep, reproduced.
#
# bilancio's `sweep comparison` command ran this grid twice: once without a
# secondary market for the payables (the control arm, this file) and once
# with a dealer (the treatment). The control arm's registry is
# ../shared/conformance/ring-expel-n100: with the same parameters and seeds,
# this sweep reproduces its seeds, S1, L0, phi_total, delta_total and
# time_to_stability run for run.
#
#   bilancio sweep run examples/sweeps/dealer_comparison_100_control.hcl
#
# 5 kappas × 5 concentrations × 5 mus = 125 rings of 100 agents.

sweep "dealer_comparison_100_control" {
  # 100 agents with total dues of 10000, due over 10 days. bilancio passed
  # q_total through a float, so its registry records it as 10000.0; a number
  # written here is recorded the same way.
  n_agents      = 100
  maturity_days = 10
  q_total       = 10000

  # Every agent starts with L0 / 100; a defaulting agent is expelled and the
  # ring goes on without it.
  liquidity_mode   = "uniform"
  default_handling = "expel-agent"

  # The recorded data used bilancio's older definition kappa = S1 / L0, so
  # L0 = 10000 / kappa: kappa 0.25 means four times as much money as debt.
  kappa_rule = "debt-over-liquidity"

  # Seeds 42, 43, … in the grid's loop order (kappa, then concentration,
  # then mu), as bilancio numbered them.
  base_seed = 42
  seed_mode = "counter"

  # The scenarios are named "Dealer Comparison (Control) (n=100, kappa=2,
  # c=1, mu=1)" and so on, as in the recorded runs.
  name_prefix = "Dealer Comparison (Control)"

  grid {
    kappas         = [0.25, 0.5, 1, 2, 4]
    concentrations = [0.2, 0.5, 1, 2, 5]
    mus            = [0, 0.25, 0.5, 0.75, 1]
    monotonicities = [0]
  }
}
