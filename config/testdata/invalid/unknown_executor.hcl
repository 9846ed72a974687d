# want: 6:19: Reference to undeclared executor
executor "local" {
}

sweep "ring" {
  executor      = executor.modal
  n_agents      = 10
  maturity_days = 5
  q_total       = 1000
  grid {
    kappas         = [1]
    concentrations = [1]
    mus            = [0]
  }
}
