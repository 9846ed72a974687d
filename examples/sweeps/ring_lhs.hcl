# A Latin hypercube sweep of the Kalecki ring.
#
# Where a grid tries every combination of a few values, a Latin hypercube
# spreads `count` runs over whole ranges of the parameters: each range is cut
# into `count` equal slices, every slice is sampled exactly once, and the
# slices of different parameters are shuffled against each other. It covers
# a large parameter space evenly with few runs — useful to see the shape of
# the clearing region before zooming in with a grid.
#
# The draws come from their own random stream, seeded from base_seed as
# bilancio's runner does, so the same file always draws the same points.
#
#   bilancio sweep run examples/sweeps/ring_lhs.hcl -var samples=50

variable "samples" {
  type        = number
  default     = 20
  description = "How many points the Latin hypercube draws."

  validation {
    condition     = var.samples >= 1
    error_message = "Draw at least one point."
  }
}

variable "kappa_range" {
  type        = list(number)
  default     = [0.1, 6]
  description = "The [min, max] range of kappa = S1 / L0."
}

sweep "ring_lhs" {
  n_agents      = 50
  maturity_days = 5
  q_total       = 500

  # All of L0 starts with one agent, H1, and must flow around the ring.
  liquidity_mode   = "single_at"
  liquidity_agent  = "H1"
  default_handling = "expel-agent"
  base_seed        = 42

  lhs {
    count = var.samples

    # Each range is [min, max].
    kappa         = var.kappa_range # debts relative to money
    concentration = [0.1, 6]        # from a few large debts to nearly equal ones
    mu            = [0, 1]          # from well-timed to badly-timed due days
    monotonicity  = [0, 0]          # payables in the order drawn (the default)
  }
}
