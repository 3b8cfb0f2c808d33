package service

import (
	"context"
	"net"
	"net/http"
	"net/http/pprof"
	"runtime"
	"time"
)

// serveDebug serves Go's profiler on ln until ctx is done. It is off unless
// -debug-listen names an address; it has no users, so it belongs on
// loopback. The block and mutex profiles are sampled while it runs.
func serveDebug(ctx context.Context, ln net.Listener) error {
	runtime.SetBlockProfileRate(int(10 * time.Microsecond))
	runtime.SetMutexProfileFraction(100)
	defer runtime.SetBlockProfileRate(0)
	defer runtime.SetMutexProfileFraction(0)
	mux := http.NewServeMux()
	mux.HandleFunc("/debug/pprof/", pprof.Index)
	mux.HandleFunc("/debug/pprof/cmdline", pprof.Cmdline)
	mux.HandleFunc("/debug/pprof/profile", pprof.Profile)
	mux.HandleFunc("/debug/pprof/symbol", pprof.Symbol)
	mux.HandleFunc("/debug/pprof/trace", pprof.Trace)
	return serve(ctx, &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}, ln, "debug listener", 2*time.Second)
}
