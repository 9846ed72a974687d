# want: 2:1: No design in sweep
sweep "ring" {
  n_agents      = 5
  maturity_days = 5
  q_total       = 1000
}
