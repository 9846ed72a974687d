# want: 14:16: Reference to undeclared executor
executor "local" {}
sweep "cmp" {
  kind          = "comparison"
  n_agents      = 5
  maturity_days = 5
  q_total       = 1000
  grid {
    kappas         = [1]
    concentrations = [1]
    mus            = [0]
  }
  treatment {
    executor = executor.modal
  }
}
