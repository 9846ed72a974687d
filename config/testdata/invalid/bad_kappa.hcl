# want: 7:28: Invalid kappa
sweep "ring" {
  n_agents      = 10
  maturity_days = 5
  q_total       = 1000
  grid {
    kappas         = [0.5, -1, 2]
    concentrations = [1]
    mus            = [0]
  }
}
