# want: 8:19: Reference to undeclared input variable
variable "n_agents" {
  type    = number
  default = 10
}

sweep "ring" {
  n_agents      = var.nagents
  maturity_days = 5
  q_total       = 1000
  grid {
    kappas         = [1]
    concentrations = [1]
    mus            = [0]
  }
}
