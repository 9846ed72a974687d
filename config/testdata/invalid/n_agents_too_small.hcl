# want: 3:19: Invalid value for n_agents
sweep "ring" {
  n_agents      = 2
  maturity_days = 5
  q_total       = 1000
  grid {
    kappas         = [1]
    concentrations = [1]
    mus            = [0]
  }
}
