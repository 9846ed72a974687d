# want: 6:22: Invalid value for default_handling
sweep "ring" {
  n_agents         = 5
  maturity_days    = 5
  q_total          = 1000
  default_handling = "ignore"
  grid {
    kappas         = [1]
    concentrations = [1]
    mus            = [0]
  }
}
