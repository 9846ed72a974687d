# want: 10:21: Invalid mu range
sweep "ring" {
  n_agents      = 5
  maturity_days = 5
  q_total       = 1000
  lhs {
    count         = 10
    kappa         = [0.1, 6]
    concentration = [0.1, 6]
    mu            = [1, 0]
  }
}
