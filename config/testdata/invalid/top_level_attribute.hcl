# want: 2:1: Unsupported argument
n_agents = 5

sweep "ring" {
  n_agents      = 5
  maturity_days = 5
  q_total       = 1000
  grid {
    kappas         = [1]
    concentrations = [1]
    mus            = [0]
  }
}
