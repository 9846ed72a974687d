# want: 2:1: Unsupported block type
sweeps "ring" {
  n_agents = 5
}
