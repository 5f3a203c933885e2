#!/bin/sh
# A single-node Slurm on this machine, for trying the job arrays of
# contrib/slurm/ and for tests/integration/slurm.sh: Debian's slurm-wlm and
# munge, loopback only, everything in one private directory.
#
#   contrib/slurm/local.sh start   start munged, slurmctld and slurmd; print
#                                  the environment the Slurm commands need
#                                  (eval "$(contrib/slurm/local.sh start)")
#   contrib/slurm/local.sh stop    stop the daemons it started (by their pids)
#
# REPOCAST_SLURM_DIR (default /tmp/repocast-slurm) holds slurm.conf,
# cgroup.conf, a munge key and socket of its own (a system munged, if any,
# is left alone), the controller's state, the logs and the pids. The node
# is this machine under its short host name, with its CPUs; the daemons
# listen on two free ports picked at start. Accounting is off
# (accounting_storage/none): each job's end, with its exit code, is written
# by jobcomp/filetxt to $REPOCAST_SLURM_DIR/jobcomp.log. Needs root
# (SlurmUser=root; munged runs as the munge user). Needs: slurm-wlm munge
# python3 (sh mk/deps.sh slurm-wlm munge).
set -eu

D=${REPOCAST_SLURM_DIR:-/tmp/repocast-slurm}
HOST=$(hostname -s)

die() {
	echo "local.sh: $*" >&2
	exit 1
}

# A TCP port on 127.0.0.1 that nothing listens on now.
free_port() {
	python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

alive() {
	[ -f "$D/$1.pid" ] && [ "$(cat "/proc/$(cat "$D/$1.pid")/comm" 2>/dev/null)" = "$1" ]
}

write_conf() {
	cpus=$(nproc)
	cat > "$D/slurm.conf" <<EOC
# written by contrib/slurm/local.sh
ClusterName=local
SlurmctldHost=$HOST(127.0.0.1)
SlurmctldPort=$(free_port)
SlurmdPort=$(free_port)
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
AuthInfo=socket=$D/munge/munge.socket
CredType=cred/munge
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
JobAcctGatherType=jobacct_gather/linux
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/filetxt
JobCompLoc=$D/jobcomp.log
StateSaveLocation=$D/state
SlurmdSpoolDir=$D/spool
SlurmctldPidFile=$D/slurmctld.pid
SlurmdPidFile=$D/slurmd.pid
SlurmctldLogFile=$D/slurmctld.log
SlurmdLogFile=$D/slurmd.log
ReturnToService=2
MpiDefault=none
# Bind to the addresses above (127.0.0.1), not to every address of the machine.
CommunicationParameters=NoCtldInAddrAny,NoInAddrAny
NodeName=$HOST NodeAddr=127.0.0.1 CPUs=$cpus RealMemory=1000 State=UNKNOWN
PartitionName=debug Nodes=$HOST Default=YES MaxTime=INFINITE State=UP
EOC
	# Next to slurm.conf. cgroup/v1 with nothing mounted: slurmd on 22.05
	# does not start with CgroupPlugin=disabled.
	printf 'CgroupPlugin=cgroup/v1\nCgroupAutomount=no\n' > "$D/cgroup.conf"
}

start_munge() {
	mkdir -p "$D/munge"
	chown munge:munge "$D/munge"
	chmod 0700 "$D/munge"
	if [ ! -f "$D/munge/munge.key" ]; then
		runuser -u munge -- mungekey --create --keyfile="$D/munge/munge.key"
	fi
	runuser -u munge -- munged --force --socket="$D/munge/munge.socket" \
	    --key-file="$D/munge/munge.key" --pid-file="$D/munge/munged.pid" \
	    --log-file="$D/munge/munged.log" --seed-file="$D/munge/munged.seed" ||
	    die "munged did not start: $(tail -n 3 "$D/munge/munged.log" 2>/dev/null)"
	cp "$D/munge/munged.pid" "$D/munged.pid"
	munge --socket="$D/munge/munge.socket" -n | unmunge --socket="$D/munge/munge.socket" \
	    >/dev/null || die "munge does not answer on $D/munge/munge.socket"
}

start() {
	[ "$(id -u)" -eq 0 ] || die "needs root (SlurmUser=root; munged runs as 'munge')"
	for c in slurmctld slurmd munged sinfo; do
		command -v "$c" >/dev/null 2>&1 ||
		    die "'$c' is missing: install Debian's slurm-wlm and munge (sh mk/deps.sh slurm-wlm munge)"
	done
	if alive slurmctld || alive slurmd || alive munged; then
		die "already running in $D (contrib/slurm/local.sh stop first)"
	fi
	mkdir -p "$D/state" "$D/spool"
	chmod 0755 "$D"
	write_conf
	export SLURM_CONF="$D/slurm.conf"
	start_munge
	slurmctld -i || die "slurmctld did not start: $(tail -n 5 "$D/slurmctld.log" 2>/dev/null)"
	slurmd -N "$HOST" || die "slurmd did not start: $(tail -n 5 "$D/slurmd.log" 2>/dev/null)"
	i=0
	until [ "$(sinfo -h -N -o %t 2>/dev/null)" = idle ]; do
		i=$((i + 1))
		[ "$i" -lt 150 ] || die "node '$HOST' not idle after 30 s: $(sinfo -N 2>&1 | tail -n 2)"
		sleep 0.2
	done
	echo "export SLURM_CONF=$D/slurm.conf"
	echo "local.sh: single-node Slurm up: node $HOST, partition debug ($D)" >&2
}

stop() {
	pids=
	for p in slurmd slurmctld munged; do
		[ -f "$D/$p.pid" ] || continue
		pid=$(cat "$D/$p.pid")
		# Only the daemon itself: a stale pid file may name someone else now.
		if [ "$(cat "/proc/$pid/comm" 2>/dev/null)" = "$p" ] && kill "$pid" 2>/dev/null; then
			pids="$pids $pid"
		fi
		rm -f "$D/$p.pid"
	done
	# Each takes a second or two to go; together, not one after another.
	i=0
	for pid in $pids; do
		while kill -0 "$pid" 2>/dev/null && [ "$i" -lt 100 ]; do
			sleep 0.1
			i=$((i + 1))
		done
		kill -KILL "$pid" 2>/dev/null || true
	done
}

case "${1:-}" in
start) start ;;
stop) stop ;;
*) echo "usage: contrib/slurm/local.sh start|stop" >&2; exit 2 ;;
esac
