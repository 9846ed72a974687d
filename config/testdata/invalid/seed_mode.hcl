# want: 6:19: Invalid value for seed_mode
sweep "ring" {
  n_agents      = 5
  maturity_days = 5
  q_total       = 1000
  seed_mode     = "random"
  grid {
    kappas         = [1]
    concentrations = [1]
    mus            = [0]
  }
}
