# want: 13:1: Duplicate sweep block
sweep "first" {
  n_agents      = 10
  maturity_days = 5
  q_total       = 1000
  grid {
    kappas         = [1]
    concentrations = [1]
    mus            = [0]
  }
}

sweep "second" {
  n_agents      = 10
  maturity_days = 5
  q_total       = 1000
  grid {
    kappas         = [2]
    concentrations = [1]
    mus            = [0]
  }
}
