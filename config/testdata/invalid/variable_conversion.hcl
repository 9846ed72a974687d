# want: <value for var.n_agents from -var>:1:1: Invalid value for input variable
# var: n_agents=many
variable "n_agents" {
  type    = number
  default = 10
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
