#!/usr/bin/env bash
# mqtt-creds.sh — credentials of the timeclock's Mosquitto broker: a small CA
# per board (openssl), the broker's certificate, and for every gateway and
# aggregator a user (mosquitto_passwd), a client certificate and its lines of
# the ACL. Everything lives in one state directory (default
# /etc/mosquitto/timeclock, the paths of deploy/mosquitto/mosquitto.conf):
#
#   ca/<board>/ca.key, ca.crt   the board's CA (the key never leaves this dir)
#   ca-bundle.crt               every board's CA: the broker trusts client
#                               certificates of any of them
#   server/server.key, .crt     the broker's certificate; server/issuer names
#                               the board CA that issued it
#   passwd, acl                 Mosquitto's password file and ACL
#   clients.tsv                 the registry the ACL is generated from
#   clients/<user>/             what the client needs: ca.crt (verifies the
#                               broker), client.crt, client.key, password
#
# Every command is idempotent: run again, it keeps what is valid and changes
# nothing. Run `mqtt-creds.sh help` for the commands.
set -euo pipefail

readonly DEFAULT_DIR=/etc/mosquitto/timeclock
DIR=$DEFAULT_DIR
RELOAD=auto # auto: only for the default directory and a running broker
DAYS=3650
CA_DAYS=7300
RENEW=false
BOARDS=()
HOSTS=()
IPS=()
SCHOOL=""
GATEWAY=""
USER_NAME=""
CMD=""
CHANGED_AUTH=false # passwd or acl changed: the broker must reload
CHANGED_TLS=false  # CA bundle or server certificate changed: restart
DROP_CLIENTS=false # a user was revoked: restart, so its live connection ends too

usage() {
	cat <<'EOF'
usage: mqtt-creds.sh [--dir DIR] [--reload|--no-reload] COMMAND [options]

commands:
  ca --board B                       create board B's CA (once)
  server --board B --host NAME [--host NAME2] [--ip ADDR]...
                                     the broker's certificate, issued by B's CA,
                                     for the names gateways connect to
  gateway --board B --school S --gateway G
                                     user G (the gateway id), its certificate of
                                     B's CA, and an ACL for its own topics only
  aggregator --user U --board B [--board B2]...
                                     user U reading the punches and statuses of
                                     the boards and writing their feedback
  revoke --user U                    remove U's password, ACL lines and files
  acl                                regenerate the ACL from clients.tsv
  list                               show the registered clients

options:
  --dir DIR        state directory (default /etc/mosquitto/timeclock)
  --days N         validity of server and client certificates (default 3650)
  --renew          issue a new certificate and password even if valid ones exist
  --reload         reload (ACL, passwords) or restart (TLS) the broker after a change
  --no-reload      never touch the running broker
EOF
}

say() { printf 'mqtt-creds: %s\n' "$*"; }
die() {
	printf 'mqtt-creds: エラー / error: %s\n' "$*" >&2
	exit 1
}

need() {
	command -v "$1" >/dev/null 2>&1 || die "$1 not found; install it: $2"
}

valid_name() { [[ $1 =~ ^[a-z0-9-]{1,40}$ ]]; }

check_name() { # what value
	valid_name "$2" || die "$1 \"$2\": want 1 to 40 of [a-z0-9-] (FORMATS.md §1)"
}

parse() {
	while (($#)); do
		case $1 in
		--dir) DIR=${2:?--dir needs a value}; shift ;;
		--days) DAYS=${2:?--days needs a value}; shift ;;
		--board) BOARDS+=("${2:?--board needs a value}"); shift ;;
		--school) SCHOOL=${2:?--school needs a value}; shift ;;
		--gateway) GATEWAY=${2:?--gateway needs a value}; shift ;;
		--user) USER_NAME=${2:?--user needs a value}; shift ;;
		--host) HOSTS+=("${2:?--host needs a value}"); shift ;;
		--ip) IPS+=("${2:?--ip needs a value}"); shift ;;
		--renew) RENEW=true ;;
		--reload) RELOAD=yes ;;
		--no-reload) RELOAD=no ;;
		-h | --help | help) usage; exit 0 ;;
		-*) die "unknown option $1 (see mqtt-creds.sh help)" ;;
		*)
			[[ -z $CMD ]] || die "unexpected argument $1"
			CMD=$1
			;;
		esac
		shift
	done
	[[ -n $CMD ]] || { usage >&2; exit 2; }
	[[ $DAYS =~ ^[1-9][0-9]*$ ]] || die "--days $DAYS: want a positive number"
	for b in "${BOARDS[@]}"; do check_name board "$b"; done
}

