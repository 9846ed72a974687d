# want: 7:29: Invalid function argument
sweep "ring" {
  n_agents      = 10
  maturity_days = 5
  q_total       = 1000
  grid {
    kappas         = range("one", 4)
    concentrations = [1]
    mus            = [0]
  }
}
