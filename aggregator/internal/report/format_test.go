package report

import "testing"

func TestRatio(t *testing.T) {
	cases := []struct {
		num, den int64
		dec      int
		want     string
	}{
		{580, 2, 2, "290.00"},
		{1000, 3, 2, "333.33"},
		{2000, 3, 2, "666.67"},
		{5805, 2, 1, "2902.5"},
		{58050, 4, 1, "14512.5"}, // 14512.5 exactly
		{2, 8, 1, "0.3"},         // 0.25 rounds half up
		{0, 7, 1, "0.0"},
		{100, 1, 0, "100"},
		{1, 200, 2, "0.01"}, // 0.005 rounds up
	}
	for _, c := range cases {
		if got := ratio(c.num, c.den, c.dec); got != c.want {
			t.Errorf("ratio(%d,%d,%d) = %s, want %s", c.num, c.den, c.dec, got, c.want)
		}
	}
}

func TestHmm(t *testing.T) {
	for min, want := range map[int64]string{0: "0:00", 580: "9:40", 1815: "30:15", 6000: "100:00", 59: "0:59", -61: "-1:01"} {
		if got := HMM(min); got != want {
			t.Errorf("HMM(%d) = %s, want %s", min, got, want)
		}
	}
	if got := HMMRatio(1815*3+1, 3); got != "30:15" {
		t.Errorf("hmmRatio = %s", got)
	}
	if got := Pct(1, 3); got != "33.3%" {
		t.Errorf("pct = %s", got)
	}
}
