# want: 12:3: Unsupported design in a comparison sweep
sweep "comparison" {
  n_agents      = 5
  maturity_days = 5
  q_total       = 1000
  grid {
    kappas         = [1]
    concentrations = [1]
    mus            = [0]
  }
  treatment {}
  lhs {
    count         = 2
    kappa         = [1, 2]
    concentration = [1, 2]
    mu            = [0, 1]
  }
}
