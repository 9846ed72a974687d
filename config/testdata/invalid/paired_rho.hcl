# want: 11:27: Invalid outside_mid_ratio
sweep "bal" {
  kind          = "balanced"
  n_agents      = 5
  maturity_days = 5
  q_total       = 1000
  grid {
    kappas             = [1]
    concentrations     = [1]
    mus                = [0]
    outside_mid_ratios = [0]
  }
}
