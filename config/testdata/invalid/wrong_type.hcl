# want: 3:19: Incorrect attribute value type
sweep "ring" {
  n_agents      = ["ten"]
  maturity_days = 5
  q_total       = 1000
  grid {
    kappas         = [1]
    concentrations = [1]
    mus            = [0]
  }
}
