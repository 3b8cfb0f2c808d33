package daemontest

import (
	"fmt"
	"os"
	"strings"
)

// RecordEnv names the file that collects one line per component start.
const RecordEnv = "TIMECLOCK_COMPONENT_LOG"

// record appends "name version binary test" to the file named by RecordEnv.
// One short write with O_APPEND keeps lines whole across parallel test
// binaries.
func record(spec Spec, test string) {
	path := os.Getenv(RecordEnv)
	if path == "" {
		return
	}
	f, err := os.OpenFile(path, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return
	}
	defer f.Close()
	clean := strings.NewReplacer("\t", " ", "\n", " ").Replace
	fmt.Fprintf(f, "%s\t%s\t%s\t%s\n", clean(spec.Name), clean(spec.Version), clean(spec.Path), clean(test))
}
