package punch

import "errors"

// Kinds of rejection. Every error returned by this package is an *Error whose
// Kind is one of these, so callers can count rejections with errors.Is.
var (
	ErrSyntax       = errors.New("invalid JSON")
	ErrVersion      = errors.New("unknown version")
	ErrType         = errors.New("unknown type")
	ErrMissing      = errors.New("missing field")
	ErrInvalid      = errors.New("invalid field value")
	ErrUnknownField = errors.New("unknown field")
	ErrID           = errors.New("invalid id")
	ErrCard         = errors.New("invalid card")
	ErrFuture       = errors.New("timestamp in the future")
	ErrTopic        = errors.New("topic mismatch")
)

// Error is a rejected event, topic or card id. Field names the JSON field (or
// "topic", or "" for the payload as a whole); Reason is the human-readable
// detail the aggregator keeps in its journal next to the rejected payload.
type Error struct {
	Field  string
	Reason string
	Kind   error
}

// Error writes the field first so a journal line says where the fault is.
func (e *Error) Error() string {
	if e.Field == "" {
		return e.Kind.Error() + ": " + e.Reason
	}
	return e.Field + ": " + e.Kind.Error() + ": " + e.Reason
}

// Unwrap returns the kind, for errors.Is.
func (e *Error) Unwrap() error { return e.Kind }

func newError(kind error, field, reason string) *Error {
	return &Error{Field: field, Reason: reason, Kind: kind}
}

// kindLabels are the metric labels of the kinds, in a fixed order.
var kindLabels = [...]struct {
	kind  error
	label string
}{
	{ErrSyntax, "syntax"}, {ErrVersion, "version"}, {ErrType, "type"}, {ErrMissing, "missing"},
	{ErrInvalid, "invalid"}, {ErrUnknownField, "unknown_field"}, {ErrID, "id"}, {ErrCard, "card"},
	{ErrFuture, "future"}, {ErrTopic, "topic"},
}

// KindLabel returns a short, stable name of err's kind for metric labels and
// journal columns: "syntax", "version", "type", "missing", "invalid",
// "unknown_field", "id", "card", "future" or "topic"; "" for nil and "other"
// for an error that is none of these.
func KindLabel(err error) string {
	if err == nil {
		return ""
	}
	for _, k := range kindLabels {
		if errors.Is(err, k.kind) {
			return k.label
		}
	}
	return "other"
}
