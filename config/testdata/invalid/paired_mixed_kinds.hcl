# want: 6:3: Unsupported argument in a comparison sweep
sweep "mixed" {
  n_agents         = 5
  maturity_days    = 5
  q_total          = 1000
  face_value       = 20
  dealer {}
  grid {
    kappas         = [1]
    concentrations = [1]
    mus            = [0]
  }
}
