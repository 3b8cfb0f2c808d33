// Package service assembles `aggregator serve`: the journal, the engine
// rebuilt from it, the embedded broker (when no broker URL is configured),
// the MQTT ingest, the InfluxDB sink, the HTTP server with health, metrics,
// the JSON API and the live page behind one set of users, the reload of the
// reference files and of the users file, and the date ticker.
// Every part has Run(ctx) and they run together in one errgroup: when one
// fails, all stop, each after finishing what it has in hand.
package service

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"path/filepath"
	"time"

	"golang.org/x/sync/errgroup"

	"timeclock/aggregator/internal/api"
	"timeclock/aggregator/internal/auth"
	"timeclock/aggregator/internal/broker"
	"timeclock/aggregator/internal/config"
	"timeclock/aggregator/internal/influxsink"
	"timeclock/aggregator/internal/ingest"
	"timeclock/aggregator/internal/journal"
	"timeclock/aggregator/internal/metrics"
	"timeclock/aggregator/internal/series"
	"timeclock/aggregator/internal/web"
	"timeclock/aggregator/internal/web/journalfeed"
	"timeclock/internal/overtime"
	"timeclock/internal/punch"
	"timeclock/internal/roster"
)

// Service is a configured, started aggregator.
type Service struct {
	cfg      *config.Config
	log      *slog.Logger
	now      func() time.Time
	m        *metrics.Metrics
	j        *journal.Journal
	live     *Live
	broker   *broker.Broker
	mqtt     mqttSide
	pipe     *ingest.Pipeline
	sink     *influxsink.Sink
	feed     *journalfeed.Feed // the live page's view of the journal
	users    *auth.Store
	writer   *influxsink.Writer
	httpLn   net.Listener
	debugLn  net.Listener // the profiler's, when -debug-listen is set
	http     *http.Server
	mux      *http.ServeMux
	reload   chan struct{}
	files    fileState
	mqttURL  string
	snapKey  string // what the engine was built on (see snapshotKey); writer or stopped only
	digest   string // of the reference files read at New (see dataDigest), for journalChangedData
	restored bool   // the engine started from the snapshot
	ran      bool
}

