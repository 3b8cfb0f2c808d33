# lib.sh — the parts of install.sh that touch files and the system, all
# relative to $ROOT so that a run with --root DIR stays inside DIR. Sourced by
# install.sh; not run on its own.
# shellcheck shell=bash
# The globals it sets (CHANGED, WROTE, REBOOT_NEEDED) are read by install.sh.
# shellcheck disable=SC2034

CHANGED=false        # something the service reads changed: restart it
WROTE=false          # the last put or install_file wrote
REBOOT_NEEDED=false  # config.txt or cmdline.txt changed

say() { printf 'install: %s\n' "$*"; }
warn() { printf 'install: 注意 / warning: %s\n' "$*" >&2; }
die() {
	printf 'install: エラー / error: %s\n' "$*" >&2
	exit 1
}

# p PATH: PATH inside the root being installed.
p() { printf '%s%s' "${ROOT%/}" "$1"; }

on_live_system() { [[ $ROOT == / ]]; }

# live CMD...: runs CMD on the live system; under --root it only says what it
# would have run, since the running system is not the one being installed.
live() {
	if on_live_system; then
		"$@"
	else
		say "skipped (--root $ROOT): $*"
	fi
}

# uid_of / gid_of look names up in the root's own passwd and group files:
# under --root the service user exists only there.
uid_of() {
	local id
	id=$(awk -F: -v n="$1" '$1 == n {print $3; exit}' "$(p /etc/passwd)")
	[[ -n $id ]] || die "user $1 not in $(p /etc/passwd)"
	printf '%s' "$id"
}
gid_of() {
	local id
	id=$(awk -F: -v n="$1" '$1 == n {print $3; exit}' "$(p /etc/group)")
	[[ -n $id ]] || die "group $1 not in $(p /etc/group)"
	printf '%s' "$id"
}
has_group() { [[ -f $(p /etc/group) ]] && awk -F: -v n="$1" '$1 == n {f=1} END {exit !f}' "$(p /etc/group)"; }
has_user() { [[ -f $(p /etc/passwd) ]] && awk -F: -v n="$1" '$1 == n {f=1} END {exit !f}' "$(p /etc/passwd)"; }

# set_attr PATH MODE OWNER GROUP, by numeric ids of the root's files.
set_attr() {
	chmod "$2" "$1"
	chown "$(uid_of "$3"):$(gid_of "$4")" "$1"
}

# put DEST MODE OWNER GROUP < content: writes DEST (a path in the root) only
# when its content or attributes differ, so a second run changes nothing.
put() {
	local dest tmp
	dest=$(p "$1")
	tmp=$(mktemp "$WORK/put.XXXXXX")
	cat >"$tmp"
	place "$tmp" "$dest" "$2" "$3" "$4"
	rm -f "$tmp"
}

# install_file SRC DEST MODE OWNER GROUP: copies SRC to DEST in the root.
install_file() { place "$1" "$(p "$2")" "$3" "$4" "$5"; }

place() {
	local src=$1 dest=$2 mode=$3 owner=$4 group=$5 want
	want="$(printf '%o' "0$mode") $(uid_of "$owner"):$(gid_of "$group")"
	if [[ -f $dest ]] && cmp -s "$src" "$dest"; then
		if [[ $(stat -c '%a %u:%g' "$dest") != "$want" ]]; then
			set_attr "$dest" "$mode" "$owner" "$group"
			say "fixed owner/mode of ${dest#"${ROOT%/}"}"
		fi
		return 0
	fi
	mkdir -p "$(dirname "$dest")"
	cp "$src" "$dest.new"
	set_attr "$dest.new" "$mode" "$owner" "$group"
	mv -f "$dest.new" "$dest"
	CHANGED=true
	WROTE=true
	say "wrote ${dest#"${ROOT%/}"}"
}

# remove PATH: deletes a generated file that is no longer wanted.
remove() {
	if [[ -e $(p "$1") ]]; then
		rm -f "$(p "$1")"
		CHANGED=true
		say "removed $1"
	fi
}

ensure_dir() { # PATH MODE OWNER GROUP
	local d want
	d=$(p "$1")
	want="$(printf '%o' "0$2") $(uid_of "$3"):$(gid_of "$4")"
	if [[ ! -d $d ]]; then
		mkdir -p "$d"
		say "created $1"
	fi
	if [[ $(stat -c '%a %u:%g' "$d") != "$want" ]]; then set_attr "$d" "$2" "$3" "$4"; fi
}

# in_root CMD ARGS: useradd and groupadd on the root's own files.
in_root() {
	local cmd=$1
	shift
	if on_live_system; then "$cmd" "$@"; else "$cmd" --root "$ROOT" "$@"; fi
}

