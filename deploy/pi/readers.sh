# readers.sh — the readers of install.sh: their specs, the USB serial
# adapters found in sysfs, and the udev rules that give each USB reader a
# stable name, /dev/timeclock-reader-NAME, whichever port it is plugged into.
# Sourced by install.sh.
# shellcheck shell=bash
# RULES and the other settings are install.sh's.
# shellcheck disable=SC2153

# Bridges found on USB card readers, RC-S620S and PN532 boards included
# (the card modules speak UART; their USB boards carry one of these).
KNOWN_ADAPTERS="0403:6001 FTDI FT232R
0403:6010 FTDI FT2232
0403:6011 FTDI FT4232
0403:6014 FTDI FT232H
0403:6015 FTDI FT-X
10c4:ea60 Silicon Labs CP210x
10c4:ea70 Silicon Labs CP2105
1a86:7523 WCH CH340
1a86:5523 WCH CH341
1a86:55d4 WCH CH9102"

READER_KINDS="rcs620s pn532 em4100 wiegand26 wiegand34"
READERS=()      # canonical specs, as given to --reader with usb=auto resolved
READER_PATHS=() # the device path of each reader, in the same order

# usb_devices prints one line per USB serial port in sysfs:
# "ttyUSB0 VID:PID SERIAL-or-- PORT", PORT being the USB device's kernel name
# (1-1.3: the physical socket), for ttyUSB* and ttyACM* devices.
usb_devices() {
	local t dev d
	for t in "$SYSFS"/class/tty/ttyUSB* "$SYSFS"/class/tty/ttyACM*; do
		[[ -e $t/device ]] || continue
		dev=$(readlink -f "$t/device")
		for d in "$dev" "${dev%/*}" "${dev%/*/*}"; do
			if [[ -f $d/idVendor ]]; then
				printf '%s %s:%s %s %s\n' "${t##*/}" "$(<"$d/idVendor")" "$(<"$d/idProduct")" \
					"$(cat "$d/serial" 2>/dev/null || echo -)" "${d##*/}"
				break
			fi
		done
	done
}

adapter_name() { awk -v id="$1" '$1 == id {$1 = ""; sub(/^ /, ""); print; f=1} END {if (!f) print "unknown adapter"}' <<<"$KNOWN_ADAPTERS"; }

# usb_match prints the usb= value that names device line "$@" most exactly:
# by serial number when the adapter has one (FTDI, CP210x), else by port
# (CH340 has none: the reader must stay in the same USB socket).
usb_match() {
	if [[ $3 != - ]]; then printf '%s:%s' "$2" "$3"; else printf '%s@%s' "$2" "$4"; fi
}

list_usb() {
	local found=false f
	while read -r -a f; do
		set -- "${f[@]}"
		printf '%-8s %s  %-22s usb=%s\n' "$1" "$2" "$(adapter_name "$2")" "$(usb_match "$@")"
		found=true
	done < <(usb_devices)
	$found || say "no USB serial adapter found (USB シリアル変換器が見つかりません)"
}

# auto_usb picks the one known adapter that no other reader claims.
auto_usb() {
	local f cands=() claimed=" $* "
	while read -r -a f; do
		set -- "${f[@]}"
		grep -q "^$2 " <<<"$KNOWN_ADAPTERS" || continue
		[[ $claimed == *" $(usb_match "$@") "* ]] && continue
		cands+=("$(usb_match "$@")")
	done < <(usb_devices)
	case ${#cands[@]} in
	1) printf '%s' "${cands[0]}" ;;
	0) die "usb=auto: no USB serial adapter found; plug the reader in, or see install.sh --list-usb" ;;
	*) die "usb=auto: several adapters found (${cands[*]}); name one: --reader \"... usb=<one of them>\"" ;;
	esac
}

# reader_field SPEC KEY
reader_field() {
	local f fields
	read -r -a fields <<<"$1"
	for f in "${fields[@]}"; do
		if [[ $f == "$2="* ]]; then printf '%s' "${f#*=}"; fi
	done
}

