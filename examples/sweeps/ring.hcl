# A small Kalecki ring sweep: the example `make run` runs.
#
# A Kalecki ring is n agents H1 … Hn in a circle, each owing the next one a
# payable that falls due on some day. The total owed is q_total (S1); the
# money the agents start with is L0. Whether the ring clears — every debt
# paid on time — depends on how much money there is relative to the debts,
# how unequal the debts are, and when they fall due. A sweep runs one
# simulation per combination of these parameters and records, for each, the
# share of debt settled (phi_total) and left unsettled (delta_total).
#
# Run it with:
#   bilancio sweep run examples/sweeps/ring.hcl
#   bilancio sweep run examples/sweeps/ring.hcl -var n_agents=50
#   BILANCIO_VAR_n_agents=50 bilancio sweep run examples/sweeps/ring.hcl

# Input variables can be set from the command line (-var), a file
# (-var-file) or the environment (BILANCIO_VAR_n_agents); the default is
# used otherwise.
variable "n_agents" {
  type        = number
  default     = 20
  description = "How many agents stand in the ring."

  validation {
    condition     = var.n_agents >= 3 && var.n_agents == floor(var.n_agents)
    error_message = "A ring needs a whole number of at least three agents."
  }
}

# The executor says where the runs happen: "local" runs them on this
# machine, several at once.
executor "local" {
  parallel = 2
}

sweep "ring" {
  executor = executor.local

  # The ring every run starts from.
  n_agents      = var.n_agents
  maturity_days = 5     # payables fall due on days 1 to 5
  q_total       = 1000  # total dues S1 (recorded as 1000.0, as bilancio's --q-total does)

  # Every agent starts with the same share of L0.
  liquidity_mode = "uniform"

  # When an agent cannot pay, it is expelled from the ring and the others
  # go on (the alternative, "fail-fast", stops the run at the first default).
  default_handling = "expel-agent"

  # Run i gets the seed base_seed + i, as bilancio assigns them.
  base_seed = 42

  # A grid runs every combination of the lists: 3 × 2 × 2 = 12 runs.
  grid {
    # kappa = S1 / L0: debts relative to money. Above 1 there is less money
    # than debt, and the ring needs money to circulate to clear.
    kappas = [0.5, 1, 2]

    # Dirichlet concentration of the debts: small values make a few large
    # debts, large values nearly equal ones.
    concentrations = [0.5, 2]

    # mu in [0, 1] misaligns the due days: at 0 every agent is paid before
    # it must pay; at 1 it must pay before it is paid.
    mus = [0, 1]
  }
}
