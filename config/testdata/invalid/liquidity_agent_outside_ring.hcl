# want: 7:21: Invalid value for liquidity_agent
sweep "ring" {
  n_agents        = 5
  maturity_days   = 5
  q_total         = 1000
  liquidity_mode  = "single_at"
  liquidity_agent = "H7"
  grid {
    kappas         = [1]
    concentrations = [1]
    mus            = [0]
  }
}
