# A frontier search on the Kalecki ring.
#
# For each cell — a combination of concentration, mu and monotonicity — the
# search looks for the kappa at which the ring stops clearing: the smallest
# ratio of debt to money at which the share of debt left unsettled,
# delta_total, rises above a tolerance. It runs the ring at kappa_low; if
# that already clears, the cell is done. Otherwise it bisects between
# kappa_low and kappa_high, halving the bracket at each step, for at most
# max_iterations steps.
#
# Each cell costs a handful of runs instead of a fine grid over kappa, so a
# frontier maps where liquidity becomes binding cheaply.
#
#   bilancio sweep run examples/sweeps/ring_frontier.hcl

locals {
  # The cells: 3 concentrations × 3 timings of the due days.
  concentrations = [0.5, 1, 2]
  mus            = [for i in range(0, 3) : i / 2] # 0, 0.5, 1
}

sweep "ring_frontier" {
  n_agents         = 50
  maturity_days    = 10
  q_total          = 5000
  liquidity_mode   = "uniform"
  default_handling = "expel-agent"
  base_seed        = 7

  frontier {
    concentrations = local.concentrations
    mus            = local.mus

    kappa_low      = 0.1  # surely enough money: the search's lower end
    kappa_high     = 4    # surely too little (recorded as 4.0, as bilancio's --frontier-high)
    tolerance      = 0.02 # "clears" means at most 2% of the debt left unsettled
    max_iterations = 6    # at most six bisection steps per cell
  }
}
