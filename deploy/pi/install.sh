#!/usr/bin/env bash
# install.sh — set up a Raspberry Pi (Raspberry Pi OS) as a timeclock gateway:
# the cross-built binary for this Pi, the service user and directories, udev
# rules that give each USB reader a stable name (/dev/timeclock-reader-NAME),
# I²C for a display and the UART for a reader wired to the GPIO header, the
# systemd unit, the configuration (/etc/timeclock/gateway.env), and finally
# `gateway probe`. docs/DEPLOY.md walks through it.
#
# Idempotent: a second run with the same answers changes nothing; a run with
# no answers keeps those of the existing configuration. With --root DIR it
# works on a copy of a root file system (an SD card image, a test folder):
# users are added to DIR/etc/passwd and DIR/etc/group, and nothing of the
# running system (systemctl start, udevadm, raspi-config, probe) is touched.
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(cd "$HERE/../.." && pwd)
# shellcheck source=deploy/pi/lib.sh
. "$HERE/lib.sh"
# shellcheck source=deploy/pi/readers.sh
. "$HERE/readers.sh"

ROOT=/
BIN_DIR=$REPO/bin
UNIT_SRC=$REPO/deploy/systemd/gateway.service
ARCH=$(uname -m)
SYSFS=/sys
ASSUME_YES=false
PROBE=true
LIST_USB=false
BOARD="" SCHOOL="" GATEWAY="" BROKER="" USERNAME=""
CA_SRC="" CERT_SRC="" KEY_SRC="" PASSWORD_FILE="" BUNDLE=""
OLED="" LED_PIN="" BUZZER_PIN="" BUZZER_TONE=""
READER_SPECS=()

# Where things go on the Pi; the unit file, when it names them, wins.
UNIT_NAME=timeclock-gateway.service
BIN_DST=/usr/local/bin/timeclock-gateway
ENV_FILE=/etc/timeclock/gateway.env
TLS_DIR=/etc/timeclock/tls
SPOOL_DIR=/var/lib/timeclock-gateway
SPOOL_MODE=0700
SVC_USER=timeclock
# Serial readers, GPIO (Wiegand, LED, buzzer), I²C (display). The unit
# names them in SupplementaryGroups, so they must exist even when unused.
SVC_GROUPS=(dialout gpio i2c)
RULES=/etc/udev/rules.d/99-timeclock-readers.rules
MODULES=/etc/modules-load.d/timeclock.conf

usage() {
	cat <<'EOF'
usage: sudo deploy/pi/install.sh [options]
Questions not answered by an option are asked (or, without a terminal, taken
from the existing /etc/timeclock/gateway.env).

  --board B --school S --gateway G   ids of FORMATS.md §1 ([a-z0-9-]{1,40})
  --broker URL                       e.g. ssl://mqtt.board.example.jp:8883
  --reader "name=N kind=K [dir=in|out|tap] (usb=auto|usb=VID:PID[:SERIAL|@PORT]|path=P)"
                                     repeat for each reader; kinds: rcs620s pn532 em4100
                                     wiegand26 wiegand34. usb= names the device
                                     /dev/timeclock-reader-N by a udev rule; path= is
                                     the Pi's UART (/dev/serial0) or Wiegand GPIOs (GPIO5,GPIO6)
  --bundle DIR                       the gateway's files from mqtt-creds.sh (ca.crt,
                                     client.crt, client.key, password)
  --ca F --cert F --key F --password-file F   the same, one by one
  --username U                       MQTT user (default: the gateway id)
  --oled [BUS]                       an SSD1306 display on I²C (BUS default "default")
  --led-pin P --buzzer-pin P --buzzer-tone HZ   feedback GPIOs (e.g. GPIO17)
  --no-probe                         do not run `gateway probe` at the end
  --yes                              never ask; fail on a missing answer
  --list-usb                         list the USB serial adapters found, and exit
  --root DIR                         install into DIR instead of / (tests, images)
  --arch ARCH                        instead of `uname -m` (aarch64, armv7l, armv6l)
  --bin-dir DIR                      where make cross put linux-*/gateway (default REPO/bin)
  --unit FILE                        the unit to install (default deploy/systemd/gateway.service)
EOF
}

parse() {
	while (($#)); do
		case $1 in
		--board) BOARD=${2:?}; shift ;;
		--school) SCHOOL=${2:?}; shift ;;
		--gateway) GATEWAY=${2:?}; shift ;;
		--broker) BROKER=${2:?}; shift ;;
		--reader) READER_SPECS+=("${2:?}"); shift ;;
		--bundle) BUNDLE=${2:?}; shift ;;
		--ca) CA_SRC=${2:?}; shift ;;
		--cert) CERT_SRC=${2:?}; shift ;;
		--key) KEY_SRC=${2:?}; shift ;;
		--password-file) PASSWORD_FILE=${2:?}; shift ;;
		--username) USERNAME=${2:?}; shift ;;
		--oled)
			OLED=default
			if [[ ${2:-} != "" && ${2:-} != -* ]]; then OLED=$2; shift; fi
			;;
		--led-pin) LED_PIN=${2:?}; shift ;;
		--buzzer-pin) BUZZER_PIN=${2:?}; shift ;;
		--buzzer-tone) BUZZER_TONE=${2:?}; shift ;;
		--no-probe) PROBE=false ;;
		--yes) ASSUME_YES=true ;;
		--list-usb) LIST_USB=true ;;
		--root) ROOT=${2:?}; shift ;;
		--arch) ARCH=${2:?}; shift ;;
		--bin-dir) BIN_DIR=${2:?}; shift ;;
		--unit) UNIT_SRC=${2:?}; shift ;;
		--sysfs) SYSFS=${2:?}; shift ;;
		-h | --help) usage; exit 0 ;;
		*) die "unknown option $1 (see install.sh --help)" ;;
		esac
		shift
	done
	[[ -d $ROOT ]] || die "--root $ROOT is not a directory"
	ROOT=$(cd "$ROOT" && pwd)
	if [[ -n $BUNDLE ]]; then
		[[ -d $BUNDLE ]] || die "--bundle $BUNDLE is not a directory"
		: "${CA_SRC:=$BUNDLE/ca.crt}" "${CERT_SRC:=$BUNDLE/client.crt}" "${KEY_SRC:=$BUNDLE/client.key}"
		: "${PASSWORD_FILE:=$BUNDLE/password}"
	fi
}

interactive() { ! $ASSUME_YES && [[ -t 0 ]]; }

# ask VAR "質問 / question" [default]: keeps a value given by an option, else
# asks (offering the default), else takes the default, else fails.
ask() {
	local var=$1 question=$2 def=${3:-} answer
	[[ -n ${!var} ]] && return 0
	if interactive; then
		read -r -p "$question${def:+ [$def]}: " answer
		printf -v "$var" '%s' "${answer:-$def}"
	else
		printf -v "$var" '%s' "$def"
	fi
	[[ -n ${!var} ]] || die "no answer for: $question (give it as an option; see --help)"
}

# unit_value SECTION KEY: the first KEY= of the unit's [SECTION].
unit_value() {
	[[ -f $UNIT_SRC ]] || return 0
	awk -F= -v sec="[$1]" -v k="$2" '/^\[/ {s = ($0 == sec)} s && $1 == k {sub(/^[^=]*=/, ""); print; exit}' "$UNIT_SRC"
}

