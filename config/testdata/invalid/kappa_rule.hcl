# want: 6:19: Invalid value for kappa_rule
sweep "ring" {
  n_agents      = 5
  maturity_days = 5
  q_total       = 1000
  kappa_rule    = "liquidity-over-dues"
  grid {
    kappas         = [1]
    concentrations = [1]
    mus            = [0]
  }
}
