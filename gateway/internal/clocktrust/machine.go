//go:build !chaos

package clocktrust

// Machine returns the clocks the gateway runs on: the running machine's.
// (A build with -tags chaos, for the fault matrix, can step them: see
// machine_chaos.go.)
func Machine() (Source, error) {
	s, err := NewSystem()
	if err != nil {
		return nil, err
	}
	return s, nil
}