# one_board returns the single --board the command needs.
one_board() {
	((${#BOARDS[@]} == 1)) || die "$CMD needs exactly one --board"
	printf '%s' "${BOARDS[0]}"
}

# put writes stdin to $1 with mode $2 (and the broker's group for the files
# Mosquitto reads, $3 = group) only if the content differs, so a second run
# leaves files, and their times, as they were. It reports whether it wrote.
put() {
	local target=$1 mode=$2 group=${3:-} tmp
	tmp=$(mktemp "$WORK/put.XXXXXX")
	cat >"$tmp"
	if [[ -f $target ]] && cmp -s "$tmp" "$target"; then
		rm -f "$tmp"
		fix_mode "$target" "$mode" "$group"
		return 1
	fi
	# Staged beside the target, so the rename is atomic for the broker.
	cp "$tmp" "$target.new"
	rm -f "$tmp"
	fix_mode "$target.new" "$mode" "$group"
	mv -f "$target.new" "$target"
	return 0
}

fix_mode() {
	chmod "$2" "$1"
	if [[ -n ${3:-} ]]; then chgrp "$3" "$1"; fi
}

# broker_group is the group Mosquitto runs as, when we can hand files to it.
broker_group() {
	if ((EUID == 0)) && getent group mosquitto >/dev/null; then
		printf mosquitto
	fi
}

openssl_cnf() {
	cat <<'EOF'
[req]
distinguished_name = dn
prompt = no
[dn]
CN = timeclock
[v3_ca]
basicConstraints = critical,CA:TRUE,pathlen:0
keyUsage = critical,keyCertSign,cRLSign
subjectKeyIdentifier = hash
[server]
basicConstraints = critical,CA:FALSE
keyUsage = critical,digitalSignature
extendedKeyUsage = serverAuth
authorityKeyIdentifier = keyid
subjectAltName = @alt
[client]
basicConstraints = critical,CA:FALSE
keyUsage = critical,digitalSignature
extendedKeyUsage = clientAuth
authorityKeyIdentifier = keyid
[alt]
EOF
	local i=1 h
	for h in "${HOSTS[@]}"; do printf 'DNS.%d = %s\n' "$i" "$h"; i=$((i + 1)); done
	i=1
	for h in "${IPS[@]}"; do printf 'IP.%d = %s\n' "$i" "$h"; i=$((i + 1)); done
}

new_key() { openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$1" 2>/dev/null; }

# issue signs a certificate for key $1 with subject $2, extensions $3, by the
# CA in directory $4, into $5.
issue() {
	local key=$1 subj=$2 ext=$3 ca=$4 out=$5 csr
	csr=$(mktemp "$WORK/csr.XXXXXX")
	openssl req -new -key "$key" -subj "$subj" -config "$WORK/openssl.cnf" -out "$csr"
	openssl x509 -req -in "$csr" -CA "$ca/ca.crt" -CAkey "$ca/ca.key" -sha256 -days "$DAYS" \
		-set_serial "0x$(openssl rand -hex 16)" -extfile "$WORK/openssl.cnf" -extensions "$ext" \
		-out "$out" 2>/dev/null
	rm -f "$csr"
}

# cert_ok tells whether certificate $1 with key $2 was issued by the CA
# certificate $3 and stays valid for 30 more days.
cert_ok() {
	local crt=$1 key=$2 ca=$3
	[[ -f $crt && -f $key && -f $ca ]] || return 1
	openssl verify -CAfile "$ca" "$crt" >/dev/null 2>&1 || return 1
	openssl x509 -in "$crt" -noout -checkend $((30 * 86400)) >/dev/null || return 1
	[[ $(openssl x509 -in "$crt" -noout -pubkey) == "$(openssl pkey -in "$key" -pubout 2>/dev/null)" ]]
}

ca_dir() { printf '%s/ca/%s' "$DIR" "$1"; }

require_ca() {
	[[ -f $(ca_dir "$1")/ca.crt ]] || die "board $1 has no CA yet: run mqtt-creds.sh ca --board $1"
}

cmd_ca() {
	local board ca
	board=$(one_board)
	ca=$(ca_dir "$board")
	if [[ -f $ca/ca.crt && -f $ca/ca.key ]]; then
		say "CA of board $board exists: $ca/ca.crt"
	else
		mkdir -p "$ca"
		chmod 0700 "$ca"
		new_key "$ca/ca.key"
		chmod 0600 "$ca/ca.key"
		openssl req -x509 -new -key "$ca/ca.key" -sha256 -days "$CA_DAYS" -config "$WORK/openssl.cnf" \
			-extensions v3_ca -subj "/O=timeclock/OU=$board/CN=timeclock $board CA" -out "$ca/ca.crt"
		chmod 0644 "$ca/ca.crt"
		say "created the CA of board $board: $ca/ca.crt"
	fi
	bundle_cas
}

# bundle_cas writes ca-bundle.crt, the broker's cafile: every board's CA.
bundle_cas() {
	local f files=()
	for f in "$DIR"/ca/*/ca.crt; do [[ -f $f ]] && files+=("$f"); done
	if cat "${files[@]}" | put "$DIR/ca-bundle.crt" 0644; then
		say "updated $DIR/ca-bundle.crt (${#files[@]} CA)"
		CHANGED_TLS=true
	fi
}

cmd_server() {
	local board ca srv names
	board=$(one_board)
	((${#HOSTS[@]} + ${#IPS[@]} > 0)) || die "server needs --host NAME (and/or --ip ADDR): the names gateways connect to"
	require_ca "$board"
	ca=$(ca_dir "$board")
	srv=$DIR/server
	mkdir -p "$srv"
	chmod 0750 "$srv"
	names="DNS:${HOSTS[*]} IP:${IPS[*]}"
	if ! $RENEW && cert_ok "$srv/server.crt" "$srv/server.key" "$ca/ca.crt" &&
		[[ -f $srv/names && $(<"$srv/names") == "$names" ]]; then
		say "broker certificate is valid for $names"
	else
		new_key "$srv/server.key.new"
		issue "$srv/server.key.new" "/O=timeclock/OU=$board/CN=${HOSTS[0]:-${IPS[0]}}" server "$ca" "$srv/server.crt.new"
		mv -f "$srv/server.key.new" "$srv/server.key"
		mv -f "$srv/server.crt.new" "$srv/server.crt"
		printf '%s\n' "$names" >"$srv/names"
		CHANGED_TLS=true
		say "issued the broker certificate for $names (CA of board $board)"
	fi
	fix_mode "$srv/server.key" 0640 "$(broker_group)"
	fix_mode "$srv/server.crt" 0644
	if printf '%s\n' "$board" | put "$srv/issuer" 0644; then CHANGED_TLS=true; fi
	if [[ -n $(broker_group) ]]; then chgrp "$(broker_group)" "$srv" "$DIR"; fi
	# Clients verify the broker with the CA that issued it.
	local u
	for u in "$DIR"/clients/*/; do
		[[ -d $u ]] || continue
		if put "${u}ca.crt" 0644 <"$ca/ca.crt"; then say "updated ${u}ca.crt"; fi
	done
}

# registry lines: "gateway USER BOARD SCHOOL" or "aggregator USER BOARD[,BOARD]".
registry_get() { # user → its line, or nothing
	[[ -f $DIR/clients.tsv ]] || return 0
	awk -v u="$1" '$1 !~ /^#/ && $2 == u' "$DIR/clients.tsv"
}

registry_set() { # user [line]: replace user's line with line (none: remove)
	local user=$1 line=${2:-}
	{
		printf '# timeclock MQTT clients (written by mqtt-creds.sh; the ACL is generated from it)\n'
		{
			if [[ -f $DIR/clients.tsv ]]; then awk -v u="$user" '$1 !~ /^#/ && NF && $2 != u' "$DIR/clients.tsv"; fi
			if [[ -n $line ]]; then printf '%s\n' "$line"; fi
		} | LC_ALL=C sort -k2,2
	} | put "$DIR/clients.tsv" 0600 || true
}

# acl_lines turns the registry into Mosquitto's ACL: explicit user blocks.
# A `pattern` with %u could pin the gateway level only; board and school
# would stay wildcards, and gateway ids are unique only within a school, so a
# gateway could publish as the namesake gateway of another school.
acl_lines() {
	printf '# Mosquitto ACL of the timeclock: generated by mqtt-creds.sh from clients.tsv; do not edit.\n'
	printf '# A client may use only the topics listed under its user; everything else is denied.\n'
	[[ -f $DIR/clients.tsv ]] || return 0
	awk '
		$1 ~ /^#/ || !NF { next }
		$1 == "gateway" {
			t = "timeclock/v1/" $3 "/" $4 "/" $2
			printf "\nuser %s\ntopic write %s/punch\ntopic write %s/status\ntopic read %s/feedback\n", $2, t, t, t
		}
		$1 == "aggregator" {
			printf "\nuser %s\n", $2
			n = split($3, bs, ",")
			for (i = 1; i <= n; i++) {
				t = "timeclock/v1/" bs[i] "/+/+"
				printf "topic read %s/punch\ntopic read %s/status\ntopic write %s/feedback\n", t, t, t
			}
		}' "$DIR/clients.tsv"
}

write_acl() {
	if acl_lines | put "$DIR/acl" 0640 "$(broker_group)"; then
		say "updated $DIR/acl"
		CHANGED_AUTH=true
	fi
}

# client_files makes the user's password and certificate (issued by the CA
# of board $2) unless valid ones exist.
client_files() {
	local user=$1 board=$2 ca cdir issuer
	ca=$(ca_dir "$board")
	cdir=$DIR/clients/$user
	[[ -f $DIR/server/issuer ]] || die "no broker certificate yet: run mqtt-creds.sh server --board $board --host NAME first"
	issuer=$(ca_dir "$(<"$DIR/server/issuer")")
	mkdir -p "$cdir"
	chmod 0700 "$DIR/clients" "$cdir"
	if ! $RENEW && cert_ok "$cdir/client.crt" "$cdir/client.key" "$ca/ca.crt"; then
		say "certificate of $user is valid"
	else
		new_key "$cdir/client.key"
		chmod 0600 "$cdir/client.key"
		issue "$cdir/client.key" "/O=timeclock/OU=$board/CN=$user" client "$ca" "$cdir/client.crt"
		say "issued the certificate of $user (CA of board $board)"
	fi
	put "$cdir/ca.crt" 0644 <"$issuer/ca.crt" || true
	if ! $RENEW && [[ -s $cdir/password && -f $DIR/passwd ]] && grep -q "^$user:" "$DIR/passwd"; then
		say "password of $user is set"
	else
		(umask 077 && openssl rand -hex 16 >"$cdir/password")
		local create=()
		[[ -f $DIR/passwd ]] || create=(-c)
		mosquitto_passwd "${create[@]}" -b "$DIR/passwd" "$user" "$(<"$cdir/password")"
		fix_mode "$DIR/passwd" 0640 "$(broker_group)"
		CHANGED_AUTH=true
		say "set a new password of $user"
	fi
}

cmd_gateway() {
	local board line old
	board=$(one_board)
	check_name school "$SCHOOL"
	check_name gateway "$GATEWAY"
	require_ca "$board"
	line="gateway $GATEWAY $board $SCHOOL"
	old=$(registry_get "$GATEWAY")
	if [[ -n $old && $old != "$line" ]]; then
		die "user $GATEWAY is already registered as \"$old\". Gateway ids are MQTT user names and must be unique on the broker; choose another id, or run: mqtt-creds.sh revoke --user $GATEWAY"
	fi
	client_files "$GATEWAY" "$board"
	registry_set "$GATEWAY" "$line"
	write_acl
	say "gateway $GATEWAY ready: copy $DIR/clients/$GATEWAY/ to the Pi (install.sh --bundle DIR)"
}

cmd_aggregator() {
	local line old boards
	check_name user "$USER_NAME"
	((${#BOARDS[@]} > 0)) || die "aggregator needs --board B (once per board it serves)"
	boards=$(printf '%s\n' "${BOARDS[@]}" | LC_ALL=C sort -u | paste -sd, -)
	local b
	for b in "${BOARDS[@]}"; do require_ca "$b"; done
	line="aggregator $USER_NAME $boards"
	old=$(registry_get "$USER_NAME")
	if [[ -n $old && $old != aggregator\ * ]]; then
		die "user $USER_NAME is already registered as \"$old\"; choose another name"
	fi
	[[ -z $old || $old == "$line" ]] || say "boards of $USER_NAME change: \"$old\" → \"$line\""
	# The aggregator's certificate comes from the CA of its first board.
	client_files "$USER_NAME" "${boards%%,*}"
	registry_set "$USER_NAME" "$line"
	write_acl
	say "aggregator $USER_NAME ready: its files are in $DIR/clients/$USER_NAME/"
}

cmd_revoke() {
	check_name user "$USER_NAME"
	local old
	old=$(registry_get "$USER_NAME")
	if [[ -f $DIR/passwd ]] && grep -q "^$USER_NAME:" "$DIR/passwd"; then
		mosquitto_passwd -D "$DIR/passwd" "$USER_NAME"
		fix_mode "$DIR/passwd" 0640 "$(broker_group)"
		CHANGED_AUTH=true
	fi
	if [[ -n $old ]]; then registry_set "$USER_NAME"; fi
	write_acl
	if [[ -d $DIR/clients/$USER_NAME ]]; then rm -rf "${DIR:?}/clients/$USER_NAME"; fi
	if [[ -n $old ]] || $CHANGED_AUTH; then
		# A reload would refuse its next connection but keep the one it has.
		DROP_CLIENTS=true
		say "revoked $USER_NAME: its password no longer works, so its certificate alone lets it in nowhere"
	else
		say "$USER_NAME was not registered; nothing to do"
	fi
}

cmd_list() {
	[[ -f $DIR/clients.tsv ]] || { say "no clients yet"; return 0; }
	awk '$1 !~ /^#/ && NF' "$DIR/clients.tsv"
}

# reload_broker makes a running Mosquitto read what changed: SIGHUP for the
# password file and ACL, a restart (it saves its queues on the way) for TLS
# and after a revocation, which must also end the revoked client's session.
reload_broker() {
	$CHANGED_AUTH || $CHANGED_TLS || return 0
	local go=false
	case $RELOAD in
	yes) go=true ;;
	auto) [[ $DIR == "$DEFAULT_DIR" ]] && command -v systemctl >/dev/null &&
		systemctl is-active --quiet mosquitto && go=true ;;
	esac
	local action=reload
	if $CHANGED_TLS || $DROP_CLIENTS; then action=restart; fi
	if $go; then
		systemctl "$action" mosquitto
		say "broker: systemctl $action mosquitto done"
	else
		say "when the broker runs with these files: sudo systemctl $action mosquitto"
	fi
}

main() {
	parse "$@"
	need openssl "apt-get install openssl"
	need mosquitto_passwd "apt-get install mosquitto"
	mkdir -p "$DIR"
	chmod 0750 "$DIR"
	if [[ -n $(broker_group) ]]; then chgrp "$(broker_group)" "$DIR"; fi
	exec 9>>"$DIR/.lock"
	flock 9 || die "cannot lock $DIR/.lock"
	WORK=$(mktemp -d)
	trap 'rm -rf "$WORK"' EXIT
	openssl_cnf >"$WORK/openssl.cnf"
	case $CMD in
	ca) cmd_ca ;;
	server) cmd_server ;;
	gateway) cmd_gateway ;;
	aggregator) cmd_aggregator ;;
	revoke) cmd_revoke ;;
	acl) write_acl ;;
	list) cmd_list ;;
	*) die "unknown command $CMD (see mqtt-creds.sh help)" ;;
	esac
	reload_broker
}

main "$@"
