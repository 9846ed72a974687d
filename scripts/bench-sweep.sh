#!/usr/bin/env bash
# bench-sweep.sh — issue 12's sweep measurements, on this machine:
#
#   1. bilancio's 13,500-run ring sweep (its examples/kalecki/ring_sweep_config.yaml:
#      n = 5, single_at liquidity, expel-agent, every artifact incl. run.html) on
#      tmpfs with -parallel 2: CPU (user + system) per run;
#   2. the same sweep on the normal disk, then `cp -r` of the folder it produced
#      on the same disk: the sweep's wall time over cp's (goal: at most 1.3).
#
# Usage: scripts/bench-sweep.sh [-quick]      (make bench-sweep)
#   BILANCIO=bin/bilancio   the binary to measure
#   DISK_DIR=out/bench-sweep  a folder on the normal disk (removed afterwards)
#   -quick                  1,800 runs (two kappas) instead of 13,500
#   FRESH_FS=1              (root only) the sweep writes into a freshly made ext4
#                           file system and cp -r into another one, both loop
#                           images in DISK_DIR on the normal disk: ext4 slows
#                           down after many deletions (cp -r of the same folder
#                           took 5 s, 40 s and 71 s in one sitting here), so
#                           fresh file systems make the ratio repeatable.
set -euo pipefail

BILANCIO=${BILANCIO:-bin/bilancio}
DISK_DIR=${DISK_DIR:-out/bench-sweep}
kappas="0.1, 0.15, 0.2, 0.3, 0.4, 0.5, 0.75, 1, 1.5, 2, 2.5, 3, 4, 5, 6"
if [ "${1:-}" = "-quick" ]; then kappas="0.5, 2"; fi

work=$(mktemp -d)
shm=$(mktemp -d /dev/shm/bilancio-bench-sweep.XXXXXX 2>/dev/null || mktemp -d)
trap 'rm -rf "$work" "$shm" "$DISK_DIR"' EXIT

# bilancio's config with its full grid (15 × 10 × 10 × 9 points).
cat > "$work/ring_sweep_config.yaml" <<YAML
version: 1
runner:
  name_prefix: "Kalecki Ring Sweep"
  n_agents: 5
  maturity_days: 5
  q_total: 500
  liquidity_mode: single_at
  liquidity_agent: H1
  base_seed: 42
  default_handling: expel-agent
grid:
  enabled: true
  kappas: [$kappas]
  concentrations: [0.1, 0.2, 0.3, 0.4, 0.5, 0.75, 1, 2, 3, 5]
  mus: [0.0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 1.0]
  monotonicities: [-1.0, -0.75, -0.5, -0.25, 0.0, 0.25, 0.5, 0.75, 1.0]
lhs:
  count: 0
frontier:
  enabled: false
YAML

# timed CMD...: prints "wall user sys" (seconds) of CMD on fd 3.
timed() { /usr/bin/time -f '%e %U %S' -o "$work/time" "$@" >/dev/null 2>"$work/err" || { cat "$work/err" >&2; exit 1; }; cat "$work/time"; }

echo "machine: $(nproc) cores; $($BILANCIO version | head -1)"

read -r wall user sys < <(timed "$BILANCIO" sweep ring -config "$work/ring_sweep_config.yaml" -parallel 2 -out-dir "$shm/exp")
runs=$(find "$shm/exp/runs" -mindepth 1 -maxdepth 1 -type d | wc -l)
bytes=$(du -sb "$shm/exp" | cut -f1)
awk -v w="$wall" -v u="$user" -v s="$sys" -v n="$runs" -v b="$bytes" 'BEGIN {
  printf "tmpfs, -parallel 2: %d runs in %.1f s wall, %.1f s CPU (user %.1f + sys %.1f): %.3f ms of CPU per run, %.0f runs/s; %.0f MB\n",
    n, w, u + s, u, s, 1000 * (u + s) / n, n / w, b / 1e6 }'
rm -rf "$shm/exp"

mkdir -p "$DISK_DIR"
sweepdir=$DISK_DIR copydir=$DISK_DIR
if [ "${FRESH_FS:-}" = 1 ]; then
  # fresh NAME: a new ext4 in DISK_DIR/NAME.img, mounted on DISK_DIR/NAME.
  fresh() {
    truncate -s 8G "$DISK_DIR/$1.img" && mkfs.ext4 -q -F "$DISK_DIR/$1.img" &&
      mkdir -p "$DISK_DIR/$1" && mount -o loop "$DISK_DIR/$1.img" "$DISK_DIR/$1"
  }
  trap 'umount "$DISK_DIR/a" "$DISK_DIR/b" 2>/dev/null; rm -rf "$work" "$shm" "$DISK_DIR"' EXIT
  fresh a && fresh b || { echo "FRESH_FS=1 needs root, mkfs.ext4 and loop devices" >&2; exit 1; }
  sweepdir=$DISK_DIR/a copydir=$DISK_DIR/b
fi
sync
read -r swall suser ssys < <(timed "$BILANCIO" sweep ring -config "$work/ring_sweep_config.yaml" -out-dir "$sweepdir/exp")
files=$(find "$sweepdir/exp" -type f | wc -l)
bytes=$(du -sb "$sweepdir/exp" | cut -f1)
sync
read -r cwall cuser csys < <(timed cp -r "$sweepdir/exp" "$copydir/copy")
awk -v sw="$swall" -v su="$suser" -v ss="$ssys" -v cw="$cwall" -v cu="$cuser" -v cs="$csys" -v f="$files" -v b="$bytes" 'BEGIN {
  printf "disk (%s%s): sweep %.1f s wall (%.1f s CPU), cp -r of its %d files (%.0f MB) %.1f s wall (%.1f s CPU): ratio %.2f (goal <= 1.3)\n",
    "'"$DISK_DIR"'", "'"${FRESH_FS:+, fresh ext4}"'", sw, su + ss, f, b / 1e6, cw, cu + cs, sw / cw }'
