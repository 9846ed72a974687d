# want: 10:22: Invalid kappa_high
sweep "ring" {
  n_agents      = 5
  maturity_days = 5
  q_total       = 1000
  frontier {
    concentrations = [1]
    mus            = [0]
    kappa_low      = 2
    kappa_high     = 1
    tolerance      = 0.02
    max_iterations = 6
  }
}
