#!/bin/sh
# make modal-smoke: bilancio on the real Modal service, end to end: one
# scenario (a one-run sweep), then a 20-run sweep of Kalecki rings, each
# through `bilancio sweep run` with the modal executor, then reported with
# the wall time, the seconds per sandbox, runs/s and the cost from the
# sweep's usage.csv. It costs a few cents. The runs are left in the Modal
# volume bilancio-smoke (app bilancio-smoke) under the experiments'
# folders; `bilancio volume ls` shows them.
#
# Without credentials (MODAL_TOKEN_ID and MODAL_TOKEN_SECRET in the
# environment, or a token in ~/.modal.toml or $MODAL_CONFIG_PATH, as
# `modal token new` writes it) it says it was skipped and exits 0.
set -eu
BILANCIO=${BILANCIO:-bin/bilancio}

if [ -n "${MODAL_SERVER_URL:-}" ]; then
	echo "modal-smoke: SKIPPED: MODAL_SERVER_URL is set ($MODAL_SERVER_URL); this smoke test is for the real Modal service: unset it."
	exit 0
fi
config=${MODAL_CONFIG_PATH:-$HOME/.modal.toml}
if [ -z "${MODAL_TOKEN_ID:-}" ] || [ -z "${MODAL_TOKEN_SECRET:-}" ]; then
	if ! grep -q '^[[:space:]]*token_id' "$config" 2>/dev/null; then
		echo "modal-smoke: SKIPPED: no Modal credentials (neither MODAL_TOKEN_ID and MODAL_TOKEN_SECRET nor a token in $config)."
		echo "modal-smoke: to run it: pip install modal && modal token new, then make modal-smoke again."
		exit 0
	fi
fi

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
stamp=$(date +%Y%m%d-%H%M%S)

# sweep NAME KAPPAS MUS: a sweep file of rings of 20 agents.
sweep() {
	cat > "$work/$1.hcl" <<HCL
executor "modal" {
  app              = "bilancio-smoke"
  volume           = "bilancio-smoke"
  max_parallel     = 4
  runs_per_sandbox = 5
  timeout          = 300
  retries          = 1
}

sweep "$1" {
  executor         = executor.modal
  n_agents         = 20
  maturity_days    = 10
  q_total          = 10000
  liquidity_mode   = "uniform"
  default_handling = "expel-agent"
  base_seed        = 42
  grid {
    kappas         = [$2]
    concentrations = [1]
    mus            = [$3]
  }
}
HCL
}
sweep "smoke-one-$stamp" "1" "0"
sweep "smoke-twenty-$stamp" "0.25, 0.5, 1, 2, 4" "0, 0.25, 0.5, 1"

status=0
for name in "smoke-one-$stamp" "smoke-twenty-$stamp"; do
	echo "modal-smoke: $name"
	start=$(date +%s)
	if ! "$BILANCIO" sweep run -yes -out "$work/out" "$work/$name.hcl"; then
		echo "modal-smoke: $name FAILED"
		status=1
		continue
	fi
	end=$(date +%s)
	awk -F, -v wall=$((end - start)) -v name="$name" '
		NR == 1 { next }
		{ n++; secs += $5; cost += $10; cur = $11; if ($2 == "runs") { boxes++; runsecs += $5; runs += $9 } }
		END {
			rate = wall > 0 ? runs / wall : runs
			printf "modal-smoke: %s: %d runs in %d s wall (%.2f runs/s); %d sandboxes of runs, %.1f s each on average; %d sandboxes in all, %.1f sandbox-seconds, cost %.4f %s\n",
				name, runs, wall, rate, boxes, boxes ? runsecs / boxes : 0, n, secs, cost, cur
		}' "$work/out/$name/usage.csv"
done
exit $status
