package broker

import (
	"testing"

	"go.uber.org/goleak"
)

// The broker's Run returns after closing its listener, clients and store.
func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m,
		// paho's test clients end their background workers a little after
		// Disconnect returns.
		goleak.IgnoreAnyFunction("github.com/eclipse/paho.mqtt.golang.(*client).startCommsWorkers.func1"),
		// pebble's table cache ends this loop asynchronously after Close.
		goleak.IgnoreTopFunction("github.com/cockroachdb/pebble.(*tableCacheShard).releaseLoop.func1"))
}
