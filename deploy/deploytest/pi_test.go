package deploytest

import (
	"bufio"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"

	"timeclock/internal/daemontest"
)

// piRoot is a throwaway root file system of a fresh Raspberry Pi OS, with a
// fake sysfs of two USB serial adapters and fake cross-built binaries.
type piRoot struct {
	root, sysfs, bin, bundle string
}

func write(t *testing.T, path, content string, mode os.FileMode) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(content), mode); err != nil {
		t.Fatal(err)
	}
}

func read(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

const configTxt = `# For more options and information see http://rpf.io/configtxt
#dtparam=i2c_arm=on
#dtparam=i2s=on
#dtparam=spi=on
dtparam=audio=on
camera_auto_detect=1

[pi4]
arm_boost=1

[all]
`

const cmdlineTxt = "console=serial0,115200 console=tty1 root=PARTUUID=1234-02 rootfstype=ext4 fsck.repair=yes rootwait\n"

// usbAdapter adds a USB serial adapter to the fake sysfs as Linux lays it
// out: /sys/class/tty/ttyUSBn → …/port/port:1.0/ttyUSBn/tty/ttyUSBn, whose
// device link leads to the usb-serial port, two levels below the USB
// device with idVendor, idProduct and (if it has one) serial.
func usbAdapter(t *testing.T, sysfs, port, vid, pid, serial, tty string) {
	t.Helper()
	dev := filepath.Join(sysfs, "devices/platform/scb/fd500000.pcie/usb1/1-1", port)
	write(t, filepath.Join(dev, "idVendor"), vid+"\n", 0o644)
	write(t, filepath.Join(dev, "idProduct"), pid+"\n", 0o644)
	if serial != "" {
		write(t, filepath.Join(dev, "serial"), serial+"\n", 0o644)
	}
	class := filepath.Join(dev, port+":1.0", tty, "tty", tty)
	if err := os.MkdirAll(class, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink("../../../"+tty, filepath.Join(class, "device")); err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(filepath.Join(sysfs, "class/tty"), 0o755); err != nil {
		t.Fatal(err)
	}
	rel, _ := filepath.Rel(filepath.Join(sysfs, "class/tty"), class)
	if err := os.Symlink(rel, filepath.Join(sysfs, "class/tty", tty)); err != nil {
		t.Fatal(err)
	}
}

func newPiRoot(t *testing.T) *piRoot {
	t.Helper()
	if os.Geteuid() != 0 {
		if testing.Short() {
			t.Skip("install.sh adds users with useradd --root, which needs root (skipped under -short)")
		}
		t.Fatal("install.sh adds users with useradd --root, which needs root: run the tests as root (CI does), or with -short")
	}
	for _, tool := range []string{"useradd", "groupadd", "usermod"} {
		daemontest.Binary(t, tool, "", tool, "/usr/sbin/"+tool)
	}
	dir := t.TempDir()
	p := &piRoot{root: filepath.Join(dir, "root"), sysfs: filepath.Join(dir, "sys"), bin: filepath.Join(dir, "bin")}
	write(t, filepath.Join(p.root, "etc/passwd"), "root:x:0:0:root:/root:/bin/bash\npi:x:1000:1000:,,,:/home/pi:/bin/bash\n", 0o644)
	// Raspberry Pi OS has gpio and i2c; this image lacks i2c, to be created.
	write(t, filepath.Join(p.root, "etc/group"), "root:x:0:\ndialout:x:20:pi\ngpio:x:997:pi\npi:x:1000:\n", 0o644)
	write(t, filepath.Join(p.root, "etc/shadow"), "root:*:19000:0:99999:7:::\npi:*:19000:0:99999:7:::\n", 0o640)
	write(t, filepath.Join(p.root, "etc/gshadow"), "root:*::\ndialout:!::pi\ngpio:!::pi\npi:!::\n", 0o640)
	write(t, filepath.Join(p.root, "boot/firmware/config.txt"), configTxt, 0o755)
	write(t, filepath.Join(p.root, "boot/firmware/cmdline.txt"), cmdlineTxt, 0o755)
	for _, arch := range []string{"arm64", "armv7", "armv6"} {
		write(t, filepath.Join(p.bin, "linux-"+arch, "gateway"), "#!/bin/sh\necho gateway for "+arch+"\n", 0o755)
	}
	usbAdapter(t, p.sysfs, "1-1.3", "0403", "6001", "A50285BI", "ttyUSB0") // FTDI, with a serial number
	usbAdapter(t, p.sysfs, "1-1.4", "1a86", "7523", "", "ttyUSB1")         // CH340, without

	creds := filepath.Join(dir, "creds")
	daemontest.Binary(t, "openssl", "", "openssl")
	daemontest.Binary(t, "mosquitto_passwd", "", "mosquitto_passwd", "/usr/bin/mosquitto_passwd")
	for _, args := range [][]string{{"ca", "--board", "nakatsu"}, {"server", "--board", "nakatsu", "--host", "mqtt.nakatsu.example"},
		{"gateway", "--board", "nakatsu", "--school", "nakatsu-e01", "--gateway", "gw-e01-a"}} {
		Script(t, "deploy/mosquitto/mqtt-creds.sh", append([]string{"--dir", creds, "--no-reload"}, args...)...)
	}
	p.bundle = filepath.Join(creds, "clients", "gw-e01-a")
	return p
}

func (p *piRoot) path(rel string) string { return filepath.Join(p.root, filepath.FromSlash(rel)) }

// install runs deploy/pi/install.sh against the root.
func (p *piRoot) install(t *testing.T, arch string, args ...string) (string, error) {
	t.Helper()
	base := []string{"--root", p.root, "--arch", arch, "--bin-dir", p.bin, "--sysfs", p.sysfs, "--yes"}
	return TryScript(t, "deploy/pi/install.sh", append(base, args...)...)
}

var fullInstall = []string{
	"--board", "nakatsu", "--school", "nakatsu-e01", "--gateway", "gw-e01-a",
	"--broker", "ssl://mqtt.nakatsu.example:8883",
	"--reader", "name=entrance kind=rcs620s dir=in usb=0403:6001:A50285BI",
	"--reader", "name=exit kind=em4100 dir=out usb=auto",
	"--reader", "name=side kind=pn532 path=/dev/serial0",
	"--reader", "name=gate kind=wiegand26 path=GPIO5,GPIO6",
	"--oled", "--led-pin", "GPIO17", "--buzzer-pin", "GPIO18", "--buzzer-tone", "2700",
}

// ids reads name → (id, members) from the root's passwd or group file.
func ids(t *testing.T, path string) map[string][]string {
	t.Helper()
	m := map[string][]string{}
	sc := bufio.NewScanner(strings.NewReader(read(t, path)))
	for sc.Scan() {
		f := strings.Split(sc.Text(), ":")
		m[f[0]] = f[1:]
	}
	return m
}

func TestInstallPi(t *testing.T) {
	p := newPiRoot(t)
	hostPasswd := read(t, "/etc/passwd")
	hostGroup := read(t, "/etc/group")
	out, err := p.install(t, "aarch64", append(fullInstall, "--bundle", p.bundle)...)
	if err != nil {
		t.Fatalf("install: %v\n%s", err, out)
	}
	t.Logf("install.sh:\n%s", out)

	// The service user, in the unit's supplementary groups (i2c created).
	users, groups := ids(t, p.path("etc/passwd")), ids(t, p.path("etc/group"))
	u, ok := users["timeclock"]
	if !ok {
		t.Fatalf("no user timeclock in %s", p.path("etc/passwd"))
	}
	if u[4] != "/var/lib/timeclock-gateway" || u[5] != "/usr/sbin/nologin" {
		t.Errorf("timeclock: home %q shell %q, want /var/lib/timeclock-gateway and /usr/sbin/nologin", u[4], u[5])
	}
	if uid, _ := strconv.Atoi(u[1]); uid >= 1000 || uid == 0 {
		t.Errorf("timeclock has uid %d: want a system user", uid)
	}
	for _, g := range []string{"dialout", "gpio", "i2c"} {
		if !strings.Contains(","+groups[g][2]+",", ",timeclock,") {
			t.Errorf("group %s: members %q, want timeclock among them", g, groups[g][2])
		}
	}
	if groups["gpio"][1] != "997" {
		t.Errorf("gpio was recreated: gid %s", groups["gpio"][1])
	}
	uid, _ := strconv.Atoi(u[1])
	gid, _ := strconv.Atoi(groups["timeclock"][1])
	if read(t, "/etc/passwd") != hostPasswd || read(t, "/etc/group") != hostGroup {
		t.Fatal("install --root changed the host's /etc/passwd or /etc/group")
	}

	unit := read(t, RepoPath(t, "deploy/systemd/gateway.service"))
	files := []struct {
		path     string
		mode     os.FileMode
		uid, gid int
		content  string // "" for not compared here
	}{
		{"usr/local/bin/timeclock-gateway", 0o755, 0, 0, "#!/bin/sh\necho gateway for arm64\n"},
		{"etc/systemd/system/timeclock-gateway.service", 0o644, 0, 0, unit},
		{"etc/timeclock/tls/ca.crt", 0o644, 0, 0, read(t, filepath.Join(p.bundle, "ca.crt"))},
		{"etc/timeclock/tls/client.crt", 0o644, 0, 0, read(t, filepath.Join(p.bundle, "client.crt"))},
		{"etc/timeclock/tls/client.key", 0o640, 0, gid, read(t, filepath.Join(p.bundle, "client.key"))},
		{"etc/timeclock/gateway.env", 0o640, 0, gid, ""},
		{"etc/udev/rules.d/99-timeclock-readers.rules", 0o644, 0, 0, ""},
		{"etc/modules-load.d/timeclock.conf", 0o644, 0, 0, "i2c-dev\n"},
		{"var/lib/timeclock-gateway", 0o700 | os.ModeDir, uid, uid, ""},
		{"etc/timeclock", 0o750 | os.ModeDir, 0, gid, ""},
	}
	for _, f := range files {
		fi, err := os.Stat(p.path(f.path))
		if err != nil {
			t.Errorf("%v", err)
			continue
		}
		st := fi.Sys().(*syscall.Stat_t)
		if fi.Mode() != f.mode || int(st.Uid) != f.uid || int(st.Gid) != f.gid {
			t.Errorf("%s: %v %d:%d, want %v %d:%d", f.path, fi.Mode(), st.Uid, st.Gid, f.mode, f.uid, f.gid)
		}
		if f.content != "" && read(t, p.path(f.path)) != f.content {
			t.Errorf("%s differs from its source", f.path)
		}
	}
	if target, err := os.Readlink(p.path("etc/systemd/system/multi-user.target.wants/timeclock-gateway.service")); err != nil ||
		target != "/etc/systemd/system/timeclock-gateway.service" {
		t.Errorf("unit not enabled: %q %v", target, err)
	}

	password := strings.TrimSpace(read(t, filepath.Join(p.bundle, "password")))
	wantEnv := `# Timeclock gateway: written by deploy/pi/install.sh; run it again to change.
# Read by systemd (EnvironmentFile) and by "gateway probe -config". Holds the MQTT password.
#@reader name=entrance kind=rcs620s dir=in usb=0403:6001:A50285BI
#@reader name=exit kind=em4100 dir=out usb=1a86:7523@1-1.4
#@reader name=side kind=pn532 dir=tap path=/dev/serial0
#@reader name=gate kind=wiegand26 dir=tap path=GPIO5,GPIO6
TIMECLOCK_BOARD=nakatsu
TIMECLOCK_SCHOOL=nakatsu-e01
TIMECLOCK_GATEWAY=gw-e01-a
TIMECLOCK_READERS="name=entrance kind=rcs620s path=/dev/timeclock-reader-entrance dir=in;name=exit kind=em4100 path=/dev/timeclock-reader-exit dir=out;name=side kind=pn532 path=/dev/serial0 dir=tap;name=gate kind=wiegand26 path=GPIO5,GPIO6 dir=tap"
TIMECLOCK_BROKER=ssl://mqtt.nakatsu.example:8883
TIMECLOCK_USERNAME=gw-e01-a
TIMECLOCK_PASSWORD=` + password + `
TIMECLOCK_CA_FILE=/etc/timeclock/tls/ca.crt
TIMECLOCK_CERT_FILE=/etc/timeclock/tls/client.crt
TIMECLOCK_KEY_FILE=/etc/timeclock/tls/client.key
TIMECLOCK_SPOOL_DIR=/var/lib/timeclock-gateway
TIMECLOCK_OLED_BUS=default
TIMECLOCK_LED_PIN=GPIO17
TIMECLOCK_BUZZER_PIN=GPIO18
TIMECLOCK_BUZZER_TONE=2700
`
	env := read(t, p.path("etc/timeclock/gateway.env"))
	if env != wantEnv {
		t.Errorf("gateway.env:\n%s\nwant:\n%s", env, wantEnv)
	}
	// Every key is one the gateway knows: its example file names them all.
	example := read(t, RepoPath(t, "deploy/gateway/gateway.env"))
	for _, m := range regexp.MustCompile(`(?m)^(TIMECLOCK_[A-Z_]+)=`).FindAllStringSubmatch(env, -1) {
		if !regexp.MustCompile(`(?m)^#?` + m[1] + `=`).MatchString(example) {
			t.Errorf("gateway.env sets %s, which deploy/gateway/gateway.env does not know", m[1])
		}
	}

	wantRules := `# Stable names of the timeclock readers: written by deploy/pi/install.sh.
# ID_MM_DEVICE_IGNORE keeps ModemManager from probing the readers with AT commands.
# reader entrance (rcs620s): FTDI FT232R 0403:6001:A50285BI
SUBSYSTEM=="tty", ATTRS{idVendor}=="0403", ATTRS{idProduct}=="6001", ATTRS{serial}=="A50285BI", SYMLINK+="timeclock-reader-entrance", GROUP="dialout", MODE="0660", ENV{ID_MM_DEVICE_IGNORE}="1"
# reader exit (em4100): WCH CH340 1a86:7523@1-1.4
SUBSYSTEM=="tty", ATTRS{idVendor}=="1a86", ATTRS{idProduct}=="7523", KERNELS=="1-1.4", SYMLINK+="timeclock-reader-exit", GROUP="dialout", MODE="0660", ENV{ID_MM_DEVICE_IGNORE}="1"
`
	if rules := read(t, p.path("etc/udev/rules.d/99-timeclock-readers.rules")); rules != wantRules {
		t.Errorf("udev rules:\n%s\nwant:\n%s", rules, wantRules)
	}
	wantConfig := strings.Replace(configTxt, "#dtparam=i2c_arm=on", "dtparam=i2c_arm=on", 1) +
		"[all]\n# timeclock (deploy/pi/install.sh)\nenable_uart=1\n"
	if c := read(t, p.path("boot/firmware/config.txt")); c != wantConfig {
		t.Errorf("config.txt:\n%s\nwant:\n%s", c, wantConfig)
	}
	if c := read(t, p.path("boot/firmware/cmdline.txt")); c != strings.Replace(cmdlineTxt, "console=serial0,115200 ", "", 1) {
		t.Errorf("cmdline.txt: %q: want the serial console gone, the rest kept", c)
	}

	for _, skipped := range []string{"systemctl daemon-reload", "udevadm control --reload-rules",
		"runuser -u timeclock -- /usr/local/bin/timeclock-gateway probe -config /etc/timeclock/gateway.env",
		"systemctl start timeclock-gateway.service"} {
		if !strings.Contains(out, "skipped (--root "+p.root+"): "+skipped) {
			t.Errorf("output does not say it skipped %q", skipped)
		}
	}

	// A second run with the same answers, and one with none, change nothing.
	before := snapshot(t, p.root)
	for _, args := range [][]string{append(fullInstall, "--bundle", p.bundle), nil} {
		out, err := p.install(t, "aarch64", args...)
		if err != nil {
			t.Fatalf("run again %v: %v\n%s", args, err, out)
		}
		if d := diffSnapshots(before, snapshot(t, p.root)); len(d) > 0 {
			t.Errorf("run again %v changed:\n%s\noutput:\n%s", args, strings.Join(d, "\n"), out)
		}
		if !strings.Contains(out, "timeclock-gateway.service unchanged") {
			t.Errorf("run again %v: output does not say unchanged:\n%s", args, out)
		}
	}

	// Another Pi model, the same card: the binary follows uname -m.
	for arch, dir := range map[string]string{"armv7l": "armv7", "armv6l": "armv6", "arm64": "arm64"} {
		if out, err := p.install(t, arch); err != nil {
			t.Fatalf("%s: %v\n%s", arch, err, out)
		}
		if got := read(t, p.path("usr/local/bin/timeclock-gateway")); got != "#!/bin/sh\necho gateway for "+dir+"\n" {
			t.Errorf("uname -m %s installed %q", arch, got)
		}
	}
}

func TestInstallPiRefuses(t *testing.T) {
	p := newPiRoot(t)
	before := snapshot(t, p.root)
	good := map[string]string{
		"--board": "nakatsu", "--school": "nakatsu-e01", "--gateway": "gw-e01-a",
		"--broker": "ssl://mqtt.nakatsu.example:8883", "--bundle": p.bundle,
	}
	args := func(change map[string]string, readers ...string) []string {
		var a []string
		for _, k := range []string{"--board", "--school", "--gateway", "--broker", "--bundle"} {
			v, ok := change[k]
			if !ok {
				v = good[k]
			}
			if v != "" {
				a = append(a, k, v)
			}
		}
		for _, r := range readers {
			a = append(a, "--reader", r)
		}
		return a
	}
	const usb = "name=entrance kind=rcs620s usb=0403:6001:A50285BI"
	cases := []struct {
		name, arch string
		args       []string
		say        string
	}{
		{"not a Pi", "x86_64", args(nil, usb), "not a Raspberry Pi"},
		{"board id", "aarch64", args(map[string]string{"--board": "Nakatsu"}, usb), "board"},
		{"no gateway id", "aarch64", args(map[string]string{"--gateway": ""}, usb), "gateway id"},
		{"broker URL", "aarch64", args(map[string]string{"--broker": "mqtt.nakatsu.example"}, usb), "broker"},
		{"TLS without certificates", "aarch64", args(map[string]string{"--bundle": ""}, usb), "--bundle"},
		{"no reader", "aarch64", args(nil), "no reader"},
		{"reader kind", "aarch64", args(nil, "name=entrance kind=rc-s380 usb=auto"), "kind="},
		{"reader without connection", "aarch64", args(nil, "name=entrance kind=rcs620s"), "either usb="},
		{"reader with two connections", "aarch64", args(nil, usb+" path=/dev/serial0"), "either usb="},
		{"same name twice", "aarch64", args(nil, usb, "name=entrance kind=em4100 path=/dev/serial0"), "named twice"},
		{"usb=auto with two adapters", "aarch64", args(nil, "name=entrance kind=rcs620s usb=auto"), "several adapters"},
		{"quote in a spec", "aarch64", args(nil, `name=entrance kind=rcs620s usb=0403:6001:A5"`), "not one of"},
		{"Wiegand on one line", "aarch64", args(nil, "name=gate kind=wiegand26 path=GPIO5"), "GPIOa,GPIOb"},
	}
	for _, c := range cases {
		out, err := p.install(t, c.arch, c.args...)
		if err == nil || !strings.Contains(out, c.say) {
			t.Errorf("%s: err %v, output:\n%s\nwant a failure saying %q", c.name, err, out, c.say)
		}
	}
	if d := diffSnapshots(before, snapshot(t, p.root)); len(d) > 0 {
		t.Errorf("refused runs changed the root:\n%s", strings.Join(d, "\n"))
	}

	out := Script(t, "deploy/pi/install.sh", "--list-usb", "--sysfs", p.sysfs)
	for _, want := range []string{"ttyUSB0  0403:6001  FTDI FT232R", "usb=0403:6001:A50285BI", "ttyUSB1  1a86:7523  WCH CH340", "usb=1a86:7523@1-1.4"} {
		if !strings.Contains(out, want) {
			t.Errorf("--list-usb lacks %q:\n%s", want, out)
		}
	}
}
