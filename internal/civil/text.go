package civil

import "fmt"

// Text encodings, so Date and Month work as JSON strings, map keys and CSV
// cells through encoding.TextMarshaler and friends.

// AppendText appends d written YYYY-MM-DD to b without formatting through fmt,
// for encoders on a hot path. It never fails.
func (d Date) AppendText(b []byte) ([]byte, error) {
	y, m, dd := d.YMD()
	b = append4(b, y)
	b = append(b, '-')
	b = append2(b, int(m))
	b = append(b, '-')
	return append2(b, dd), nil
}

// MarshalText writes d as YYYY-MM-DD.
func (d Date) MarshalText() ([]byte, error) { return d.AppendText(make([]byte, 0, 10)) }

// UnmarshalText reads a date written YYYY-MM-DD.
func (d *Date) UnmarshalText(b []byte) error { return unmarshalText(d, b, Parse) }

// AppendText appends m written YYYY-MM to b. It never fails.
func (m Month) AppendText(b []byte) ([]byte, error) {
	b = append4(b, m.Year())
	b = append(b, '-')
	return append2(b, int(m.Mon())), nil
}

// MarshalText writes m as YYYY-MM.
func (m Month) MarshalText() ([]byte, error) { return m.AppendText(make([]byte, 0, 7)) }

// UnmarshalText reads a month written YYYY-MM.
func (m *Month) UnmarshalText(b []byte) error { return unmarshalText(m, b, ParseMonth) }

// unmarshalText sets *dst to what parse reads in b, unless that fails.
func unmarshalText[T any](dst *T, b []byte, parse func(string) (T, error)) error {
	p, err := parse(string(b))
	if err == nil {
		*dst = p
	}
	return err
}

// append4 writes a year with at least four digits, as String does with %04d.
func append4(b []byte, n int) []byte {
	if n < 0 || n > 9999 {
		// Outside what the text form is meant for; keep String's spelling.
		return fmt.Appendf(b, "%04d", n)
	}
	return append(b, byte('0'+n/1000), byte('0'+n/100%10), byte('0'+n/10%10), byte('0'+n%10))
}

func append2(b []byte, n int) []byte {
	return append(b, byte('0'+n/10), byte('0'+n%10))
}
