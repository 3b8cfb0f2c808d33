#!/usr/bin/env bash
# make run: the whole system on this machine, with its data under the
# git-ignored .run/: a demo district (reference data and six months of
# history, generated once and imported into the aggregator's journal), a
# local influxd, then whatever of the aggregator, firmware-sim and gateway is
# ready to run (a program that answers its
# command line with a usage error, exit status 2, is reported as "not
# available yet" and the rest keeps running). Each program runs in its own
# session, logs to .run/logs/NAME.log and is stopped by this script, in
# reverse order, on Ctrl-C (SIGINT) or SIGTERM; then it exits 0.
#
# One start_* function per component; later work extends them.
#   TIMECLOCK_RUN_INFLUX_PORT (8086), TIMECLOCK_RUN_INFLUX_RPC_PORT (8088),
#   TIMECLOCK_RUN_HTTP (127.0.0.1:8080), TIMECLOCK_RUN_MQTT (127.0.0.1:1883)
# shellcheck disable=SC2317 # the start_* functions are called as "start_$c"
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/lib.sh

ROOT=$PWD
RUN=$ROOT/.run
LOGS=$RUN/logs
INFLUX_PORT=${TIMECLOCK_RUN_INFLUX_PORT:-8086}
INFLUX_RPC_PORT=${TIMECLOCK_RUN_INFLUX_RPC_PORT:-8088}
INFLUX_URL=http://127.0.0.1:$INFLUX_PORT
HTTP_LISTEN=${TIMECLOCK_RUN_HTTP:-127.0.0.1:8080}
MQTT_LISTEN=${TIMECLOCK_RUN_MQTT:-127.0.0.1:1883}

names=() # running components, in start order
pids=()

# ---- process handling ----------------------------------------------------

# launch NAME COMMAND...: starts the command in the background in a session
# of its own (so Ctrl-C reaches only this script, which stops the programs in
# order), output appended to .run/logs/NAME.log.
launch() {
	local name=$1
	shift
	printf '\n===== %s: %s =====\n' "$(date -u +%Y-%m-%dT%H:%M:%SZ)" "$*" >>"$LOGS/$name.log"
	setsid "$@" </dev/null >>"$LOGS/$name.log" 2>&1 &
	local pid=$!
	echo "$pid" >"$RUN/$name.pid"
	names+=("$name")
	pids+=("$pid")
}

# forget NAME: drops a component that has exited from the lists.
forget() {
	local i
	for i in "${!names[@]}"; do
		if [ "${names[$i]}" = "$1" ]; then
			unset 'names[i]' 'pids[i]'
		fi
	done
	names=("${names[@]}")
	pids=("${pids[@]}")
	rm -f "$RUN/$1.pid"
}

# settle NAME: gives a just-started program a moment; if it exits, reports
# how. Returns 0 if it is still running, 2 for a usage error, 1 otherwise.
settle() {
	local name=$1 pid=${pids[-1]} i status=0
	for i in $(seq 30); do
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.1
	done
	kill -0 "$pid" 2>/dev/null && return 0
	wait "$pid" || status=$?
	forget "$name"
	if [ "$status" = 2 ]; then
		# The first line this run wrote says why.
		say "$name: not available yet: $(awk '/^===== /{why=""; next} why=="" && NF {why=$0} END {print why}' "$LOGS/$name.log")"
		return 2
	fi
	say "$name exited at start (status $status); the end of $LOGS/$name.log:"
	tail -n 20 "$LOGS/$name.log" | sed 's/^/    /'
	return 1
}

