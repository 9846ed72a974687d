# want: <value for var.kappas from -var>:1:1: Invalid value for variable
# var: kappas=[0.5, 0]
variable "kappas" {
  type    = list(number)
  default = [1, 2]
  validation {
    condition     = alltrue([for k in var.kappas : k > 0])
    error_message = "Every kappa must be positive."
  }
}

sweep "ring" {
  n_agents      = 10
  maturity_days = 5
  q_total       = 1000
  grid {
    kappas         = var.kappas
    concentrations = [1]
    mus            = [0]
  }
}
