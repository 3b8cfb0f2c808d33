package punch

import (
	"encoding/json"
	"testing"
	"time"
)

// Speed of the hot path of `aggregator report`: about 5 million events a
// fiscal year, mostly taps, within 10 s on 2 cores.

func BenchmarkDecodeTap(b *testing.B) {
	data := []byte(sampleTap)
	now := time.Date(2026, 7, 1, 0, 0, 0, 0, time.UTC)
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Decode(data, now); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkDecodeTapParallel decodes on every core, as the report command
// does with its workers; ns/op is per tap across all cores.
func BenchmarkDecodeTapParallel(b *testing.B) {
	data := []byte(sampleTap)
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if _, err := Decode(data, time.Time{}); err != nil {
				b.Error(err)
				return
			}
		}
	})
}

func BenchmarkDecodeAdjustment(b *testing.B) {
	data := []byte(sampleAdj)
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Decode(data, time.Time{}); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkAppendJSONTap(b *testing.B) {
	e, err := Decode([]byte(sampleTap), time.Time{})
	if err != nil {
		b.Fatal(err)
	}
	buf := make([]byte, 0, 512)
	b.SetBytes(int64(len(sampleTap)))
	b.ReportAllocs()
	for b.Loop() {
		buf = e.Tap.AppendJSON(buf[:0])
	}
}

// BenchmarkEncodingJSONTap is the yardstick: encoding/json into a plain
// struct, without any validation.
func BenchmarkEncodingJSONTap(b *testing.B) {
	var v struct {
		V       int       `json:"v"`
		Type    string    `json:"type"`
		ID      string    `json:"id"`
		Board   string    `json:"board"`
		School  string    `json:"school"`
		Gateway string    `json:"gateway"`
		Reader  string    `json:"reader"`
		Card    string    `json:"card"`
		Dir     string    `json:"dir"`
		TS      time.Time `json:"ts"`
		Clock   string    `json:"clock"`
	}
	data := []byte(sampleTap)
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		if err := json.Unmarshal(data, &v); err != nil {
			b.Fatal(err)
		}
	}
}
