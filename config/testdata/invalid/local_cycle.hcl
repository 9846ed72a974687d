# want: 3:3: Circular reference between local values
locals {
  a = local.b + 1
  b = local.a * 2
}

sweep "ring" {
  n_agents      = local.a
  maturity_days = 5
  q_total       = 1000
  grid {
    kappas         = [1]
    concentrations = [1]
    mus            = [0]
  }
}
