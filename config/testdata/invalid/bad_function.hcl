# want: 7:22: Call to unknown function
sweep "ring" {
  n_agents      = 10
  maturity_days = 5
  q_total       = 1000
  grid {
    kappas         = ragne(1, 4)
    concentrations = [1]
    mus            = [0]
  }
}
