package domain

import "testing"

func TestCounterEncoding(t *testing.T) {
	const at = "2026-12-02T17:31:18.966960712Z"
	if got := string(EncodeCounter(7, at)); got != "7 "+at {
		t.Fatalf("EncodeCounter = %q", got)
	}
	if got := string(EncodeCounter(7, "")); got != "7" {
		t.Fatalf("EncodeCounter without time = %q", got)
	}
	for _, c := range []struct {
		in   string
		seq  uint64
		at   string
		fail bool
	}{
		{in: "7 " + at, seq: 7, at: at},
		{in: "12", seq: 12}, // the sequence-only format of older chaincode
		{in: "3 2026-12-02T17:31:18Z", seq: 3, at: "2026-12-02T17:31:18Z"},
		{in: "", fail: true},
		{in: "x", fail: true},
		{in: "-1", fail: true},
		{in: "7 ", fail: true},
		{in: "7 yesterday", fail: true},
		{in: " 7", fail: true},
	} {
		seq, got, err := ParseCounter([]byte(c.in))
		if c.fail {
			if err == nil {
				t.Errorf("ParseCounter(%q) = %d, %q; want an error", c.in, seq, got)
			}
			continue
		}
		if err != nil || seq != c.seq || got != c.at {
			t.Errorf("ParseCounter(%q) = %d, %q, %v; want %d, %q", c.in, seq, got, err, c.seq, c.at)
		}
		if string(EncodeCounter(seq, got)) != c.in {
			t.Errorf("EncodeCounter(ParseCounter(%q)) = %q", c.in, EncodeCounter(seq, got))
		}
	}
}

func TestSameCounter(t *testing.T) {
	const at, other = "2026-12-02T17:31:18.5Z", "2026-12-02T17:31:19Z"
	for _, c := range []struct {
		written, decided string
		same             bool
	}{
		{"4 " + at, "4 " + at, true},
		{"4", "4 " + at, true}, // older chaincode wrote the sequence alone
		{"4 " + other, "4 " + at, false},
		{"5 " + at, "4 " + at, false},
		{"5", "4 " + at, false},
		{"4 garbage", "4 " + at, false},
		{"", "4 " + at, false},
	} {
		if got := SameCounter([]byte(c.written), []byte(c.decided)); got != c.same {
			t.Errorf("SameCounter(%q, %q) = %v, want %v", c.written, c.decided, got, c.same)
		}
	}
}

// Every decision writes the counter with its event's time.
func TestDecisionWritesTimedCounter(t *testing.T) {
	r := req(ActOffer, mfr)
	r.To = tD
	d, err := Decide(st(item(tM, StatusActive, "")), r)
	if err != nil {
		t.Fatal(err)
	}
	for _, kw := range d.Writes {
		if kw.Kind == KeyCounter {
			if want := EncodeCounter(d.Event.Seq, d.Event.Timestamp); string(kw.Value) != string(want) || d.Event.Timestamp == "" {
				t.Fatalf("counter write %q, want %q", kw.Value, want)
			}
			return
		}
	}
	t.Fatal("no counter write")
}
