# want: 8:28: Invalid value for concentrations
sweep "ring" {
  n_agents      = 5
  maturity_days = 5
  q_total       = 1000
  grid {
    kappas         = ["0.50"]
    concentrations = ["1", "one"]
    mus            = [0]
  }
}
