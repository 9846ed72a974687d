// Package config reads sweep files: bilancio's HCL sweep language, and
// bilancio's own YAML sweep configs, into a sweep.Spec.
//
// # The language
//
// A sweep file (HCL native syntax, *.hcl) declares input variables, local
// values, executors and one sweep:
//
//	variable "n_agents" {
//	  type        = number          # number, string, bool, list(number), ...
//	  default     = 100             # without a default the variable is required
//	  description = "ring size"
//	  validation {
//	    condition     = var.n_agents >= 3
//	    error_message = "A ring needs at least three agents."
//	  }
//	}
//
//	locals {
//	  kappas = [for k in range(1, 5) : k / 2]   # 0.5, 1, 1.5, 2
//	}
//
//	executor "local" {                # the plugin bilancio-executor-local
//	  parallel = 4                    # its own configuration, checked against its schema
//	}
//	executor "modal" "cpu" {          # a named instance: executor.modal.cpu
//	  cpu = 1
//	}
//
//	sweep "ring" {
//	  executor         = executor.local   # a reference; optional with one executor block (or none: local)
//	  n_agents         = var.n_agents     # required, >= 3
//	  maturity_days    = 10               # required, >= 1
//	  q_total          = 10000            # required, > 0: total dues S1
//	  liquidity_mode   = "uniform"        # or "single_at" (default, bilancio's)
//	  liquidity_agent  = "H1"             # single_at only: H1 … Hn (default H1)
//	  default_handling = "expel-agent"    # or "fail-fast" (default)
//	  base_seed        = 42               # default 42
//	  max_days         = 40               # default: bilancio's max(30, maturity_days + 5)
//	  quiet_days       = 2                # default 2
//	  kappa_rule       = "debt-over-liquidity"  # kappa = S1/L0 (default); or "liquidity-over-debt"
//	  seed_mode        = "counter"        # bilancio's seeds (default); or "derived"
//	  replicates       = 5                # runs (seeds) per grid and lhs point (default 1)
//	  artifacts        = "all"            # files each run keeps: "all" (default), "no_html", "aggregates"
//	  parallel         = 4                # runs at once (default: the executor's)
//	  retries          = 2                # tries again for a failed run (default 0)
//	  fail_fast        = false            # stop at the first run that fails for good
//	  out_dir          = "out/experiments"
//	  name_prefix      = "Kalecki Ring Sweep"
//
//	  grid {                              # every combination, in bilancio's loop order
//	    kappas         = local.kappas
//	    concentrations = [0.2, 1, 5]
//	    mus            = [0, 0.5, 1]
//	    monotonicities = [0]              # default [0]
//	  }
//	  lhs {                               # a Latin hypercube of count points
//	    count         = 20
//	    kappa         = [0.1, 6]          # [min, max]
//	    concentration = [0.1, 6]
//	    mu            = [0, 1]
//	    monotonicity  = [0, 0]            # default [0, 0]
//	  }
//	  frontier {                          # bisection on kappa, per cell
//	    concentrations = [1]              # the cells; default: the grid's lists
//	    mus            = [0, 1]
//	    kappa_low      = 0.1
//	    kappa_high     = 4
//	    tolerance      = 0.02             # on delta_total
//	    max_iterations = 6
//	  }
//	}
//
// A sweep has at least one design; the runner runs the grid, then the LHS,
// then the frontier, as bilancio does. Expressions may use var.NAME,
// local.NAME, for expressions and the functions of functions.go (the
// cty standard library under Terraform's names: range, concat, flatten,
// setproduct, format, min, max, ...). An attribute set to null is left out.
//
// # Paired sweeps
//
// bilancio's `sweep comparison` and `sweep balanced` are sweep blocks too:
// every grid point runs as a pair of runs with the same seed, without and
// with dealer trading, each arm in its own folder (sweep.Paired). A sweep
// block is paired when it says kind = "comparison" or kind = "balanced",
// when it has the blocks or attributes of one, or when its label is
// "comparison" or "balanced":
//
//	sweep "dealer_comparison_100" {
//	  kind = "comparison"               # inferred from the dealer/control/treatment blocks
//	  ...ring settings (liquidity_mode defaults to "uniform")...
//	  dealer {                          # the treatment's dealer block; bilancio's floats
//	    ticket_size  = 1                # default 1 (int() of it is written)
//	    dealer_share = 0.25             # default 0.25
//	    vbt_share    = 0.5              # default 0.5
//	  }
//	  grid { ... }                      # a grid only: no lhs, no frontier
//	  control   { executor = executor.local }   # optional: an executor per arm
//	  treatment { executor = executor.modal }   # (default: the sweep's)
//	}
//
//	sweep "balanced_100" {
//	  kind             = "balanced"     # inferred from the attributes and blocks below
//	  q_total          = 10000          # a Decimal here, kept as written
//	  face_value       = 20             # default 20: the active arm's ticket size
//	  big_entity_share = 0.25           # β, default 0.25
//	  vbt_share        = "0.50"         # default 0.50
//	  detailed_logging = true           # default true: the active runs' detailed files
//	  grid {
//	    ...
//	    outside_mid_ratios = [0.75]     # ρ, the outermost loop; default 1.0, 0.9, 0.8, 0.75, 0.5
//	  }
//	  passive { executor = ... }
//	  active  { executor = ... }
//	}
//
// An attribute or block of the other paired kind is an error at its
// position. See paired.go.
//
// # Variables
//
// A variable's value comes from, lowest precedence first: its default, the
// environment variable BILANCIO_VAR_<name>, the -var-file files in order,
// then the -var options in order; the last one wins. Command-line and
// environment values of string, number and bool variables are plain text;
// those of list, map and object variables are HCL expressions ("[0.5, 1]").
// A value of the wrong type, a -var for an undeclared variable and a failed
// validation rule are errors.
//
// # Numbers
//
// bilancio records parameters as str(Decimal) of their input, so a sweep
// keeps each parameter as decimal text (see textRule): list values (grid
// and frontier) as the shortest decimal that identifies the number (0.25 →
// "0.25", 10000 → "10000"), scalar values that bilancio's command takes as
// floats (q_total, LHS ranges, frontier bounds and tolerance) as
// Decimal(str(float)) (10000 → "10000.0", as bilancio's registries show),
// and any value written as a string exactly as written ("0.50").
//
// # Diagnostics
//
// Every problem is an hcl.Diagnostic whose Subject names the file, line and
// column; FormatDiagnostics renders them with source snippets and
// NewJSONDiagnostic in Terraform's machine-readable shape.
//
// # Executors
//
// The body of the executor the sweep uses is decoded against the plugin's
// configuration schema (Options.SchemaFor) with hcldec, and the attributes it
// sets are handed on as a JSON object in Spec.Executor.Config.
//
// # bilancio's YAML
//
// LoadBilancioYAML imports the YAML sweep configs of bilancio's
// `sweep ring --config`, and LoadFile picks the reader by the file's
// extension.
package config
