# want: 7:26: Incorrect attribute value type
sweep "ring" {
  n_agents      = 5
  maturity_days = 5
  q_total       = 1000
  grid {
    kappas         = [1, true]
    concentrations = [1]
    mus            = [0]
  }
}