# adopt_unit takes the user, groups, binary, configuration file and state
# directory the unit names, so the unit stays the one place they are set.
adopt_unit() {
	[[ -f $UNIT_SRC ]] || die "$UNIT_SRC not found: is this the repository's deploy/ folder?"
	local v
	v=$(unit_value Service User)
	if [[ -n $v ]]; then SVC_USER=$v; fi
	v=$(unit_value Service ExecStart)
	v=${v#[-@+!:]}
	v=${v%% *}
	if [[ $v == /* ]]; then BIN_DST=$v; fi
	v=$(unit_value Service EnvironmentFile)
	v=${v#-}
	if [[ $v == /* ]]; then ENV_FILE=$v; fi
	v=$(unit_value Service StateDirectory)
	if [[ -n $v ]]; then SPOOL_DIR=/var/lib/${v%% *}; fi
	v=$(unit_value Service StateDirectoryMode)
	if [[ -n $v ]]; then SPOOL_MODE=$v; fi
	v=$(unit_value Service SupplementaryGroups)
	if [[ -n $v ]]; then read -r -a SVC_GROUPS <<<"$v"; fi
}

binary_dir() {
	case $ARCH in
	aarch64 | arm64) echo linux-arm64 ;;
	armv7l | armv8l) echo linux-armv7 ;;
	armv6l) echo linux-armv6 ;;
	*) die "machine $ARCH is not a Raspberry Pi this installer knows (aarch64, armv7l, armv6l)" ;;
	esac
}

# load_existing reads the configuration of an earlier run: its values are
# the defaults of this one, so a run without answers changes nothing.
EX_BOARD="" EX_SCHOOL="" EX_GATEWAY="" EX_BROKER="" EX_USERNAME="" EX_PASSWORD=""
EX_OLED="" EX_LED="" EX_BUZZER="" EX_TONE=""
load_existing() {
	local f line k v old_readers=()
	f=$(p "$ENV_FILE")
	[[ -f $f ]] || return 0
	while IFS= read -r line; do
		if [[ $line == '#@reader '* ]]; then
			old_readers+=("${line#'#@reader '}")
			continue
		fi
		[[ $line == TIMECLOCK_*=* ]] || continue
		k=${line%%=*}
		v=${line#*=}
		v=${v#\"}
		v=${v%\"}
		case $k in
		TIMECLOCK_BOARD) EX_BOARD=$v ;;
		TIMECLOCK_SCHOOL) EX_SCHOOL=$v ;;
		TIMECLOCK_GATEWAY) EX_GATEWAY=$v ;;
		TIMECLOCK_BROKER) EX_BROKER=$v ;;
		TIMECLOCK_USERNAME) EX_USERNAME=$v ;;
		TIMECLOCK_PASSWORD) EX_PASSWORD=$v ;;
		TIMECLOCK_OLED_BUS) EX_OLED=$v ;;
		TIMECLOCK_LED_PIN) EX_LED=$v ;;
		TIMECLOCK_BUZZER_PIN) EX_BUZZER=$v ;;
		TIMECLOCK_BUZZER_TONE) EX_TONE=$v ;;
		esac
	done <"$f"
	if ((${#READER_SPECS[@]} == 0 && ${#old_readers[@]} > 0)); then
		READER_SPECS=("${old_readers[@]}")
	fi
	say "found ${ENV_FILE}: its answers are the defaults"
}

questions() {
	ask BOARD "教育委員会 ID / board id" "$EX_BOARD"
	ask SCHOOL "学校 ID / school id" "$EX_SCHOOL"
	ask GATEWAY "ゲートウェイ ID / gateway id" "$EX_GATEWAY"
	ask BROKER "ブローカー / broker URL (ssl://host:8883)" "$EX_BROKER"
	if [[ -z $USERNAME && $EX_GATEWAY == "$GATEWAY" ]]; then USERNAME=$EX_USERNAME; fi
	: "${USERNAME:=$GATEWAY}"
	: "${OLED:=$EX_OLED}" "${LED_PIN:=$EX_LED}" "${BUZZER_PIN:=$EX_BUZZER}" "${BUZZER_TONE:=$EX_TONE}"
	local v
	for v in OLED LED_PIN BUZZER_PIN BUZZER_TONE; do
		if [[ ${!v} == none ]]; then printf -v "$v" ''; fi
	done
	if ((${#READER_SPECS[@]} == 0)) && interactive; then
		local name kind dir conn
		say "USB シリアル変換器 / USB serial adapters:"
		list_usb
		name="" kind="" dir="" conn=""
		ask name "読み取り機の名前 / reader name" entrance
		ask kind "種類 / kind ($READER_KINDS)" rcs620s
		ask dir "向き / direction (tap, in, out)" tap
		ask conn "接続 / connection (usb=auto, usb=VID:PID:SERIAL, path=/dev/serial0, path=GPIO5,GPIO6)" usb=auto
		READER_SPECS+=("name=$name kind=$kind dir=$dir $conn")
	fi
	if [[ -z $CA_SRC && ! -f $(p "$TLS_DIR/ca.crt") && $BROKER != tcp://* && $BROKER != mqtt://* ]] && interactive; then
		ask BUNDLE "証明書のフォルダ / folder from mqtt-creds.sh (ca.crt client.crt client.key password)"
		CA_SRC=$BUNDLE/ca.crt CERT_SRC=$BUNDLE/client.crt KEY_SRC=$BUNDLE/client.key
		: "${PASSWORD_FILE:=$BUNDLE/password}"
	fi
}

PASSWORD=""
validate() {
	local n
	for n in BOARD SCHOOL GATEWAY USERNAME; do
		[[ ${!n} =~ ^[a-z0-9-]{1,40}$ ]] || die "${n,,} \"${!n}\": want 1 to 40 of [a-z0-9-]"
	done
	[[ $BROKER =~ ^(ssl|tls|mqtts|tcp|mqtt)://[A-Za-z0-9.-]+:[0-9]{1,5}$ ]] ||
		die "broker \"$BROKER\": want ssl://host:port (or tcp://host:port in a lab)"
	local f
	for f in "$CA_SRC" "$CERT_SRC" "$KEY_SRC" "$PASSWORD_FILE"; do
		[[ -z $f || -r $f ]] || die "$f not found or not readable"
	done
	if [[ -n $PASSWORD_FILE ]]; then PASSWORD=$(<"$PASSWORD_FILE"); else PASSWORD=$EX_PASSWORD; fi
	[[ -n $PASSWORD ]] || die "no MQTT password: give --bundle DIR or --password-file FILE"
	[[ $PASSWORD =~ ^[!-~]+$ && $PASSWORD != *[\"\'\\\$\`]* ]] ||
		die "the password must be printable ASCII without spaces, quotes, \\, \$ or \` (mqtt-creds.sh makes such)"
	if [[ $BROKER == tcp://* || $BROKER == mqtt://* ]]; then
		warn "broker $BROKER is not encrypted: only for a lab, never in a school"
	else
		[[ -n $CA_SRC || -f $(p "$TLS_DIR/ca.crt") ]] || die "TLS broker: give --bundle DIR (or --ca, --cert, --key)"
		[[ -n $CERT_SRC || -f $(p "$TLS_DIR/client.crt") ]] || die "TLS broker: the client certificate is missing (--bundle or --cert)"
		[[ -n $KEY_SRC || -f $(p "$TLS_DIR/client.key") ]] || die "TLS broker: the client key is missing (--bundle or --key)"
		if [[ -n $CERT_SRC && -n $KEY_SRC ]] && command -v openssl >/dev/null &&
			[[ $(openssl x509 -in "$CERT_SRC" -noout -pubkey) != "$(openssl pkey -in "$KEY_SRC" -pubout)" ]]; then
			die "$CERT_SRC and $KEY_SRC do not belong together"
		fi
	fi
	for n in LED_PIN BUZZER_PIN; do
		[[ -z ${!n} || ${!n} =~ ^GPIO[0-9]{1,2}$ ]] || die "${n,,} \"${!n}\": want GPIOn (e.g. GPIO17) or none"
	done
	[[ -z $BUZZER_TONE || $BUZZER_TONE =~ ^[0-9]{1,5}$ ]] || die "buzzer tone \"$BUZZER_TONE\": want Hz"
	[[ -z $OLED || $OLED =~ ^[A-Za-z0-9_-]+$ ]] || die "oled bus \"$OLED\": want a bus name (default, 1, I2C1)"
}

install_tls() {
	if [[ -n $CA_SRC ]]; then install_file "$CA_SRC" "$TLS_DIR/ca.crt" 0644 root root; fi
	if [[ -n $CERT_SRC ]]; then install_file "$CERT_SRC" "$TLS_DIR/client.crt" 0644 root root; fi
	if [[ -n $KEY_SRC ]]; then install_file "$KEY_SRC" "$TLS_DIR/client.key" 0640 root "$SVC_USER"; fi
}

# env_line KEY VALUE: quoted when it holds a space (systemd and the gateway
# both strip the quotes).
env_line() {
	if [[ $2 == *' '* ]]; then printf '%s="%s"\n' "$1" "$2"; else printf '%s=%s\n' "$1" "$2"; fi
}

write_env() {
	put "$ENV_FILE" 0640 root "$SVC_USER" < <(
		printf '# Timeclock gateway: written by deploy/pi/install.sh; run it again to change.\n'
		printf '# Read by systemd (EnvironmentFile) and by "gateway probe -config". Holds the MQTT password.\n'
		printf '#@reader %s\n' "${READERS[@]}"
		env_line TIMECLOCK_BOARD "$BOARD"
		env_line TIMECLOCK_SCHOOL "$SCHOOL"
		env_line TIMECLOCK_GATEWAY "$GATEWAY"
		env_line TIMECLOCK_READERS "$(readers_env)"
		env_line TIMECLOCK_BROKER "$BROKER"
		env_line TIMECLOCK_USERNAME "$USERNAME"
		env_line TIMECLOCK_PASSWORD "$PASSWORD"
		if [[ -f $(p "$TLS_DIR/ca.crt") ]]; then env_line TIMECLOCK_CA_FILE "$TLS_DIR/ca.crt"; fi
		if [[ -f $(p "$TLS_DIR/client.crt") ]]; then
			env_line TIMECLOCK_CERT_FILE "$TLS_DIR/client.crt"
			env_line TIMECLOCK_KEY_FILE "$TLS_DIR/client.key"
		fi
		env_line TIMECLOCK_SPOOL_DIR "$SPOOL_DIR"
		if [[ -n $OLED ]]; then env_line TIMECLOCK_OLED_BUS "$OLED"; fi
		if [[ -n $LED_PIN ]]; then env_line TIMECLOCK_LED_PIN "$LED_PIN"; fi
		if [[ -n $BUZZER_PIN ]]; then env_line TIMECLOCK_BUZZER_PIN "$BUZZER_PIN"; fi
		if [[ -n $BUZZER_TONE ]]; then env_line TIMECLOCK_BUZZER_TONE "$BUZZER_TONE"; fi
	)
}

# activate enables the unit, lets `gateway probe` check readers and broker
# with the service's own user (the service stopped, so the ports are free),
# and (re)starts the service.
PROBE_FAILED=false
activate() {
	live systemctl daemon-reload
	enable_unit
	local start=start
	if $PROBE; then
		live systemctl stop "$UNIT_NAME"
		if ! live runuser -u "$SVC_USER" -- "$BIN_DST" probe -config "$ENV_FILE"; then
			PROBE_FAILED=true
		fi
	elif $CHANGED; then
		start=restart
	fi
	if ! live systemctl "$start" "$UNIT_NAME"; then
		die "the service did not start: journalctl -u $UNIT_NAME -n 50 shows why (check the configuration: $BIN_DST run -config $ENV_FILE -check-config)"
	fi
	if $REBOOT_NEEDED; then
		warn "再起動してください / reboot to apply the firmware settings: sudo reboot"
	fi
	if $PROBE_FAILED; then
		warn "gateway probe failed: the service is installed and retries on its own; see docs/DEPLOY.md §5 (読み取り機・時計・ブローカー・TLS)"
		exit 3
	fi
	say "done: $UNIT_NAME $($CHANGED && echo updated || echo unchanged); journalctl -u $UNIT_NAME -f shows its log"
}

main() {
	parse "$@"
	if $LIST_USB; then
		list_usb
		return 0
	fi
	((EUID == 0)) || die "run as root: sudo $0 ..."
	WORK=$(mktemp -d)
	trap 'rm -rf "$WORK"' EXIT
	adopt_unit
	local src
	src=$BIN_DIR/$(binary_dir)/gateway
	[[ -x $src ]] || die "$src not found: run \`make cross\` and copy bin/ with deploy/ to the Pi"
	load_existing
	questions
	readers_resolve
	validate

	say "installing into ${ROOT} for $ARCH ($(binary_dir))"
	ensure_groups_and_user
	ensure_dir "$SPOOL_DIR" "$SPOOL_MODE" "$SVC_USER" "$SVC_USER"
	ensure_dir "$(dirname "$ENV_FILE")" 0750 root "$SVC_USER"
	ensure_dir "$TLS_DIR" 0750 root "$SVC_USER"
	install_file "$src" "$BIN_DST" 0755 root root
	install_file "$UNIT_SRC" "/etc/systemd/system/$UNIT_NAME" 0644 root root
	install_tls
	write_env
	write_udev_rules
	setup_i2c
	setup_uart
	activate
}

main "$@"
