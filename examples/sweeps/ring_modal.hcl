# A small Kalecki ring sweep run on Modal's serverless cloud: the same runs
# as a local sweep, but each chunk of runs executes in a Modal sandbox, and
# every finished run's folder is copied back here.
#
# Run it with (credentials from the environment or ~/.modal.toml):
#   export MODAL_TOKEN_ID=... MODAL_TOKEN_SECRET=...
#   bilancio sweep estimate examples/sweeps/ring_modal.hcl   # cost first
#   bilancio sweep run examples/sweeps/ring_modal.hcl
#
# The sandboxes run bilancio's worker, a static linux/amd64 build that
# `make build` puts beside bilancio (bin/bilancio-worker-linux-amd64), so
# this works from macOS and Linux on ARM too. `make run-modal-demo` runs
# this file against a local Modal emulator instead of Modal.

# The modal executor (the bilancio-executor-modal plugin). Every setting
# can also come from the environment (BILANCIO_MODAL_VOLUME,
# BILANCIO_CLOUD_MAX_PARALLEL, ...); the values here win.
executor "modal" {
  volume           = "bilancio-results" # where runs are written remotely
  max_parallel     = 4                  # sandboxes at once
  runs_per_sandbox = 2                  # runs per sandbox
  timeout          = 600                # seconds per run
  memory           = 2048               # MiB per sandbox
}

sweep "ring_modal" {
  executor = executor.modal

  n_agents         = 5
  maturity_days    = 3
  q_total          = 500
  liquidity_mode   = "uniform"
  default_handling = "expel-agent"
  base_seed        = 42

  # 2 × 2 = 4 runs.
  grid {
    kappas         = [0.5, 2]
    concentrations = [1]
    mus            = [0, 1]
  }
}
