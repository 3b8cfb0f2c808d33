// Package punch speaks the contract of FORMATS.md §1–2 that every binary
// shares: the tap and adjustment events, the gateway status and the
// aggregator feedback messages, the MQTT topics they travel on, and card ids.
//
// Decode, DecodeStatus and DecodeFeedback are strict, hand-written JSON
// decoders: unknown, repeated and missing fields, wrong types and malformed
// ids, cards and times are rejected with an *Error that names the field and
// whose Kind (ErrSyntax, ErrVersion, …) works with errors.Is. They are fast
// enough to replay a fiscal year of events in seconds, and a decoded tap costs
// one allocation. The AppendJSON methods write the canonical form: fields in
// the order of FORMATS.md, times in JST with milliseconds. The types also
// implement json.Marshaler and json.Unmarshaler through the same codec.
//
// The package never reads the clock and does no I/O: the caller passes "now"
// where a check needs it. The golden samples of its tests are in testdata/golden.
package punch
