package netdesc

import (
	"strings"
	"testing"
)

// env is a getenv over a map.
func env(m map[string]string) func(string) string { return func(k string) string { return m[k] } }

func TestOrderingDefaults(t *testing.T) {
	o := DefaultOrdering()
	want := Ordering{BatchInterval: DefaultBatchInterval, BFTBatchMaxCount: 100, ForwardTimeout: "1s", ComplainTimeout: "4s",
		ViewChangeTimeout: "8s", BatchTimeout: "100ms", MaxMessageCount: 500, PreferredMaxBytes: "2 MB"}
	if o != want {
		t.Errorf("defaults %+v, want %+v", o, want)
	}
	// Empty variables are unset ones.
	if o2, err := OrderingFromEnv(env(map[string]string{"PROV_BATCH_TIMEOUT": ""})); err != nil || o2 != want {
		t.Errorf("empty knob: %+v, %v", o2, err)
	}
}

func TestOrderingKnobsReachConfigtx(t *testing.T) {
	o, err := OrderingFromEnv(env(map[string]string{
		"PROV_BFT_BATCH_INTERVAL": "200ms", "PROV_BFT_BATCH_MAX_COUNT": "10", "PROV_BFT_FORWARD_TIMEOUT": "1s",
		"PROV_BFT_COMPLAIN_TIMEOUT": "4s", "PROV_BFT_VIEW_CHANGE_TIMEOUT": "8s", "PROV_BATCH_TIMEOUT": "100ms",
		"PROV_MAX_MESSAGE_COUNT": "50", "PROV_PREFERRED_MAX_BYTES": "512 KB",
	}))
	if err != nil {
		t.Fatal(err)
	}
	l := configLayout(t, "orgs:\n"+mLine+oLine)
	for _, cons := range []string{"bft", "raft"} {
		b, err := ConfigtxYAML(l, cons, o)
		c := parsed(t, b, err)
		p := "Profiles." + ProfileName + ".Orderer"
		expect(t, c, p+".BatchTimeout", "100ms")
		expect(t, c, p+".BatchSize.MaxMessageCount", 50)
		expect(t, c, p+".BatchSize.PreferredMaxBytes", "512 KB")
		expect(t, c, p+".BatchSize.AbsoluteMaxBytes", AbsoluteMaxBytes)
		if cons == "bft" {
			expect(t, c, p+".SmartBFT.RequestBatchMaxInterval", "200ms")
			expect(t, c, p+".SmartBFT.RequestBatchMaxCount", 10)
			expect(t, c, p+".SmartBFT.RequestForwardTimeout", "1s")
			expect(t, c, p+".SmartBFT.RequestComplainTimeout", "4s")
			expect(t, c, p+".SmartBFT.ViewChangeTimeout", "8s")
			expect(t, c, p+".SmartBFT.ViewChangeResendInterval", "1s") // not a knob
		}
	}
}

func TestKnobRefusals(t *testing.T) {
	for _, c := range []struct{ env, val, want string }{
		{"PROV_BFT_BATCH_INTERVAL", "5m", "want a duration such as 50ms or 1s"},
		{"PROV_BFT_FORWARD_TIMEOUT", "1.5s", "want a duration such as 50ms or 1s"},
		{"PROV_BFT_COMPLAIN_TIMEOUT", "0s", "want a duration such as 50ms or 1s"},
		{"PROV_BFT_VIEW_CHANGE_TIMEOUT", "8", "want a duration such as 50ms or 1s"},
		{"PROV_BATCH_TIMEOUT", " 250ms", "want a duration such as 50ms or 1s"},
		{"PROV_BFT_BATCH_MAX_COUNT", "0", "want a whole number from 1 to 100000"},
		{"PROV_MAX_MESSAGE_COUNT", "ten", "want a whole number from 1 to 100000"},
		{"PROV_MAX_MESSAGE_COUNT", "010", "want a whole number from 1 to 100000"},
		{"PROV_MAX_MESSAGE_COUNT", "100001", "want a whole number from 1 to 100000"},
		{"PROV_PREFERRED_MAX_BYTES", "2MB", "want a size such as 512 KB or 2 MB"},
		{"PROV_PREFERRED_MAX_BYTES", "2 GB", "want a size such as 512 KB or 2 MB"},
		{"PROV_PREFERRED_MAX_BYTES", "11 MB", "want a size from 1 KB to 10 MB"},
		{"PROV_PREFERRED_MAX_BYTES", "0 KB", "want a size from 1 KB to 10 MB"},
		{"PROV_PEER_CENSORSHIP_TIMEOUT", "5", "want a duration such as 50ms or 1s"},
	} {
		_, err := NodeTuning(env(map[string]string{c.env: c.val}))
		if err == nil || !strings.Contains(err.Error(), c.want) || !strings.Contains(err.Error(), c.env+"='"+c.val+"'") {
			t.Errorf("%s=%q: err %v, want one naming it and %q", c.env, c.val, err, c.want)
		}
	}
	// A genesis knob is checked by NodeTuning too (network.sh up refuses it
	// before starting anything), and by configtx.
	if _, err := OrderingFromEnv(env(map[string]string{"PROV_BATCH_TIMEOUT": "x"})); err == nil {
		t.Error("OrderingFromEnv accepted PROV_BATCH_TIMEOUT=x")
	}
	for _, ok := range []string{"10 MB", "1 KB", "512 KB"} {
		if err := KnobPreferredBytes.Check(ok); err != nil {
			t.Errorf("%q refused: %v", ok, err)
		}
	}
}

func TestNodeTuning(t *testing.T) {
	s, err := NodeTuning(env(nil))
	if err != nil || s != "PEER_CENSORSHIP_TIMEOUT='"+KnobCensorship.Default+"'\n" {
		t.Errorf("default: %q, %v", s, err)
	}
	s, err = NodeTuning(env(map[string]string{"PROV_PEER_CENSORSHIP_TIMEOUT": "5s"}))
	if err != nil || s != "PEER_CENSORSHIP_TIMEOUT='5s'\n" {
		t.Errorf("5s: %q, %v", s, err)
	}
}
