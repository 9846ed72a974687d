# want: 4:13: Invalid value for variable
variable "n_agents" {
  type    = number
  default = 2
  validation {
    condition     = var.n_agents >= 3
    error_message = "A ring needs at least three agents."
  }
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
