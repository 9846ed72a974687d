# want: 3:19: Invalid expression
sweep "ring" {
  n_agents      = 
  maturity_days = 5
  q_total       = 1000
}
