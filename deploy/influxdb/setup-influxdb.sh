#!/usr/bin/env bash
# setup-influxdb.sh — InfluxDB 1.8 for the timeclock, through the HTTP /query
# API (curl): the database, its default retention policy, and users with
# least privilege: an admin (created first, when the server has no user
# yet), the aggregator (READ and WRITE on the database, nothing else: it
# reads back only the list of its series, to drop those a roster change
# left) and Grafana (READ). Passwords come from files in --secrets DIR, made there on the
# first run (0600), so the same run on another day changes nothing.
# InfluxDB 2.x and 3: see README.md beside this script.
set -euo pipefail

URL=http://127.0.0.1:8086
DB=timeclock
RP=timeclock
DURATION=520w # ten years; the journal stays the record, this can be rebuilt
SHARD=4w
SECRETS=/etc/timeclock/influxdb
ADMIN="admin"
AGGREGATOR=timeclock-aggregator
GRAFANA=grafana

usage() {
	cat <<'EOF'
usage: setup-influxdb.sh [options]
  --url URL            InfluxDB 1.8 HTTP API (default http://127.0.0.1:8086)
  --db NAME            database (default timeclock)
  --rp NAME            default retention policy (default timeclock)
  --duration D         how long points are kept (default 520w; INF keeps them forever)
  --shard-duration D   shard group length (default 4w)
  --secrets DIR        password files ADMIN.password, AGGREGATOR.password, GRAFANA.password
                       (default /etc/timeclock/influxdb; missing ones are generated)
  --admin-user U       (default admin)
  --aggregator-user U  (default timeclock-aggregator)
  --grafana-user U     (default grafana)
EOF
}

say() { printf 'setup-influxdb: %s\n' "$*"; }
die() {
	printf 'setup-influxdb: エラー / error: %s\n' "$*" >&2
	exit 1
}

parse() {
	while (($#)); do
		case $1 in
		--url) URL=${2:?}; shift ;;
		--db) DB=${2:?}; shift ;;
		--rp) RP=${2:?}; shift ;;
		--duration) DURATION=${2:?}; shift ;;
		--shard-duration) SHARD=${2:?}; shift ;;
		--secrets) SECRETS=${2:?}; shift ;;
		--admin-user) ADMIN=${2:?}; shift ;;
		--aggregator-user) AGGREGATOR=${2:?}; shift ;;
		--grafana-user) GRAFANA=${2:?}; shift ;;
		-h | --help) usage; exit 0 ;;
		*) die "unknown option $1 (see --help)" ;;
		esac
		shift
	done
	local n
	for n in "$DB" "$RP" "$ADMIN" "$AGGREGATOR" "$GRAFANA"; do
		[[ $n =~ ^[a-z][a-z0-9_-]{0,39}$ ]] || die "\"$n\": names want [a-z][a-z0-9_-]{0,39}"
	done
	for n in "$DURATION" "$SHARD"; do
		[[ $n =~ ^([0-9]+[hdw]|INF)$ ]] || die "duration \"$n\": want e.g. 520w, 30d, 24h or INF"
	done
	[[ $ADMIN != "$AGGREGATOR" && $ADMIN != "$GRAFANA" && $AGGREGATOR != "$GRAFANA" ]] ||
		die "the admin, aggregator and Grafana users must be three different users"
}

# secret USER: the user's password, generated into SECRETS/USER.password on
# first use. Hex, so it needs no quoting inside InfluxQL.
secret() {
	local f=$SECRETS/$1.password
	if [[ ! -s $f ]]; then
		(umask 077 && od -An -N16 -tx1 /dev/urandom | tr -d ' \n' >"$f")
		say "generated the password of $1 in $f" >&2
	fi
	local pw
	pw=$(<"$f")
	[[ $pw =~ ^[A-Za-z0-9._~+/=-]{8,}$ ]] || die "$f: want 8 or more of [A-Za-z0-9._~+/=-] (no quotes)"
	printf '%s' "$pw"
}

# query STATEMENT [AS-ADMIN]: POST /query, the statement and the credentials
# in files given to curl, so no password shows in the process list. Prints
# the JSON answer; fails on an HTTP or a statement error.
query() {
	local stmt=$1 auth=${2:-admin} out code
	printf '%s' "$stmt" >"$WORK/q"
	: >"$WORK/curlrc"
	if [[ $auth == admin ]]; then
		printf 'user = "%s:%s"\n' "$ADMIN" "$ADMIN_PW" >"$WORK/curlrc"
	fi
	out=$WORK/answer
	code=$(curl -sS -K "$WORK/curlrc" -o "$out" -w '%{http_code}' --data-urlencode "q@$WORK/q" "$URL/query") ||
		die "InfluxDB at $URL does not answer (is influxd running? systemctl status influxdb)"
	if [[ $code != 200 ]] || grep -q '"error"' "$out"; then
		printf '%s\n' "$(<"$out")" >&2
		return 1
	fi
	cat "$out"
}