// New opens the journal, loads the reference data, rebuilds the engine from
// the journal and binds the listeners. now is the clock (time.Now in
// production). Run starts the work; Close releases what New took if Run is
// never called.
func New(cfg *config.Config, log *slog.Logger, now func() time.Time) (s *Service, err error) {
	s = &Service{cfg: cfg, log: log, now: now, m: metrics.New(), reload: make(chan struct{}, 1)}
	opened := s // s is nil once an error is returned
	defer func() {
		if err != nil {
			opened.Close()
		}
	}()
	digest := dataDigest(cfg.Data)
	data, errs := roster.LoadDir(cfg.Data)
	for _, e := range errs {
		log.Error("reference data", "err", e)
	}
	if data == nil {
		return nil, fmt.Errorf("reference data in %s unusable: %w", cfg.Data, errors.Join(errs...))
	}
	s.files = statFiles(cfg.Data)
	if s.users, err = newUsers(cfg); err != nil {
		return nil, err
	}
	if s.users.Len() == 0 {
		log.Warn("no users: the API and the live page refuse every request (aggregator users add)")
	}
	for _, p := range s.users.Users() {
		if !auth.OnRoster(p.Role, p.Scope, data) {
			log.Warn("user's scope is not on the roster: they see nothing", "user", p.User, "role", p.Role, "scope", p.Scope)
		}
	}
	boards := cfg.Boards
	if len(boards) == 0 {
		boards = web.Boards(data)
	}
	if len(boards) == 0 {
		return nil, errors.New("no boards to serve: set -boards or list staff in roster.csv")
	}
	if s.j, err = journal.Open(filepath.Join(cfg.State, journal.FileName)); err != nil {
		return nil, err
	}
	oc := overtime.DefaultConfig()
	oc.DayStartMin = cfg.DayStartMin
	oc.DebounceMs = cfg.Debounce.Milliseconds()
	s.live = NewLive(oc)
	start := time.Now()
	s.snapKey, s.digest = snapshotKey(digest, oc), digest
	feed, err := s.rebuild(data, now())
	if err != nil {
		return nil, err
	}
	log.Info("engine rebuilt from the journal", "records", s.j.Last(), "staff", data.Len(),
		"took", time.Since(start).Round(time.Millisecond))
	s.m.Gauge("timeclock_staff_tracked", "Staff members on the roster the engine tracks.",
		func() float64 { return float64(s.live.Engine().Roster().Len()) })
	s.m.Gauge("timeclock_journal_last_seq", "Sequence number of the last journal record.",
		func() float64 { return float64(s.j.Last()) })

	s.mqttURL = cfg.MQTTURL
	if s.mqttURL == "" {
		if s.broker, err = broker.New(cfg.BrokerListen, filepath.Join(cfg.State, "broker"), log); err != nil {
			return nil, err
		}
		s.mqttURL = s.broker.URL()
	}
	var lim ingest.Limits
	if cfg.IngestRate > 0 {
		lim = ingest.Limits{Rate: cfg.IngestRate, Burst: cfg.IngestBurst}
	}
	s.pipe = ingest.New(s.j, s.live, nil, boards, lim, now, log, s.m)
	if s.broker != nil {
		s.mqtt = ingest.NewInline(s.broker, s.pipe, boards, log, s.m)
	} else if s.mqtt, err = ingest.NewClient(ingest.MQTTConfig{URL: s.mqttURL, ClientID: cfg.MQTTClientID,
		User: cfg.MQTTUser, Password: cfg.MQTTPassword, CA: cfg.MQTTCA, Cert: cfg.MQTTCert, Key: cfg.MQTTKey,
		Boards: boards, Share: cfg.MQTTShare}, s.pipe, log, s.m); err != nil {
		return nil, err
	}
	s.pipe.SetOutput(s.mqtt)

	if cfg.InfluxURL != "" {
		s.writer = influxsink.NewWriter(influxsink.Target{URL: cfg.InfluxURL, Database: cfg.InfluxDB,
			RetentionPolicy: cfg.InfluxRP, User: cfg.InfluxUser, Password: cfg.InfluxPassword, Org: cfg.InfluxOrg,
			Bucket: cfg.InfluxBucket, Token: cfg.InfluxToken, CreateDatabase: cfg.InfluxCreateDB}, log)
		s.sink = influxsink.New(s.j, s.writer, series.NewRecords(s.live.Engine),
			series.NewState(s.live.Engine, s.lookup, now, cfg.DayStartMin, boards), cfg.InfluxBatch, time.Second, log, s.m)
	} else {
		log.Warn("no -influx-url: the InfluxDB series are not written")
	}

	s.m.Gauge("timeclock_api_users", "Users holding a token of the API and the live page.",
		func() float64 { return float64(s.users.Len()) })
	s.mux = http.NewServeMux()
	api.New(api.Deps{Engine: s.live.Engine, Open: s.live.Open, Journal: s.j, Submit: s.pipe.Submit, Auth: s.users,
		Gateways: s.pipe.Gateways, Limits: s.pipe.Limits(), Now: now, DayStartMin: cfg.DayStartMin, Ready: s.ready,
		InfluxLag: s.InfluxLag, Metrics: s.m, Log: log}).Register(s.mux)
	s.feed = feed
	s.mux.Handle("/", web.New(web.Deps{Engine: web.ViewFunc(func(fn func(*overtime.Engine, *roster.Data)) {
		s.live.Engine().View(fn)
	}), Gateways: s.feed, Alerts: pageAlerts{s.feed, s.live}, Taps: s.feed, Auth: webAuth{s.users}, Now: now,
		DayStartMin: cfg.DayStartMin, Log: log}))
	if s.httpLn, err = net.Listen("tcp", cfg.HTTPListen); err != nil {
		return nil, fmt.Errorf("http: %w", err)
	}
	if cfg.DebugListen != "" {
		if s.debugLn, err = net.Listen("tcp", cfg.DebugListen); err != nil {
			return nil, fmt.Errorf("debug listener: %w", err)
		}
	}
	s.http = &http.Server{Handler: s.mux, ReadHeaderTimeout: 10 * time.Second, MaxHeaderBytes: maxHeaderBytes,
		IdleTimeout: 2 * time.Minute}
	return s, nil
}

