# A Kalecki ring sweep run on a Slurm cluster: the same runs as a local
# sweep, but chunks of runs execute as the tasks of a Slurm job array, each
# running `bilancio worker` on a compute node and writing its run folders
# straight into the experiment, which must be on a file system the login
# node and the compute nodes share (your home or project directory).
#
# On the login node, with bilancio and bilancio-executor-slurm installed
# (README, "Running on a Slurm cluster"):
#   bilancio sweep run examples/sweeps/ring_slurm.hcl
#   squeue --me --name bilancio-ring_slurm      # the sweep's jobs
#
# Running the same command again (after a logout, a crash or Ctrl-C) picks up
# where the sweep stopped: finished runs are kept, tasks still in the queue
# are followed, and only the missing runs are submitted.

# The slurm executor (the bilancio-executor-slurm plugin). Every setting can
# also come from the environment (BILANCIO_SLURM_PARTITION,
# BILANCIO_SLURM_ACCOUNT, ...); the values here win. Those left out take the
# defaults shown by `bilancio plugins describe slurm`.
executor "slurm" {
  # partition     = "short"          # default: the cluster's default partition
  # account       = "my_project"     # default: your default account
  # qos           = "normal"
  time_limit    = "0:30:00"          # per array task (a chunk of runs)
  cpus_per_task = 1                  # runs a task executes at once
  memory        = "2G"               # per task
  runs_per_task = 100                # at most; fewer when a batch is small
  # extra_sbatch  = ["--constraint=skylake", "--mail-type=FAIL"]
  # bilancio_binary = "/home/me/bin/bilancio"  # default: the bilancio that runs the sweep
  # scratch_dir   = "/scratch/me/bilancio"     # default: the experiment's slurm/ folder
}

sweep "ring_slurm" {
  executor = executor.slurm

  n_agents         = 100
  maturity_days    = 10
  q_total          = 10000
  liquidity_mode   = "uniform"
  default_handling = "expel-agent"
  base_seed        = 42

  parallel = 20 # array tasks running at once (sbatch --array=...%20)
  retries  = 2  # a run whose task failed, timed out or lost its node is tried again

  # 10 × 5 × 10 = 500 runs.
  grid {
    kappas         = [0.25, 0.5, 0.75, 1, 1.25, 1.5, 2, 2.5, 3, 4]
    concentrations = [0.2, 0.5, 1, 2, 5]
    mus            = [0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 1]
  }
}
