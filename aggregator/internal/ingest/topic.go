package ingest

import "timeclock/internal/punch"

// Filters returns the subscriptions for boards: their punch topics (as
// shared subscriptions of group when group is not empty, so one instance of
// the group takes each tap) and their status topics. Status is never shared:
// brokers send no retained messages to shared subscriptions, and a status
// report journaled by two instances is the same point.
func Filters(boards []string, group string) []string {
	var out []string
	for _, b := range boards {
		f := punch.PunchSubscription(b)
		if group != "" {
			f = "$share/" + group + "/" + f
		}
		out = append(out, f, punch.StatusSubscription(b))
	}
	return out
}
