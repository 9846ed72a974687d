# want: 6:19: Invalid value for artifacts
sweep "ring" {
  n_agents      = 5
  maturity_days = 5
  q_total       = 1000
  artifacts     = "html_only"
  grid {
    kappas         = [1]
    concentrations = [1]
    mus            = [0]
  }
}