# ensure_groups_and_user: the service user, a system user without login,
# in the unit's supplementary groups. Raspberry Pi OS has dialout, gpio and
# i2c (and udev rules giving them the devices); elsewhere they are created.
ensure_groups_and_user() {
	local g groups=("${SVC_GROUPS[@]}")
	for g in "${groups[@]}"; do
		if ! has_group "$g"; then
			in_root groupadd --system "$g"
			say "created group $g"
		fi
	done
	if ! has_user "$SVC_USER"; then
		in_root useradd --system --user-group --no-create-home --home-dir "$SPOOL_DIR" \
			--shell /usr/sbin/nologin --comment "timeclock gateway" "$SVC_USER"
		say "created user $SVC_USER"
	fi
	for g in "${groups[@]}"; do
		if ! awk -F: -v g="$g" -v u="$SVC_USER" '$1 == g && ("," $4 ",") ~ ("," u ",") {f=1} END {exit !f}' "$(p /etc/group)"; then
			in_root usermod --append --groups "$g" "$SVC_USER"
			say "added $SVC_USER to group $g"
			CHANGED=true
		fi
	done
}

# boot_file NAME: config.txt or cmdline.txt of the firmware partition
# (/boot/firmware since Bookworm, /boot before); nothing if neither exists.
boot_file() {
	local f
	for f in "/boot/firmware/$1" "/boot/$1"; do
		if [[ -f $(p "$f") ]]; then
			printf '%s' "$f"
			return 0
		fi
	done
}

# config_txt_set KEY=VALUE: makes the line active in config.txt, replacing a
# commented or different setting of the same key (for dtparam=i2c_arm=on the
# key is dtparam=i2c_arm); a new line goes under [all], so no [pi4]-style
# section before it can restrict it.
config_txt_set() {
	local want=$1 key=${1%=*} f tmp
	f=$(boot_file config.txt)
	if [[ -z $f ]]; then
		warn "no config.txt under /boot/firmware or /boot: set $want by hand"
		return 0
	fi
	grep -qx "$want" "$(p "$f")" && return 0
	tmp=$(mktemp "$WORK/config.XXXXXX")
	awk -v key="$key" -v want="$want" '
		!done && ($0 ~ "^#?[ \t]*" key "=") { print want; done = 1; next }
		{ print }
		END { if (!done) { print "[all]"; print "# timeclock (deploy/pi/install.sh)"; print want } }' "$(p "$f")" >"$tmp"
	cat "$tmp" >"$(p "$f")"
	rm -f "$tmp"
	REBOOT_NEEDED=true
	say "set $want in $f"
}

# setup_i2c enables the I²C bus when a display is configured: raspi-config on
# a live Pi, config.txt and modules-load.d otherwise.
setup_i2c() {
	[[ -n $OLED ]] || return 0
	if on_live_system && command -v raspi-config >/dev/null; then
		if ! raspi-config nonint get_i2c | grep -qx 0; then
			raspi-config nonint do_i2c 0
			REBOOT_NEEDED=true
			say "enabled I²C (raspi-config)"
		fi
		return 0
	fi
	config_txt_set dtparam=i2c_arm=on
	put "$MODULES" 0644 root root < <(printf 'i2c-dev\n')
}

# setup_uart: a reader on the GPIO header's UART needs it enabled and free
# of the serial login console, which would otherwise answer the reader.
setup_uart() {
	local r uses=false
	for r in "${READER_PATHS[@]}"; do
		case $r in /dev/serial0 | /dev/ttyAMA0 | /dev/ttyS0) uses=true ;; esac
	done
	$uses || return 0
	config_txt_set enable_uart=1
	local f cur new
	f=$(boot_file cmdline.txt)
	[[ -n $f ]] || return 0
	cur=$(<"$(p "$f")")
	new=$(printf '%s\n' "$cur" | sed -E 's/(^| )console=(serial0|ttyAMA0|ttyS0),[0-9]+//g; s/^ +//')
	if [[ $new != "$cur" ]]; then
		printf '%s\n' "$new" >"$(p "$f")"
		REBOOT_NEEDED=true
		say "removed the serial console from $f (the reader uses the UART)"
	fi
}

# enable_unit: systemctl enable, or under --root the same offline
# (systemctl --root), or without systemctl the WantedBy symlinks by hand.
enable_unit() {
	if on_live_system; then
		systemctl enable --quiet "$UNIT_NAME"
	elif command -v systemctl >/dev/null; then
		systemctl --root="$ROOT" enable --quiet "$UNIT_NAME" 2>/dev/null
	else
		local t
		for t in $(unit_value Install WantedBy); do
			mkdir -p "$(p "/etc/systemd/system/$t.wants")"
			ln -sfn "/etc/systemd/system/$UNIT_NAME" "$(p "/etc/systemd/system/$t.wants/$UNIT_NAME")"
		done
	fi
}