// maxHeaderBytes bounds a request's header (net/http's default is 1 MiB).
const maxHeaderBytes = 32 << 10

// newUsers reads the users file and adds the in-process credentials.
func newUsers(cfg *config.Config) (*auth.Store, error) {
	static := make([]auth.User, 0, len(cfg.Tokens))
	for _, t := range cfg.Tokens {
		u := auth.User{Name: t.Name, Role: t.Role, Scope: t.Name, Hash: auth.HashToken(t.Secret)}
		if t.Role == auth.RoleAdmin {
			u.Scope = ""
		}
		static = append(static, u)
	}
	return auth.NewStore(cfg.Users, static)
}

// pageAlerts is what the live page shows of the alerts: the raised set as
// journaled, kept by Live (as the API reads it), and the month's
// transitions counted by the feed.
type pageAlerts struct {
	*journalfeed.Feed
	live *Live
}

func (a pageAlerts) OpenAlerts() []journal.Alert { return a.live.Open() }

// webAuth gives the live page the API's users: its Name is the scope (an
// admin's: the user).
type webAuth struct{ s *auth.Store }

func (a webAuth) Authenticate(r *http.Request) (web.Principal, bool) {
	p, ok := a.s.Authenticate(r)
	if !ok {
		return web.Principal{}, false
	}
	name := p.Scope
	if p.Role == auth.RoleAdmin {
		name = p.User
	}
	return web.Principal{Role: p.Role, Name: name}, true
}

// events replays the journal: events into fn, alert records into alerts.
// Reading and decoding run in a goroutine of their own, ahead of fn.
func (s *Service) events(from uint64, fn func(punch.Event) error, alerts func(journal.Alert)) error {
	type chunk struct {
		evs []punch.Event
		als []journal.Alert
	}
	ch := make(chan chunk, 8)
	stop := make(chan struct{})
	var scanErr error
	go func() {
		defer close(ch)
		var c chunk
		send := func() bool {
			select {
			case ch <- c:
				c = chunk{evs: make([]punch.Event, 0, 1024)}
				return true
			case <-stop:
				return false
			}
		}
		errStop := errors.New("stopped")
		_, scanErr = s.j.Scan(from, 0, func(seq uint64, kind journal.Kind, data []byte) error {
			switch kind {
			case journal.KindTap, journal.KindAdjustment:
				e, err := journal.DecodeEvent(data)
				if err != nil {
					return fmt.Errorf("record %d: %w", seq, err)
				}
				c.evs = append(c.evs, e.Event)
			case journal.KindAlert:
				if alerts == nil {
					return nil
				}
				a, err := journal.DecodeAlert(data)
				if err != nil {
					return fmt.Errorf("record %d: %w", seq, err)
				}
				c.als = append(c.als, a)
			default:
				return nil
			}
			if len(c.evs)+len(c.als) >= 1024 && !send() {
				return errStop
			}
			return nil
		})
		if scanErr == nil {
			send()
		}
		if errors.Is(scanErr, errStop) {
			scanErr = nil
		}
	}()
	var err error
	for c := range ch {
		if err != nil {
			continue
		}
		for _, ev := range c.evs {
			if err = fn(ev); err != nil {
				close(stop)
				break
			}
		}
		for _, a := range c.als {
			alerts(a)
		}
	}
	if err != nil {
		return err
	}
	return scanErr
}

func (s *Service) lookup(id string) (journal.Entry, bool) {
	_, kind, data, ok := s.j.Lookup(id)
	if !ok || (kind != journal.KindTap && kind != journal.KindAdjustment) {
		return journal.Entry{}, false
	}
	e, err := journal.DecodeEvent(data)
	return e, err == nil
}