# readers_resolve checks every --reader spec, resolves usb=auto, and fills
# READERS and READER_PATHS.
readers_resolve() {
	local spec f fields name kind dir usb path claimed=()
	for spec in "${READER_SPECS[@]}"; do
		usb=$(reader_field "$spec" usb)
		if [[ -n $usb && $usb != auto ]]; then claimed+=("$usb"); fi
	done
	for spec in "${READER_SPECS[@]}"; do
		read -r -a fields <<<"$spec"
		for f in "${fields[@]}"; do
			[[ $f =~ ^(name|kind|dir|usb|path)=[A-Za-z0-9@:._,/-]+$ ]] ||
				die "reader \"$spec\": \"$f\" is not one of name= kind= dir= usb= path= (letters, digits, @:._,/-)"
		done
		name=$(reader_field "$spec" name)
		kind=$(reader_field "$spec" kind)
		dir=$(reader_field "$spec" dir)
		usb=$(reader_field "$spec" usb)
		path=$(reader_field "$spec" path)
		[[ $name =~ ^[a-z0-9-]{1,40}$ ]] || die "reader \"$spec\": name= wants 1 to 40 of [a-z0-9-]"
		[[ " $READER_KINDS " == *" $kind "* ]] || die "reader $name: kind= wants one of $READER_KINDS"
		dir=${dir:-tap}
		[[ $dir =~ ^(tap|in|out)$ ]] || die "reader $name: dir= wants tap, in or out"
		if [[ -n $usb && -n $path ]] || [[ -z $usb && -z $path ]]; then
			die "reader $name: give either usb= (a USB adapter) or path= (UART or GPIO lines)"
		fi
		if [[ $kind == wiegand* ]]; then
			[[ $path =~ ^GPIO[0-9]+,GPIO[0-9]+$ ]] || die "reader $name: Wiegand wants path=GPIOa,GPIOb (D0,D1)"
		elif [[ -n $usb ]]; then
			if [[ $usb == auto ]]; then
				usb=$(auto_usb "${claimed[@]}")
				claimed+=("$usb")
				say "reader $name: found $usb"
			fi
			[[ $usb =~ ^[0-9a-f]{4}:[0-9a-f]{4}(:[A-Za-z0-9._-]+|@[0-9]+-[0-9.]+)?$ ]] ||
				die "reader $name: usb=$usb: want VID:PID, VID:PID:SERIAL or VID:PID@PORT (see --list-usb)"
			path=/dev/timeclock-reader-$name
		else
			[[ $path == /dev/* ]] || die "reader $name: path=$path: want a device (/dev/serial0)"
		fi
		for f in "${READERS[@]}"; do
			[[ $(reader_field "$f" name) != "$name" ]] || die "reader $name is named twice"
		done
		if [[ -n $usb ]]; then
			READERS+=("name=$name kind=$kind dir=$dir usb=$usb")
		else
			READERS+=("name=$name kind=$kind dir=$dir path=$path")
		fi
		READER_PATHS+=("$path")
	done
	((${#READERS[@]} > 0)) || die "no reader: give --reader \"name=entrance kind=rcs620s usb=auto\""
}

# readers_env is TIMECLOCK_READERS: the gateway's own reader syntax.
readers_env() {
	local i out=()
	for i in "${!READERS[@]}"; do
		out+=("name=$(reader_field "${READERS[i]}" name) kind=$(reader_field "${READERS[i]}" kind) path=${READER_PATHS[i]} dir=$(reader_field "${READERS[i]}" dir)")
	done
	local IFS=';'
	printf '%s' "${out[*]}"
}

# write_udev_rules: one rule per USB reader; the file goes when none is left.
write_udev_rules() {
	local r usb name vid pid rest match rules=""
	for r in "${READERS[@]}"; do
		usb=$(reader_field "$r" usb)
		[[ -n $usb ]] || continue
		name=$(reader_field "$r" name)
		vid=${usb%%:*}
		rest=${usb#*:}
		pid=${rest:0:4}
		rest=${rest:4}
		match="ATTRS{idVendor}==\"$vid\", ATTRS{idProduct}==\"$pid\""
		case $rest in
		:*) match+=", ATTRS{serial}==\"${rest#:}\"" ;;
		@*) match+=", KERNELS==\"${rest#@}\"" ;;
		esac
		rules+="# reader $name ($(reader_field "$r" kind)): $(adapter_name "$vid:$pid") $usb
SUBSYSTEM==\"tty\", $match, SYMLINK+=\"timeclock-reader-$name\", GROUP=\"dialout\", MODE=\"0660\", ENV{ID_MM_DEVICE_IGNORE}=\"1\"
"
	done
	if [[ -z $rules ]]; then
		remove "$RULES"
		return 0
	fi
	WROTE=false
	put "$RULES" 0644 root root < <(
		printf '# Stable names of the timeclock readers: written by deploy/pi/install.sh.\n'
		printf '# ID_MM_DEVICE_IGNORE keeps ModemManager from probing the readers with AT commands.\n'
		printf '%s' "$rules"
	)
	if $WROTE; then
		live udevadm control --reload-rules
		live udevadm trigger --subsystem-match=tty --action=add
	fi
}
