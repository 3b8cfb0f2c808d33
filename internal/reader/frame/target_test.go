package frame

import (
	"context"
	"encoding/hex"
	"strings"
	"testing"
	"testing/synctest"

	"timeclock/internal/punch"
	"timeclock/internal/reader/readertest"
)

const idmPMm = "01 2E 4C D2 3A 1B 5C 6D 03 32 42 82 82 47 AA FF"

// targetCases are answers to the poll for cards of tech (after the response
// code) and what the host makes of them: the UID or IDm, or an error
// containing err.
var targetCases = []struct {
	tech, name, body, uid, err string
}{
	{punch.TechFeliCa, "none", "00", "", ""},
	{punch.TechFeliCa, "card", "01 01 12 01 " + idmPMm, "012e4cd23a1b5c6d", ""},
	{punch.TechFeliCa, "system code form", "01 01 14 01 " + idmPMm + " 88 B4", "", "want 00, or 01 01 12 01"},
	{punch.TechFeliCa, "short", "01 01 12 01 01 2E 4C", "", "want 00, or 01 01 12 01"},
	{punch.TechFeliCa, "two targets", "02 01 12 01 " + idmPMm, "", "want 00, or 01 01 12 01"},
	{punch.TechFeliCa, "target 2", "01 02 12 01 " + idmPMm, "", "want 00, or 01 01 12 01"},
	{punch.TechFeliCa, "wrong response code", "01 01 12 03 " + idmPMm, "", "want 00, or 01 01 12 01"},
	{punch.TechFeliCa, "truncated", "01 01 12 01 " + idmPMm[:20], "", "want 00, or 01 01 12 01"},
	{punch.TechFeliCa, "empty", "", "", "want 00, or 01 01 12 01"},
	{punch.TechMifare, "none", "00", "", ""},
	{punch.TechMifare, "4-byte", "01 01 00 04 08 04 A1 B2 C3 D4", "a1b2c3d4", ""},
	{punch.TechMifare, "7-byte", "01 01 00 44 00 07 04 A2 4B 72 3C 5E 80", "04a24b723c5e80", ""},
	{punch.TechMifare, "with ATS", "01 01 00 04 20 04 A1 B2 C3 D4 05 78 80 70 02", "a1b2c3d4", ""},
	{punch.TechMifare, "bad ATS length", "01 01 00 04 20 04 A1 B2 C3 D4 09 78", "", "ATS length 9"},
	{punch.TechMifare, "UID length 5", "01 01 00 04 08 05 A1 B2 C3 D4 E5", "", "UID length 5"},
	{punch.TechMifare, "cut short", "01 01 00 44 00 07 04 A2 4B", "", "cut short"},
	{punch.TechMifare, "NbTg 3", "03 01 00 04 08 04 A1 B2 C3 D4", "", "NbTg"},
	{punch.TechMifare, "empty", "", "", "NbTg"},
}

// The parser and the host's poll of each tech.
var (
	parsers = map[string]func([]byte) ([]byte, error){
		punch.TechFeliCa: parseFeliCaTarget,
		punch.TechMifare: parseTypeATarget,
	}
	polls = map[string]func(*Host, context.Context) (string, error){
		punch.TechFeliCa: (*Host).PollFeliCa,
		punch.TechMifare: (*Host).PollTypeA,
	}
)

func TestParseTarget(t *testing.T) {
	for _, c := range targetCases {
		uid, err := parsers[c.tech](unhex(t, c.body))
		if hex.EncodeToString(uid) != c.uid || !errorContains(err, c.err) {
			t.Errorf("%s %s: parse = %x, %v; want %s, error containing %q", c.tech, c.name, uid, err, c.uid, c.err)
		}
	}
}

// TestPoll runs the host's polls against a module answering with the
// bodies of targetCases: a card id of the tech, or the parser's error.
func TestPoll(t *testing.T) {
	for _, c := range targetCases {
		synctest.Test(t, func(t *testing.T) {
			h := NewHost("test", readertest.NewPort(NewResponder(fixed{unhex(t, c.body)}).Input), discard)
			card, err := polls[c.tech](&h, t.Context())
			want := ""
			if c.uid != "" {
				want = c.tech + ":" + c.uid
			}
			if card != want || !errorContains(err, c.err) {
				t.Errorf("%s %s: poll = %q, %v; want %q, error containing %q", c.tech, c.name, card, err, want, c.err)
			}
		})
	}
}

// errorContains reports whether err is nil for want "", or else contains want.
func errorContains(err error, want string) bool {
	if err == nil || want == "" {
		return err == nil && want == ""
	}
	return strings.Contains(err.Error(), want)
}

// fixed answers every command with the same body.
type fixed struct{ body []byte }

func (f fixed) Command(byte, []byte) ([]byte, Status) { return f.body, Answered }
func (f fixed) Cancel()                               {}

// TestTargetRoundTrip parses the targets the emulation builds.
func TestTargetRoundTrip(t *testing.T) {
	for _, uid := range []string{"a1b2c3d4", "04a24b723c5e80", "04112233445566778899"} {
		if got, err := parseTypeATarget(typeATarget(unhex(t, uid))); hex.EncodeToString(got) != uid || err != nil {
			t.Errorf("Type A target of %s parsed as %x, %v", uid, got, err)
		}
	}
	idm := unhex(t, idmPMm[:23])
	if got, err := parseFeliCaTarget(feliCaTarget(idm, 0x00)); hex.EncodeToString(got) != "012e4cd23a1b5c6d" || err != nil {
		t.Errorf("FeliCa target parsed as %x, %v", got, err)
	}
	want := unhex(t, "01 01 14 01 "+idmPMm+" 88 B4")
	if got := feliCaTarget(idm, 0x01); hex.EncodeToString(got) != hex.EncodeToString(want) {
		t.Errorf("FeliCa target with its system code: % X, want % X", got, want)
	}
}