# stop_all: SIGTERM to each program's process group, newest first (the
# gateways flush to the aggregator, the aggregator to influxd), then waits;
# SIGKILL after 15 s.
stop_all() {
	local i pid name
	for ((i = ${#pids[@]} - 1; i >= 0; i--)); do
		pid=${pids[$i]} name=${names[$i]}
		say "stopping $name (pid $pid)"
		kill -TERM -- "-$pid" 2>/dev/null || true
		for _ in $(seq 150); do
			kill -0 "$pid" 2>/dev/null || break
			sleep 0.1
		done
		if kill -0 "$pid" 2>/dev/null; then
			say "$name did not stop within 15 s: killing it"
			kill -KILL -- "-$pid" 2>/dev/null || true
		fi
		wait "$pid" 2>/dev/null || true
		rm -f "$RUN/$name.pid"
	done
	names=() pids=()
}

# stop_stale: a program left running by an earlier run that was killed
# (its pid file remains, and the process still runs our binary) is stopped.
stop_stale() {
	local f pid
	for f in "$RUN"/*.pid; do
		[ -e "$f" ] || continue
		pid=$(cat "$f")
		if [ -n "$pid" ] && tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -qF "$ROOT/"; then
			say "stopping $(basename "$f" .pid) left from an earlier run (pid $pid)"
			kill -TERM -- "-$pid" 2>/dev/null || kill -TERM "$pid" 2>/dev/null || true
			for _ in $(seq 150); do
				kill -0 "$pid" 2>/dev/null || break
				sleep 0.1
			done
			kill -KILL -- "-$pid" 2>/dev/null || true
		fi
		rm -f "$f"
	done
}

# http_status HOSTPORT PATH: prints the HTTP status of a GET (bash's
# /dev/tcp: no curl needed on a fresh machine).
http_status() {
	local host=${1%:*} port=${1##*:} fd code=
	exec {fd}<>"/dev/tcp/$host/$port" || return 1
	printf 'GET %s HTTP/1.0\r\nHost: %s\r\n\r\n' "$2" "$1" >&"$fd"
	read -r -t 5 _ code _ <&"$fd" || true
	exec {fd}>&-
	echo "$code"
}

port_busy() { (exec 3<>"/dev/tcp/${1%:*}/${1##*:}") 2>/dev/null; }

# ---- components ----------------------------------------------------------

start_influxd() {
	local bin dir=$RUN/influxd
	bin=$(influxd_bin) || die "influxd not found: run make deps"
	port_busy "127.0.0.1:$INFLUX_PORT" &&
		die "port $INFLUX_PORT is in use (another InfluxDB?): stop it, or set TIMECLOCK_RUN_INFLUX_PORT"
	mkdir -p "$dir"
	cat >"$dir/influxdb.conf" <<-CONF
		# written by scripts/run.sh
		reporting-disabled = true
		bind-address = "127.0.0.1:$INFLUX_RPC_PORT"
		[meta]
		  dir = "$dir/meta"
		[data]
		  dir = "$dir/data"
		  wal-dir = "$dir/wal"
		  query-log-enabled = false
		[monitor]
		  store-enabled = false
		[http]
		  bind-address = "127.0.0.1:$INFLUX_PORT"
		  log-enabled = false
		  flux-enabled = true
		[logging]
		  level = "warn"
		  suppress-logo = true
	CONF
	launch influxd "$bin" run -config "$dir/influxdb.conf"
	local i
	for i in $(seq 300); do
		[ "$(http_status "127.0.0.1:$INFLUX_PORT" /ping 2>/dev/null)" = 204 ] && return 0
		kill -0 "${pids[-1]}" 2>/dev/null || break
		sleep 0.1
	done
	tail -n 20 "$LOGS/influxd.log" | sed 's/^/    /'
	die "influxd did not come up on $INFLUX_URL (log: $LOGS/influxd.log)"
}

# The demo district: reference data and about six months of history,
# generated once by firmware-sim into .run/data (delete it for a new one).
DATA=$RUN/data
BOARD=nakatsu
SCHOOL=nakatsu-e01

prepare_data() {
	[ -e "$DATA/roster.csv" ] && return 0
	local from to status=0
	from=$(date -d "$(date +%Y-%m-01) -6 months" +%F)
	to=$(date -d '2 days ago' +%F)
	mkdir -p "$DATA"
	"$ROOT/bin/firmware-sim" history -out "$DATA" -boards "$BOARD" -schools 2 -staff 10 \
		-from "$from" -to "$to" >>"$LOGS/history.log" 2>&1 || status=$?
	if [ "$status" != 0 ]; then
		say "demo data: not available yet (firmware-sim history: status $status, see $LOGS/history.log)"
		rm -rf "$DATA"
		return 0
	fi
	say "demo data   $DATA ($(tail -n 1 "$LOGS/history.log"))"
}

# The history goes into the aggregator's journal once (import appends to a
# stopped aggregator's journal; bad lines make status 1, the good ones count).
import_history() {
	local marker=$RUN/aggregator/imported status=0
	[ -e "$DATA/events.jsonl" ] && [ ! -e "$marker" ] || return 0
	"$ROOT/bin/aggregator" import -events "$DATA/events.jsonl" -data "$DATA" -state "$RUN/aggregator" \
		>>"$LOGS/import.log" 2>&1 || status=$?
	case $status in
	0 | 1) touch "$marker" ;;
	*) say "history import: not available yet (status $status, see $LOGS/import.log)" ;;
	esac
}

# A demo administrator for the live page; its token is shown at each start.
USERS=$RUN/users.csv
TOKEN=$RUN/demo-admin.token

make_user() {
	[ -e "$USERS" ] && [ -s "$TOKEN" ] && return 0
	rm -f "$USERS"
	(umask 077 && "$ROOT/bin/aggregator" users add -file "$USERS" -user demo-admin -role admin \
		>"$TOKEN" 2>>"$LOGS/users.log") || rm -f "$USERS" "$TOKEN"
}

start_aggregator() {
	mkdir -p "$RUN/aggregator"
	local extra=()
	if [ -e "$DATA/roster.csv" ]; then
		import_history
		extra+=(-data "$DATA")
	fi
	make_user
	if [ -e "$USERS" ]; then
		extra+=(-users "$USERS")
	fi
	launch aggregator "$ROOT/bin/aggregator" serve \
		-state "$RUN/aggregator" \
		-influx-url "$INFLUX_URL" -influx-db timeclock -influx-create-db \
		-http-listen "$HTTP_LISTEN" -broker-listen "$MQTT_LISTEN" "${extra[@]}"
	settle aggregator
}

# The emulated entrance reader: an RC-S620S on a pseudo-terminal, reached
# through the link .run/firmware-sim/entrance, with a random tap of a demo
# staff card every 10 s on average. The gateway reading it trusts this
# machine's clock (a Pi checks NTP), so taps go out at once.
READER_LINK=$RUN/firmware-sim/entrance

start_firmware_sim() {
	mkdir -p "$RUN/firmware-sim"
	local cards=()
	if [ -e "$DATA/roster.csv" ]; then
		cards=(-cards "$DATA/roster.csv") # taps of the demo staff
	fi
	launch firmware-sim "$ROOT/bin/firmware-sim" \
		-reader "name=entrance kind=rcs620s link=$READER_LINK" -rate 0.1 "${cards[@]}"
	settle firmware-sim
}

start_gateway() {
	mkdir -p "$RUN/gateway"
	local reader=()
	if [ -e "$READER_LINK" ]; then
		reader=(-reader "name=entrance kind=rcs620s path=$READER_LINK")
	fi
	launch gateway "$ROOT/bin/gateway" run \
		-board "$BOARD" -school "$SCHOOL" -gateway gw-demo -clock-sync assume \
		-spool-dir "$RUN/gateway" -broker "tcp://$MQTT_LISTEN" "${reader[@]}"
	settle gateway
}

# ---- main ----------------------------------------------------------------

for b in aggregator firmware-sim gateway; do
	[ -x "bin/$b" ] || die "bin/$b is missing: run make build (make run does)"
done
mkdir -p "$LOGS"
stop_stale

stopping=
trap 'stopping=1' INT TERM
# A failure from here on stops what was started.
trap 'status=$?; if [ ${#pids[@]} -gt 0 ]; then stop_all; fi; exit $status' EXIT

prepare_data
start_influxd
say "influxd     $INFLUX_URL  (InfluxQL: $INFLUX_URL/query, Flux and v2 writes: bucket timeclock/autogen)"
for c in aggregator firmware_sim gateway; do
	[ -z "$stopping" ] || break
	"start_$c" || [ $? = 2 ] || { stop_all; exit 1; }
done
if [[ " ${names[*]} " == *" aggregator "* ]]; then
	say "live page   http://$HTTP_LISTEN/$([ -s "$TOKEN" ] && echo "  (log in with the token $(head -n 1 "$TOKEN"), kept in $TOKEN)")"
	say "MQTT        tcp://$MQTT_LISTEN (the aggregator's embedded broker)"
else
	say "live page   http://$HTTP_LISTEN/ once the aggregator serves"
fi
say "logs        $LOGS/"
say "running: ${names[*]} — Ctrl-C stops"

# Wait until a signal, or until a program exits on its own (reported; the
# others keep running unless it was influxd).
while [ -z "$stopping" ] && [ ${#pids[@]} -gt 0 ]; do
	status=0
	wait -n -p done_pid "${pids[@]}" || status=$?
	[ -z "$stopping" ] || break
	[ -n "${done_pid:-}" ] || continue
	for i in "${!pids[@]}"; do
		if [ "${pids[$i]}" = "$done_pid" ]; then
			name=${names[$i]}
			say "$name exited (status $status); the end of $LOGS/$name.log:"
			tail -n 20 "$LOGS/$name.log" | sed 's/^/    /'
			forget "$name"
			if [ "$name" = influxd ]; then
				stop_all
				exit 1
			fi
			break
		fi
	done
	done_pid=
done
stop_all
say "stopped"
trap - EXIT
exit 0
