#!/usr/bin/env bash
# A real single-node Slurm on this machine, for the Slurm executor's tests and
# for trying bilancio-executor-slurm by hand (Debian 12, as root; no systemd
# needed). The configuration is the one measured in spec/slurm.md: Debian's
# munge, slurmctld, slurmd and slurm-client, no cgroups, no DNS.
#
#   scripts/slurm.sh up      install what is missing, write the configuration,
#                            start munged, slurmctld and slurmd; wait for the
#                            node to be idle (about 5 s from nothing)
#   scripts/slurm.sh down    cancel every job, stop the daemons
#   scripts/slurm.sh status  say what runs
#
# SLURM_ACCOUNTING=1 (or `up -accounting`) adds slurmdbd and MariaDB, so that
# sacct works (about 10 s more the first time). Running `up` again with the
# other setting restarts slurmctld with it. bilancio's executor never needs
# sacct: only its tests read it.
#
# `make slurm-up` / `make slurm-down` call this script; so does .ci/run.
set -euo pipefail

host=$(hostname -s)
conf_dir=/etc/slurm
log_dir=/var/log/slurm
accounting=${SLURM_ACCOUNTING:-0}

say() { printf 'slurm.sh: %s\n' "$*" >&2; }
die() { say "$*"; exit 1; }

# pid_alive FILE: the process whose id FILE holds is running.
pid_alive() { [ -s "$1" ] && kill -0 "$(cat "$1")" 2>/dev/null; }

# stop_pids NAME:FILE...: stop the daemons whose ids the FILEs hold, all at
# once, waiting up to 10 s for them (then killing what is left).
stop_pids() {
  local d file pids=() names=()
  for d in "$@"; do
    file=${d#*:}
    if pid_alive "$file"; then
      pids+=("$(cat "$file")"); names+=("${d%%:*}")
      kill "$(cat "$file")" 2>/dev/null || true
    fi
    rm -f "$file"
  done
  [ ${#pids[@]} -eq 0 ] && return 0
  for _ in $(seq 100); do
    local alive=0 p
    for p in "${pids[@]}"; do kill -0 "$p" 2>/dev/null && alive=1; done
    [ $alive = 0 ] && return 0
    sleep 0.1
  done
  say "${names[*]}: not all stopped within 10 s, killing them"
  kill -9 "${pids[@]}" 2>/dev/null || true
}

# wait_for SECONDS DESCRIPTION COMMAND...: run COMMAND every 0.1 s until it
# succeeds.
wait_for() {
  local secs=$1 what=$2; shift 2
  for _ in $(seq $((secs * 10))); do
    "$@" >/dev/null 2>&1 && return 0
    sleep 0.1
  done
  die "$what did not happen within ${secs} s"
}

install_packages() {
  local want=(munge slurmctld slurmd slurm-client) missing=()
  [ "$accounting" = 1 ] && want+=(slurmdbd mariadb-server)
  for p in "${want[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  command -v apt-get >/dev/null || die "cannot install ${missing[*]}: no apt-get (this script needs Debian or Ubuntu)"
  say "installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  # Package installs do not start services here (no systemd as PID 1); a
  # policy-rc.d that says so keeps it that way where there is one.
  apt-get install -y -q --no-install-recommends "${missing[@]}" >/dev/null \
    || { apt-get update -q >/dev/null && apt-get install -y -q --no-install-recommends "${missing[@]}" >/dev/null; }
}

start_munge() {
  [ -s /etc/munge/munge.key ] || mungekey --create
  install -d -o munge -g munge -m 0755 /run/munge
  if ! munge -n 2>/dev/null | unmunge >/dev/null 2>&1; then
    runuser -u munge -- /usr/sbin/munged --force
    wait_for 10 "munged answering" sh -c 'munge -n | unmunge'
  fi
}

start_mariadb() {
  install -d -o mysql -g mysql -m 0755 /run/mysqld
  if ! mysqladmin ping >/dev/null 2>&1; then
    # mariadbd stays in the foreground: detach it into its own session.
    setsid /usr/sbin/mariadbd --user=mysql --pid-file=/run/mysqld/mysqld.pid \
      --bind-address=127.0.0.1 --skip-networking=0 >"$log_dir/mariadb.log" 2>&1 < /dev/null &
    wait_for 30 "MariaDB answering" mysqladmin ping
  fi
  # root connects through the unix socket (Debian's default for root), so
  # slurmdbd, running as root, needs no password.
  mysql -e 'CREATE DATABASE IF NOT EXISTS slurm_acct_db'
}

start_slurmdbd() {
  local f=$conf_dir/slurmdbd.conf
  cat >"$f.new" <<CONF
AuthType=auth/munge
DbdHost=localhost
DbdAddr=127.0.0.1
SlurmUser=root
LogFile=$log_dir/slurmdbd.log
PidFile=/run/slurmdbd.pid
StorageType=accounting_storage/mysql
StorageHost=localhost
StorageUser=root
StorageLoc=slurm_acct_db
CONF
  chmod 600 "$f.new"
  mv "$f.new" "$f"
  if ! pid_alive /run/slurmdbd.pid; then
    /usr/sbin/slurmdbd
    wait_for 30 "slurmdbd answering" sacctmgr -n list cluster
  fi
}

# write_conf writes slurm.conf and reports (exit status 0) whether it changed.
write_conf() {
  local node mem acct f=$conf_dir/slurm.conf
  node=$(slurmd -C | head -1)
  mem=$(sed -n 's/.*RealMemory=\([0-9]*\).*/\1/p' <<<"$node")
  node=$(sed "s/RealMemory=[0-9]*/RealMemory=$((mem * 95 / 100))/" <<<"$node")
  if [ "$accounting" = 1 ]; then
    acct="AccountingStorageType=accounting_storage/slurmdbd
AccountingStorageHost=localhost"
  else
    acct="AccountingStorageType=accounting_storage/none"
  fi
  cat >"$f.new" <<CONF
# Written by bilancio's scripts/slurm.sh: a single-node Slurm for tests.
ClusterName=ci
SlurmctldHost=$host(127.0.0.1)
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
CredType=cred/munge
StateSaveLocation=/var/spool/slurmctld
SlurmdSpoolDir=/var/spool/slurmd
SlurmctldPidFile=/run/slurmctld.pid
SlurmdPidFile=/run/slurmd.pid
SlurmctldLogFile=$log_dir/slurmctld.log
SlurmdLogFile=$log_dir/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
MpiDefault=none
MailProg=/bin/true
ReturnToService=2
SchedulerType=sched/backfill
SchedulerParameters=batch_sched_delay=0
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
JobAcctGatherType=jobacct_gather/linux
JobCompType=jobcomp/filetxt
JobCompLoc=$log_dir/jobcomp.log
$acct
MinJobAge=300
KillWait=5
PreemptType=preempt/partition_prio
PreemptMode=REQUEUE
$node NodeAddr=127.0.0.1 State=UNKNOWN
PartitionName=debug Nodes=ALL Default=YES MaxTime=INFINITE State=UP PriorityTier=1
PartitionName=high Nodes=ALL MaxTime=INFINITE State=UP PriorityTier=10
CONF
  if cmp -s "$f.new" "$f"; then rm -f "$f.new"; return 1; fi
  mv "$f.new" "$f"
  return 0
}

node_state() { sinfo -h -n "$host" -o %T 2>/dev/null | head -1; }

up() {
  [ "$(id -u)" = 0 ] || die "must run as root (it installs packages and starts system daemons)"
  install_packages
  install -d -m 0755 "$conf_dir" "$log_dir" /var/spool/slurmctld /var/spool/slurmd
  start_munge
  if write_conf; then
    # A changed configuration (first start, or accounting switched) needs
    # the daemons restarted.
    stop_pids slurmd:/run/slurmd.pid slurmctld:/run/slurmctld.pid
  fi
  if [ "$accounting" = 1 ]; then
    start_mariadb
    start_slurmdbd
  else
    stop_pids slurmdbd:/run/slurmdbd.pid mariadbd:/run/mysqld/mysqld.pid
  fi
  if ! pid_alive /run/slurmctld.pid; then
    /usr/sbin/slurmctld
  fi
  wait_for 30 "slurmctld answering (scontrol ping)" sh -c 'scontrol ping | grep -q UP'
  if ! pid_alive /run/slurmd.pid; then
    /usr/sbin/slurmd -N "$host"
  fi
  for _ in $(seq 300); do
    case "$(node_state)" in
      idle*|mixed*|allocated*) break ;;
      down*|drain*|fail*) scontrol update NodeName="$host" State=RESUME >/dev/null 2>&1 || true ;;
    esac
    sleep 0.1
  done
  case "$(node_state)" in
    idle*|mixed*|allocated*) ;;
    *) die "node $host is '$(node_state)', not idle, after 30 s (see $log_dir/slurmd.log)" ;;
  esac
  say "Slurm is up: node $host $(node_state), partitions $(sinfo -h -o %P | tr '\n' ' ')(accounting: $([ "$accounting" = 1 ] && echo slurmdbd || echo none))"
}

