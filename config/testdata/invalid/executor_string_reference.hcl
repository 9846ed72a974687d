# want: 6:19: Invalid executor reference
executor "local" {
}

sweep "ring" {
  executor      = "local"
  n_agents      = 10
  maturity_days = 5
  q_total       = 1000
  grid {
    kappas         = [1]
    concentrations = [1]
    mus            = [0]
  }
}
