# want: 7:21: Invalid value for count
sweep "ring" {
  n_agents      = 5
  maturity_days = 5
  q_total       = 1000
  lhs {
    count         = 0
    kappa         = [0.1, 6]
    concentration = [0.1, 6]
    mu            = [0, 1]
  }
}
