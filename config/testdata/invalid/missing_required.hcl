# want: 4:14: Missing required argument
# q_total is left out: the total dues of the ring must be said.

sweep "ring" {
  n_agents      = 10
  maturity_days = 5
  grid {
    kappas         = [1]
    concentrations = [1]
    mus            = [0]
  }
}
