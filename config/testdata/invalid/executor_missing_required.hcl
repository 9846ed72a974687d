# want: 2:24: Missing required argument
executor "modal" "cpu" {
  cpu = 2
}

sweep "ring" {
  executor      = executor.modal.cpu
  n_agents      = 10
  maturity_days = 5
  q_total       = 1000
  grid {
    kappas         = [1]
    concentrations = [1]
    mus            = [0]
  }
}
