# want: 11:3: Duplicate grid block
sweep "ring" {
  n_agents      = 5
  maturity_days = 5
  q_total       = 1000
  grid {
    kappas         = [1]
    concentrations = [1]
    mus            = [0]
  }
  grid {
    kappas         = [2]
    concentrations = [1]
    mus            = [0]
  }
}
