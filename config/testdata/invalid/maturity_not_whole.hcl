# want: 4:19: Invalid value for maturity_days
sweep "ring" {
  n_agents      = 5
  maturity_days = 2.5
  q_total       = 1000
  grid {
    kappas         = [1]
    concentrations = [1]
    mus            = [0]
  }
}
