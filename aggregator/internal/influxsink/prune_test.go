package influxsink

import (
	"maps"
	"testing"
)

func TestParseSeriesKey(t *testing.T) {
	cases := []struct {
		key  string
		name string
		tags map[string]string
		bad  bool
	}{
		{"workday,board=b,staff=T1", "workday", map[string]string{"board": "b", "staff": "T1"}, false},
		{`kpi_month,board=b,role=*,school_type=a\ b\,c\=d`, "kpi_month",
			map[string]string{"board": "b", "role": "*", "school_type": "a b,c=d"}, false},
		{"punch", "punch", map[string]string{}, false},
		{"workday,board", "", nil, true},
	}
	for _, c := range cases {
		name, tags, err := parseSeriesKey(c.key)
		if (err != nil) != c.bad || name != c.name || !maps.Equal(tags, c.tags) {
			t.Errorf("parseSeriesKey(%q) = %q, %v, %v; want %q, %v, error %v", c.key, name, tags, err, c.name, c.tags, c.bad)
		}
	}
	if got := Literal(`it's \`); got != `'it\'s \\'` {
		t.Errorf("Literal = %s", got)
	}
}