down() {
  if pid_alive /run/slurmctld.pid; then
    scancel --full --quiet --user=root 2>/dev/null || true
    scancel --quiet --state=PENDING 2>/dev/null || true
    scancel --quiet 2>/dev/null || true
    # Let slurmd see the cancellations before it goes.
    for _ in $(seq 50); do [ -z "$(squeue -h -o %i 2>/dev/null)" ] && break; sleep 0.1; done
  fi
  stop_pids slurmd:/run/slurmd.pid slurmctld:/run/slurmctld.pid slurmdbd:/run/slurmdbd.pid
  stop_pids mariadbd:/run/mysqld/mysqld.pid munged:/run/munge/munged.pid
  say "Slurm is down"
}

status() {
  local d
  for d in munged:/run/munge/munged.pid mariadbd:/run/mysqld/mysqld.pid slurmdbd:/run/slurmdbd.pid \
           slurmctld:/run/slurmctld.pid slurmd:/run/slurmd.pid; do
    if pid_alive "${d#*:}"; then echo "${d%%:*}: running (pid $(cat "${d#*:}"))"; else echo "${d%%:*}: stopped"; fi
  done
  if pid_alive /run/slurmctld.pid; then sinfo; squeue; fi
}

cmd=${1:-}
shift || true
for a in "$@"; do
  case "$a" in
    -accounting|--accounting) accounting=1 ;;
    *) die "unknown option $a" ;;
  esac
done
case "$cmd" in
  up) up ;;
  down) down ;;
  status) status ;;
  *) die "usage: $0 up [-accounting] | down | status" ;;
esac
