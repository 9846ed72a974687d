# want: 3:14: Incorrect attribute value type
executor "local" {
  parallel = ["four"]
}

sweep "ring" {
  n_agents      = 10
  maturity_days = 5
  q_total       = 1000
  grid {
    kappas         = [1]
    concentrations = [1]
    mus            = [0]
  }
}
