# want: 6:3: Unsupported argument in a ring sweep
sweep "ring" {
  n_agents      = 5
  maturity_days = 5
  q_total       = 1000
  emulate_display_truncation = true
  grid {
    kappas         = [1]
    concentrations = [1]
    mus            = [0]
  }
}
