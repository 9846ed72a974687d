# bilancio's balanced comparison balanced_comparison_20251204, reproduced:
# passive and active pairs of the balanced ring.
#
# The balanced ring is the Kalecki ring with its payables and liquidity
# scaled by 1 + β and three "big entities" (big_short, big_mid, big_long)
# that every agent also owes Q_total·β/n and that hold (Q_total·β/3)·ρ of
# cash. The passive arm runs it as is; the active arm lets the agents sell
# and buy payables through value-based traders (dealer block with ticket
# size = face value and no dealer capital). 25 of its pairs are recorded in
# ../shared/conformance (passive: balanced-passive-n100, active:
# dealer-balanced-n100 with their comparison.csv rows).
#
#   bilancio sweep run examples/sweeps/balanced_100.hcl
#
# 1 ρ × 5 kappas × 5 concentrations × 5 mus = 125 pairs of 103-agent rings.

sweep "balanced_100" {
  kind = "balanced"

  # bilancio's `sweep balanced` reads q_total as a Decimal: recorded 10000.
  n_agents      = 100
  maturity_days = 10
  q_total       = 10000

  liquidity_mode   = "uniform"
  default_handling = "fail-fast"
  kappa_rule       = "debt-over-liquidity"
  base_seed        = 42
  name_prefix      = "Balanced Comparison"

  face_value       = 20     # the ticket face S
  big_entity_share = 0.25   # β
  vbt_share        = "0.50" # the active arm's VBT capital share, as bilancio writes it
  detailed_logging = true   # trades.csv and the other detailed files of the active runs

  grid {
    kappas             = [0.25, 0.5, 1, 2, 4]
    concentrations     = [0.2, 0.5, 1, 2, 5]
    mus                = [0, 0.25, 0.5, 0.75, 1]
    monotonicities     = [0]
    outside_mid_ratios = [0.75] # ρ, the outermost loop
  }

  passive {}
  active {}
}
