# want: 3:3: Unsupported argument
executor "local" {
  paralel = 4
}

sweep "ring" {
  executor      = executor.local
  n_agents      = 10
  maturity_days = 5
  q_total       = 1000
  grid {
    kappas         = [1]
    concentrations = [1]
    mus            = [0]
  }
}
