package influxsink

import (
	"testing"

	"go.uber.org/goleak"
)

// Run returns after its work: no goroutine of the sink outlives a test.
func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }
