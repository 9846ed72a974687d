# want: 7:20: Invalid value for ticket_size
sweep "cmp" {
  n_agents      = 5
  maturity_days = 5
  q_total       = 1000
  dealer {
    ticket_size  = 0.5
  }
  grid {
    kappas         = [1]
    concentrations = [1]
    mus            = [0]
  }
}
