# want: 3:19: Invalid value for kind
sweep "x" {
  kind          = "triple"
  n_agents      = 5
  maturity_days = 5
  q_total       = 1000
  grid {
    kappas         = [1]
    concentrations = [1]
    mus            = [0]
  }
}
