# want: 5:19: Invalid value for q_total
sweep "ring" {
  n_agents      = 5
  maturity_days = 5
  q_total       = -100
  grid {
    kappas         = [1]
    concentrations = [1]
    mus            = [0]
  }
}
