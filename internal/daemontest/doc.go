// Package daemontest runs a real external server program (Mosquitto, influxd)
// for a test: it finds the binary, picks free loopback ports, starts the
// program in its own process group with its output in a log file, waits until
// it is ready, and stops it when the test ends — killing the whole group, so
// no process outlives the test even when the test fails or the test binary
// dies. The log is shown when the test fails.
//
// The component packages (mosquittotest, influxtest) build on it; tests use
// those.
//
// When the environment variable TIMECLOCK_COMPONENT_LOG names a file, every
// start is recorded there as one line "name<TAB>version<TAB>binary<TAB>test",
// so `make test` can show that the real components ran.
package daemontest