# users prints "name admin" per user.
users() {
	query "SHOW USERS" | grep -o '\["[^"]*",\(true\|false\)\]' | tr -d '[]"' | tr ',' ' '
}

# bootstrap creates the admin on a server with authentication and no user
# yet: the one statement InfluxDB then accepts without credentials.
bootstrap() {
	local answer
	if query "SHOW USERS" >/dev/null 2>&1; then return 0; fi
	answer=$(query "SHOW USERS" none 2>&1) && return 0
	if grep -q "create admin user first" <<<"$answer"; then
		query "CREATE USER \"$ADMIN\" WITH PASSWORD '$ADMIN_PW' WITH ALL PRIVILEGES" none >/dev/null
		say "created the admin user $ADMIN"
		return 0
	fi
	die "InfluxDB refused the admin $ADMIN with the password in $SECRETS/$ADMIN.password: $answer"
}

# ensure_user NAME PASSWORD PRIVILEGE: the user exists, is no admin, has the
# password of its file and only PRIVILEGE on the database.
ensure_user() {
	local name=$1 pw=$2 priv=$3 is_admin
	is_admin=$(users | awk -v u="$name" '$1 == u {print $2}')
	if [[ -z $is_admin ]]; then
		query "CREATE USER \"$name\" WITH PASSWORD '$pw'" >/dev/null
		say "created user $name"
	else
		query "SET PASSWORD FOR \"$name\" = '$pw'" >/dev/null
		if [[ $is_admin == true ]]; then
			query "REVOKE ALL PRIVILEGES FROM \"$name\"" >/dev/null
			say "took admin rights from $name"
		fi
	fi
	query "GRANT $priv ON \"$DB\" TO \"$name\"" >/dev/null
	say "user $name: $priv on $DB only"
}

main() {
	parse "$@"
	command -v curl >/dev/null || die "curl not found: apt-get install curl"
	mkdir -p "$SECRETS"
	chmod 0700 "$SECRETS"
	WORK=$(mktemp -d)
	trap 'rm -rf "$WORK"' EXIT
	ADMIN_PW=$(secret "$ADMIN")
	local agg_pw graf_pw
	agg_pw=$(secret "$AGGREGATOR")
	graf_pw=$(secret "$GRAFANA")

	bootstrap
	if [[ -z $(users | awk -v u="$ADMIN" '$1 == u && $2 == "true"') ]]; then
		query "CREATE USER \"$ADMIN\" WITH PASSWORD '$ADMIN_PW' WITH ALL PRIVILEGES" >/dev/null
		say "created the admin user $ADMIN"
	fi
	query "CREATE DATABASE \"$DB\"" >/dev/null
	if query "SHOW RETENTION POLICIES ON \"$DB\"" | grep -q "\[\"$RP\","; then
		query "ALTER RETENTION POLICY \"$RP\" ON \"$DB\" DURATION $DURATION SHARD DURATION $SHARD DEFAULT" >/dev/null
	else
		query "CREATE RETENTION POLICY \"$RP\" ON \"$DB\" DURATION $DURATION REPLICATION 1 SHARD DURATION $SHARD DEFAULT" >/dev/null
		say "created retention policy $RP on $DB ($DURATION, the default)"
	fi
	ensure_user "$AGGREGATOR" "$agg_pw" ALL
	ensure_user "$GRAFANA" "$graf_pw" READ

	if query "SHOW USERS" none >/dev/null 2>&1; then
		say "注意 / warning: InfluxDB answers without credentials: set auth-enabled = true in [http] of"
		say "  /etc/influxdb/influxdb.conf and restart it (systemctl restart influxdb), or the users protect nothing"
	fi
	cat <<EOF
setup-influxdb: done. For the aggregator (the user may not CREATE DATABASE, so turn that off):
  TIMECLOCK_INFLUX_URL=$URL
  TIMECLOCK_INFLUX_DB=$DB
  TIMECLOCK_INFLUX_USER=$AGGREGATOR
  TIMECLOCK_INFLUX_PASSWORD=<the content of $SECRETS/$AGGREGATOR.password>
  TIMECLOCK_INFLUX_CREATE_DB=false
For Grafana's InfluxDB data source (InfluxQL): database $DB, user $GRAFANA, password in $SECRETS/$GRAFANA.password.
EOF
}

main "$@"
