# want: 6:20: Invalid value for liquidity_mode
sweep "ring" {
  n_agents       = 5
  maturity_days  = 5
  q_total        = 1000
  liquidity_mode = "evenly"
  grid {
    kappas         = [1]
    concentrations = [1]
    mus            = [0]
  }
}