// HTTPAddr returns the bound HTTP address.
func (s *Service) HTTPAddr() string { return s.httpLn.Addr().String() }

// mqttSide is how the pipeline meets the broker: a client of an external
// one (ingest.Client), or a subscription inside the embedded one
// (ingest.Inline).
type mqttSide interface {
	ingest.Output
	Run(ctx context.Context) error
	Connected() bool
}

// MQTTURL returns the broker the aggregator uses (the embedded one's when
// no URL was configured).
func (s *Service) MQTTURL() string { return s.mqttURL }

// Live returns the engine holder.
func (s *Service) Live() *Live { return s.live }

// Journal returns the journal.
func (s *Service) Journal() *journal.Journal { return s.j }

// InfluxLag returns the journal records not yet written to InfluxDB (0
// without a sink).
func (s *Service) InfluxLag() uint64 {
	if s.sink == nil {
		return 0
	}
	return s.sink.Lag()
}

// ready lists what keeps the aggregator from serving (empty: ready).
func (s *Service) ready() []string {
	var out []string
	if !s.mqtt.Connected() {
		out = append(out, "mqtt: not connected")
	}
	return out
}

// Reload asks for a reload of the reference files now (as SIGHUP does).
func (s *Service) Reload() {
	select {
	case s.reload <- struct{}{}:
	default:
	}
}

// Run runs every part until ctx is done or one fails.
func (s *Service) Run(ctx context.Context) error {
	s.ran = true
	defer s.Close()
	g, ctx := errgroup.WithContext(ctx)
	if s.broker != nil {
		g.Go(func() error { return s.broker.Run(ctx) })
	}
	// The pipeline outlives the client a little: messages it has queued are
	// either finished or left unacknowledged for the broker to redeliver.
	g.Go(func() error { return s.pipe.Run(ctx) })
	g.Go(func() error { return s.mqtt.Run(ctx) })
	if s.sink != nil {
		g.Go(func() error { return s.sink.Run(ctx) })
	}
	g.Go(func() error { return s.feed.Run(ctx) })
	g.Go(func() error { return serve(ctx, s.http, s.httpLn, "http", 5*time.Second) })
	g.Go(func() error { return s.watch(ctx) })
	g.Go(func() error { return s.snapshots(ctx) })
	if s.debugLn != nil {
		g.Go(func() error { return serveDebug(ctx, s.debugLn) })
	}
	s.log.Info("aggregator serving", "http", s.HTTPAddr(), "mqtt", s.mqttURL, "influx", s.cfg.InfluxURL)
	err := g.Wait()
	if err == nil {
		// Every journaled event is applied and nothing else is: the
		// next start replays only what comes after.
		if serr := s.saveSnapshot(); serr != nil {
			s.log.Warn("engine snapshot not written at shutdown; the next start replays the whole journal", "err", serr)
		}
	}
	if err != nil {
		// The process ends on it (systemd starts it again): an error, so
		// that a journal that cannot be written stands out in the log.
		s.log.Error("aggregator stopped", "err", err)
	} else {
		s.log.Info("aggregator stopped")
	}
	return err
}

// serve runs srv on ln until ctx is done, then shuts it down, letting the
// requests in flight finish for up to grace. A failure to serve is named
// with what.
func serve(ctx context.Context, srv *http.Server, ln net.Listener, what string, grace time.Duration) error {
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return fmt.Errorf("%s: %w", what, err)
	case <-ctx.Done():
	}
	sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), grace)
	defer cancel()
	return srv.Shutdown(sctx)
}

// Close releases the journal and whatever New opened.
func (s *Service) Close() {
	if s.httpLn != nil {
		s.httpLn.Close()
	}
	if s.debugLn != nil {
		s.debugLn.Close()
	}
	if s.broker != nil && !s.ran {
		s.broker.Close()
	}
	if s.writer != nil {
		s.writer.Close()
	}
	if s.j != nil {
		s.j.Close()
	}
}
