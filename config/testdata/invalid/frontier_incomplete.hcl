# want: 6:12: Missing required argument
sweep "ring" {
  n_agents      = 5
  maturity_days = 5
  q_total       = 1000
  frontier {
    concentrations = [1]
    mus            = [0]
    kappa_low      = 0.1
    kappa_high     = 4
    max_iterations = 6
  }
}
