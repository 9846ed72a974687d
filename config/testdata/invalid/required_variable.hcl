# want: 2:1: No value for required variable
variable "n_agents" {
  type = number
}

sweep "ring" {
  n_agents      = var.n_agents
  maturity_days = 5
  q_total       = 1000
  grid {
    kappas         = [1]
    concentrations = [1]
    mus            = [0]
  }
}
