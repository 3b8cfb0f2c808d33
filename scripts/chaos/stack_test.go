package chaos

import (
	"bufio"
	"context"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"timeclock/internal/daemontest"
	"timeclock/internal/influxtest"
	"timeclock/internal/mosquittotest"
)

// The district of a run: one board, a school per gateway, staffPerSchool
// teachers at each with one card.
const (
	board          = "chaos"
	staffPerSchool = 5
	db             = "timeclock"
)

func school(g int) string     { return fmt.Sprintf("chaos-s%02d", g) }
func gatewayID(g int) string  { return fmt.Sprintf("gw-%02d", g) }
func staffID(g, k int) string { return fmt.Sprintf("S%02d%02d", g, k) }
func card(g, k int) string    { return fmt.Sprintf("felica:%016x", uint64(g)<<32|uint64(k)) }

// proc is one of the project's programs, run as a process of its own that
// the cells kill with SIGKILL or stop with SIGTERM and start again.
type proc struct {
	t     *testing.T
	name  string
	bin   string
	args  []string
	env   []string // added to the test's environment
	log   string
	ready func() error
	cmd   *exec.Cmd
	done  chan struct{}
}

func (p *proc) start() {
	p.t.Helper()
	done, err := p.spawn()
	if err != nil {
		p.t.Fatalf("%s: %v", p.name, err)
	}
	if p.ready == nil {
		return
	}
	deadline := time.Now().Add(60 * time.Second)
	for {
		err := p.ready()
		if err == nil {
			return
		}
		select {
		case <-done:
			p.t.Fatalf("%s exited at start; its log %s:\n%s", p.name, p.log, tail(p.log))
		default:
		}
		if time.Now().After(deadline) {
			p.t.Fatalf("%s not ready: %v; its log %s:\n%s", p.name, err, p.log, tail(p.log))
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// spawn starts the process, its output appended to its log, and returns a
// channel closed when it has exited.
func (p *proc) spawn() (chan struct{}, error) {
	f, err := os.OpenFile(p.log, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	fmt.Fprintf(f, "===== %s %s\n", time.Now().Format(time.RFC3339Nano), strings.Join(p.args, " "))
	p.cmd = exec.Command(p.bin, p.args...)
	p.cmd.Env = append(os.Environ(), p.env...)
	p.cmd.Stdout, p.cmd.Stderr = f, f
	p.cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := p.cmd.Start(); err != nil {
		return nil, err
	}
	done := make(chan struct{})
	p.done = done
	go func(cmd *exec.Cmd) { cmd.Wait(); close(done) }(p.cmd)
	return done, nil
}

// supervise starts p again whenever it exits, after 2 s, as the shipped
// systemd units do (Restart=always, RestartSec=2), until stop is closed; it
// returns how many times it started p. p must be running when it is
// called, and is left running (or starting) when it returns.
func (p *proc) supervise(stop <-chan struct{}) (starts int, err error) {
	done := p.done
	for {
		select {
		case <-stop:
			select {
			case <-done: // exited just now: started once more below
			default:
				return starts, nil
			}
		case <-done:
			select {
			case <-stop:
			case <-time.After(2 * time.Second):
			}
		}
		if done, err = p.spawn(); err != nil {
			return starts, err
		}
		starts++
	}
}

func (p *proc) running() bool {
	if p.cmd == nil {
		return false
	}
	select {
	case <-p.done:
		return false
	default:
		return true
	}
}

// kill9 ends the process group at once, as a power cut or the OOM killer does.
func (p *proc) kill9() {
	if p.running() {
		syscall.Kill(-p.cmd.Process.Pid, syscall.SIGKILL)
		<-p.done
	}
}

// stop ends it gracefully (SIGTERM), killing it after 30 s.
func (p *proc) stop() {
	if !p.running() {
		return
	}
	syscall.Kill(-p.cmd.Process.Pid, syscall.SIGTERM)
	select {
	case <-p.done:
	case <-time.After(30 * time.Second):
		p.t.Errorf("%s did not stop within 30 s: killed", p.name)
		p.kill9()
	}
}

func tail(path string) string {
	b, _ := os.ReadFile(path)
	if len(b) > 3000 {
		b = b[len(b)-3000:]
	}
	return string(b)
}

// stackOptions say how a cell's system is put together.
type stackOptions struct {
	gateways int
	embedded bool     // the aggregator's embedded broker instead of Mosquitto
	tmpfs    bool     // gw-00's spool on a file system of its own (a tmpfs), for the disk-full cell
	stateFS  bool     // the aggregator's state directory (the journal) on a tmpfs of its own
	cut      string   // "gateways" or "aggregator": that side reaches the broker through a relay that can cut the link (partition_test.go)
	clock    bool     // gw-00's clock stepped through a file (setClock), its sync state the kernel's way
	aggArgs  []string // extra flags of serve
}

// stack is the whole system of one cell: firmware-sim's readers and a lines
// input per gateway → gateways → broker → aggregator → influxd.
type stack struct {
	t       *testing.T
	dir     string
	opt     stackOptions
	influx  *influxtest.Server
	broker  *mosquittotest.Broker
	brokerA string // the broker's address
	relay   *relay // between one side and the broker, with stackOptions.cut
	agg     *proc
	http    string
	token   string
	gws     []*proc
	sim     *proc
	simIn   *os.File   // firmware-sim's commands FIFO
	lines   []*os.File // each gateway's lines reader FIFO, held open here
	taps    int        // taps produced at the readers
	next    []int      // per gateway: the next card index of its lines taps
	// extraStaff are staff members added to the roster by a cell.
	extraStaff []string
}

func startStack(t *testing.T, opt stackOptions) *stack {
	t.Helper()
	s := &stack{t: t, dir: t.TempDir(), opt: opt, next: make([]int, opt.gateways)}
	s.writeData(opt.gateways)
	s.influx = influxtest.Start(t, influxtest.WithDatabases(db), influxtest.WithoutFlux())
	if opt.embedded {
		s.brokerA = daemontest.Addr(daemontest.FreePort(t))
	} else {
		s.broker = mosquittotest.Start(t)
		s.brokerA = daemontest.Addr(s.broker.Port())
	}
	if opt.cut != "" {
		s.relay = startRelay(t, s.brokerA)
	}
	s.token = s.addAdmin()
	s.http = daemontest.Addr(daemontest.FreePort(t))
	if opt.stateFS {
		s.mountTmpfs(filepath.Join(s.dir, "state"), "64m")
	}
	args := []string{"serve", "-data", filepath.Join(s.dir, "data"), "-state", filepath.Join(s.dir, "state"),
		"-influx-url", s.influx.URL(), "-influx-db", db, "-http-listen", s.http,
		"-users", filepath.Join(s.dir, "users.csv"), "-log-format", "json", "-snapshot-every", "0"}
	if opt.embedded {
		args = append(args, "-mqtt-url", "", "-broker-listen", s.brokerA)
	} else {
		broker := s.brokerA
		if opt.cut == "aggregator" {
			broker = s.relay.addr()
		}
		args = append(args, "-mqtt-url", "tcp://"+broker)
	}
	s.agg = &proc{t: t, name: "aggregator", bin: bins.aggregator, args: append(args, opt.aggArgs...),
		log: filepath.Join(s.dir, "aggregator.log"), ready: s.readyz}
	t.Cleanup(s.stopAll)
	s.agg.start()
	s.startSim()
	for g := range opt.gateways {
		s.startGateway(g)
	}
	return s
}

func (s *stack) stopAll() {
	for _, g := range s.gws {
		g.stop()
	}
	if s.sim != nil {
		s.sim.stop()
	}
	s.agg.stop()
	if s.t.Failed() {
		s.t.Logf("logs of the cell in %s", s.dir)
	}
}

// writeData writes the reference data: a school per gateway.
func (s *stack) writeData(gateways int) {
	dir := filepath.Join(s.dir, "data")
	os.MkdirAll(dir, 0o755)
	var roster strings.Builder
	roster.WriteString("staff_id,name,role,board,school,school_type,schedule,cards,start_date,end_date\n")
	for g := range gateways {
		for k := range staffPerSchool {
			fmt.Fprintf(&roster, "%s,職員%s,teacher,%s,%s,elementary,std,%s,2026-04-01,\n",
				staffID(g, k), staffID(g, k), board, school(g), card(g, k))
		}
	}
	s.write("data/roster.csv", roster.String())
	s.write("data/schedules.csv", "schedule,days,start,end,break_min\nstd,Mon Tue Wed Thu Fri,08:15,16:45,45\n")
	s.write("data/calendar.csv", "date,scope,kind,value,note\n")
}

func (s *stack) write(rel, body string) {
	if err := os.WriteFile(filepath.Join(s.dir, rel), []byte(body), 0o644); err != nil {
		s.t.Fatal(err)
	}
}

// addAdmin issues the token of an admin of the API.
func (s *stack) addAdmin() string {
	out, err := exec.Command(bins.aggregator, "users", "add", "-file", filepath.Join(s.dir, "users.csv"),
		"-user", "chaos-admin", "-role", "admin").Output()
	if err != nil {
		s.t.Fatalf("users add: %v", err)
	}
	return strings.TrimSpace(string(out))
}

func (s *stack) readyz() error {
	resp, err := http.Get("http://" + s.http + "/readyz")
	if err != nil {
		return err
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("readyz: %s", resp.Status)
	}
	return nil
}

// api GETs path with the admin's token (or token, if given) and returns the
// status and body.
func (s *stack) api(path, token string) (int, []byte) {
	req, _ := http.NewRequest("GET", "http://"+s.http+path, nil)
	if token == "" {
		token = s.token
	}
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		s.t.Fatalf("GET %s: %v", path, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, b
}

// startSim runs firmware-sim with an RC-S620S per gateway, driven by
// commands written to a FIFO.
func (s *stack) startSim() {
	s.simIn = daemontest.FIFO(s.t, "sim.commands")
	args := []string{"-commands", s.simIn.Name(), "-log-level", "warn"}
	for g := range s.opt.gateways {
		args = append(args, "-reader", fmt.Sprintf("name=%s kind=rcs620s link=%s", gatewayID(g), s.simLink(g)))
	}
	s.sim = &proc{t: s.t, name: "firmware-sim", bin: bins.sim, args: args, log: filepath.Join(s.dir, "firmware-sim.log"),
		ready: func() error {
			for g := range s.opt.gateways {
				if _, err := os.Stat(s.simLink(g)); err != nil {
					return err
				}
			}
			return nil
		}}
	s.sim.start()
}

func (s *stack) simLink(g int) string { return filepath.Join(s.dir, "reader-"+gatewayID(g)) }

// mountTmpfs mounts a tmpfs of size at dir, for a cell that fills a file
// system (it runs as root); the test's cleanup unmounts it.
func (s *stack) mountTmpfs(dir, size string) {
	os.MkdirAll(dir, 0o755)
	if out, err := exec.Command("mount", "-t", "tmpfs", "-o", "size="+size, "tmpfs", dir).CombinedOutput(); err != nil {
		s.t.Fatalf("a tmpfs at %s (the disk-full cells run as root): %v: %s", dir, err, out)
	}
	s.t.Cleanup(func() { exec.Command("umount", "-l", dir).Run() })
}

// startGateway runs gateway g with two readers: the emulated RC-S620S and a
// lines input for bursts.
func (s *stack) startGateway(g int) {
	lines := daemontest.FIFO(s.t, "lines-"+gatewayID(g))
	s.lines = append(s.lines, lines)
	spool := filepath.Join(s.dir, "spool-"+gatewayID(g))
	if g == 0 && s.opt.tmpfs {
		s.mountTmpfs(spool, "16m")
	}
	clock, hold, env := "assume", "2m", []string(nil)
	if g == 0 && s.opt.clock {
		s.setClock("0 synced")
		clock, hold, env = "kernel", "5s", []string{"TIMECLOCK_CHAOS_CLOCK=" + s.clockFile()} // clocktrust.ChaosEnv
	}
	broker := s.brokerA
	if s.opt.cut == "gateways" {
		broker = s.relay.addr()
	}
	metrics := daemontest.Addr(daemontest.FreePort(s.t))
	p := &proc{t: s.t, name: gatewayID(g), bin: bins.gateway, log: filepath.Join(s.dir, gatewayID(g)+".log"), env: env,
		args: []string{"run", "-board", board, "-school", school(g), "-gateway", gatewayID(g),
			"-broker", "tcp://" + broker, "-spool-dir", spool,
			"-reader", "name=entrance kind=rcs620s path=" + s.simLink(g) + " dir=tap",
			"-reader", "name=bulk kind=lines path=" + lines.Name() + " dir=tap",
			"-clock-sync", clock, "-debounce", "0", "-ack-timeout", "2s", "-ack-timeout-max", "4s",
			"-status-every", "1s", "-log-format", "json", "-metrics", metrics, "-unsynced-hold", hold},
		ready: func() error {
			resp, err := http.Get("http://" + metrics + "/metrics")
			if err == nil {
				resp.Body.Close()
			}
			return err
		}}
	s.gws = append(s.gws, p)
	p.start()
}

func (s *stack) clockFile() string { return filepath.Join(s.dir, "clock-"+gatewayID(0)) }

// setClock steps gw-00's clock: an offset from the machine's and a sync
// state, e.g. "-1h unsynced" (gateway/internal/clocktrust/machine_chaos.go).
func (s *stack) setClock(state string) {
	tmp := s.clockFile() + ".new"
	s.write(filepath.Base(tmp), state+"\n")
	if err := os.Rename(tmp, s.clockFile()); err != nil {
		s.t.Fatal(err)
	}
}

// burst writes n taps to each gateway's lines input, a tap every gap, the
// cards of its school's staff in turn.
func (s *stack) burst(n int, gap time.Duration) {
	for range n {
		for g, f := range s.lines {
			k := s.next[g] % staffPerSchool
			s.next[g]++
			if _, err := fmt.Fprintln(f, card(g, k)); err != nil {
				s.t.Fatal(err)
			}
			s.taps++
		}
		time.Sleep(gap)
	}
}

// simTap taps a card at gateway g's emulated reader.
func (s *stack) simTap(g, k int) {
	s.simWrite(g, k)
	s.taps++
}

// simWrite is simTap without the count, for a goroutine beside a burst
// (which counts its own taps): the caller adds its taps when both are done.
func (s *stack) simWrite(g, k int) {
	if _, err := fmt.Fprintf(s.simIn, "%s %s 120ms\n", gatewayID(g), card(g, k)); err != nil {
		s.t.Fatal(err)
	}
}

// accepted returns the ids the gateways recorded (and confirmed to the
// person): their "tap recorded" log lines.
func (s *stack) accepted() map[string]bool {
	ids := map[string]bool{}
	for _, g := range s.gws {
		for _, l := range logLines(s.t, g.log) {
			if id, ok := l["id"].(string); ok && l["msg"] == "tap recorded" {
				ids[id] = true
			}
		}
	}
	return ids
}

// points returns the ids of the punch points in InfluxDB, with repeats.
func (s *stack) points(ctx context.Context) ([]string, error) {
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	q := url.Values{"db": {db}, "q": {"SELECT id FROM punch"}}
	req, _ := http.NewRequestWithContext(ctx, "GET", s.influx.URL()+"/query?"+q.Encode(), nil)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	var r struct {
		Results []struct {
			Error  string
			Series []struct{ Values [][]any }
		}
	}
	if err := json.NewDecoder(resp.Body).Decode(&r); err != nil {
		return nil, err
	}
	var ids []string
	for _, res := range r.Results {
		if res.Error != "" {
			return nil, errors.New(res.Error)
		}
		for _, se := range res.Series {
			for _, v := range se.Values {
				if len(v) > 1 {
					if id, ok := v[1].(string); ok {
						ids = append(ids, id)
					}
				}
			}
		}
	}
	return ids, nil
}

// drain waits until every accepted tap is a point in InfluxDB (or the
// limit passes) and returns how long that took.
func (s *stack) drain(limit time.Duration) time.Duration {
	return s.drainOf(limit, func(string) bool { return true })
}

// drainOf waits for the accepted taps whose id passes keep.
func (s *stack) drainOf(limit time.Duration, keep func(id string) bool) time.Duration {
	start := time.Now()
	for time.Since(start) < limit {
		ids, err := s.points(context.Background())
		if err == nil {
			have := distinct(ids)
			all, n := true, 0
			for id := range s.accepted() {
				if keep(id) {
					all, n = all && have[id], n+1
				}
			}
			if all && n > 0 {
				return time.Since(start)
			}
		}
		time.Sleep(200 * time.Millisecond)
	}
	return time.Since(start)
}

// logLines returns the JSON log lines of a program.
func logLines(t *testing.T, path string) []map[string]any {
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out []map[string]any
	sc := bufio.NewScanner(f)
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		var l map[string]any
		if json.Unmarshal(sc.Bytes(), &l) == nil {
			out = append(out, l)
		}
	}
	return out
}

// count counts the lines of p's JSON log that match.
func (p *proc) count(match func(l map[string]any) bool) int {
	n := 0
	for _, l := range logLines(p.t, p.log) {
		if match(l) {
			n++
		}
	}
	return n
}

// logged counts the lines of p's JSON log with message msg.
func (p *proc) logged(msg string) int {
	return p.count(func(l map[string]any) bool { return l["msg"] == msg })
}

// loggedErr counts the lines of p's JSON log at level with message msg
// whose err holds part.
func (p *proc) loggedErr(level, msg, part string) int {
	return p.count(func(l map[string]any) bool {
		e, _ := l["err"].(string)
		return l["level"] == level && l["msg"] == msg && strings.Contains(e, part)
	})
}

// staffMonths reads the live staff-month figures of the month from the API.
func (s *stack) staffMonths(month string) map[string]string {
	out := map[string]string{}
	staff := slices.Clone(s.extraStaff)
	for g := range s.opt.gateways {
		for k := range staffPerSchool {
			staff = append(staff, staffID(g, k))
		}
	}
	for _, id := range staff {
		{
			code, b := s.api("/api/v1/staff/"+id+"/months/"+month, "")
			if code != http.StatusOK {
				s.t.Fatalf("staff month of %s: %d %s", id, code, b)
			}
			var v struct {
				OvertimeMin    int64 `json:"overtime_min"`
				FYMin          int64 `json:"fy_min"`
				DaysWorked     int   `json:"days_worked"`
				IncompleteDays int   `json:"incomplete_days"`
			}
			json.Unmarshal(b, &v)
			out[id] = fmt.Sprintf("days %d incomplete %d overtime %d fy %d", v.DaysWorked, v.IncompleteDays, v.OvertimeMin, v.FYMin)
		}
	}
	return out
}

// export stops the aggregator and writes out its journal's events.
func (s *stack) export() (path string, ids []string) {
	s.agg.stop()
	path = filepath.Join(s.dir, "export", "events.jsonl")
	os.MkdirAll(filepath.Dir(path), 0o755)
	if out, err := exec.Command(bins.aggregator, "export", "-state", filepath.Join(s.dir, "state"), "-out", path).CombinedOutput(); err != nil {
		s.t.Fatalf("export: %v\n%s", err, out)
	}
	f, err := os.Open(path)
	if err != nil {
		s.t.Fatal(err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		var e struct{ Type, ID string }
		json.Unmarshal(sc.Bytes(), &e)
		if e.Type == "tap" {
			ids = append(ids, e.ID)
		}
	}
	return path, ids
}

// exported reads the events the last export wrote: the taps by id.
func (s *stack) exported() map[string]exportedTap {
	f, err := os.Open(filepath.Join(s.dir, "export", "events.jsonl"))
	if err != nil {
		s.t.Fatal(err)
	}
	defer f.Close()
	taps := map[string]exportedTap{}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		var e struct {
			Type, ID string
			exportedTap
		}
		jsonUnmarshal(s.t, sc.Bytes(), &e)
		if e.Type == "tap" {
			taps[e.ID] = e.exportedTap
		}
	}
	return taps
}

// exportedTap is what a cell reads of an exported tap.
type exportedTap struct {
	TS    time.Time `json:"ts"`
	Clock string    `json:"clock"`
}

// reportMonths runs `aggregator report` on the exported events.
func (s *stack) reportMonths(events, month string) map[string]string {
	dir := filepath.Join(s.dir, "report")
	for _, name := range []string{"roster.csv", "schedules.csv", "calendar.csv"} {
		b, _ := os.ReadFile(filepath.Join(s.dir, "data", name))
		os.MkdirAll(filepath.Join(dir, "in"), 0o755)
		os.WriteFile(filepath.Join(dir, "in", name), b, 0o644)
	}
	b, _ := os.ReadFile(events)
	os.WriteFile(filepath.Join(dir, "in", "events.jsonl"), b, 0o644)
	if out, err := exec.Command(bins.aggregator, "report", "--data", filepath.Join(dir, "in"), "--from", month,
		"--to", month, "--out", filepath.Join(dir, "out")).CombinedOutput(); err != nil {
		s.t.Fatalf("report: %v\n%s", err, out)
	}
	f, err := os.Open(filepath.Join(dir, "out", "staff_months.csv"))
	if err != nil {
		s.t.Fatal(err)
	}
	defer f.Close()
	rows, err := csv.NewReader(f).ReadAll()
	if err != nil || len(rows) == 0 {
		s.t.Fatalf("staff_months.csv: %v", err)
	}
	out := map[string]string{}
	for _, r := range rows[1:] {
		// staff_id,month,days_worked,incomplete_days,overtime_min,fy_overtime_min,…
		out[r[0]] = fmt.Sprintf("days %s incomplete %s overtime %s fy %s", r[2], r[3], r[4], r[5])
	}
	return out
}

// count is what a cell found.
type count struct {
	taps, accepted, journaled, influx, lost, doubled int
	recovery                                         time.Duration
	months                                           string // "equal" or the first difference
}

// settle waits for the drain, compares the live staff months with the
// report on the journal's events, and counts.
func (s *stack) settle(limit time.Duration, since time.Time) count {
	s.drain(limit)
	recovery := time.Since(since)
	month := time.Now().In(tokyo).Format("2006-01")
	live := s.staffMonths(month)
	ids, err := s.points(context.Background())
	if err != nil {
		s.t.Fatal(err)
	}
	acc := s.accepted()
	events, journaled := s.export()
	c := count{taps: s.taps, accepted: len(acc), journaled: len(journaled), influx: len(ids), recovery: recovery}
	c.doubled = len(journaled) - len(distinct(journaled)) + len(ids) - len(distinct(ids))
	inJ, inI := distinct(journaled), distinct(ids)
	for id := range acc {
		if !inJ[id] || !inI[id] {
			c.lost++
		}
	}
	for id := range inJ {
		if !inI[id] {
			c.lost++ // journaled, never written to InfluxDB
		}
	}
	c.months = "equal"
	rep := s.reportMonths(events, month)
	keys := make([]string, 0, len(live))
	for k := range live {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		if live[k] != rep[k] {
			c.months = fmt.Sprintf("%s: live %s, report %s", k, live[k], rep[k])
			break
		}
	}
	return c
}

func distinct(ids []string) map[string]bool {
	m := make(map[string]bool, len(ids))
	for _, id := range ids {
		m[id] = true
	}
	return m
}

var tokyo = func() *time.Location {
	l, err := time.LoadLocation("Asia/Tokyo")
	if err != nil {
		return time.FixedZone("JST", 9*3600)
	}
	return l
}()

func jsonUnmarshal(t *testing.T, b []byte, v any) {
	if err := json.Unmarshal(b, v); err != nil {
		t.Fatalf("%v: %s", err, b)
	}
}
