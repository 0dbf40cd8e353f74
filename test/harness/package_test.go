package harness

import (
	"regexp"
	"testing"
)

type runs struct{ n int }

func (r *runs) Run() int { r.n++; return 7 }

func TestSharedHomeByConsensus(t *testing.T) {
	t.Setenv("PROV_SHARED_BFT", "/tmp/shared-bft")
	t.Setenv("PROV_SHARED_RAFT", "")
	cases := []struct {
		pn   *PackageNetwork
		want string
	}{
		{&PackageNetwork{Shared: true}, "/tmp/shared-bft"},
		{&PackageNetwork{Shared: true, Consensus: "bft"}, "/tmp/shared-bft"},
		{&PackageNetwork{Shared: true, Consensus: "raft"}, ""},                   // no shared raft network
		{&PackageNetwork{}, ""},                                                  // not declared shareable
		{&PackageNetwork{Shared: true, Topology: "network/topology-x.yaml"}, ""}, // own topology
	}
	for _, c := range cases {
		if got := c.pn.sharedHome(); got != c.want {
			t.Errorf("consensus %q, shared %v, topology %q: shared home %q, want %q", c.pn.Consensus, c.pn.Shared, c.pn.Topology, got, c.want)
		}
	}
	if got := SharedEnv(""); got != "PROV_SHARED_BFT" {
		t.Errorf("SharedEnv(\"\") = %s", got)
	}
}

func TestMainWithoutIntegrationOnlyRuns(t *testing.T) {
	t.Setenv("PROV_INTEGRATION", "")
	t.Setenv("PROV_SHARED_BFT", "/nonexistent")
	r := &runs{}
	pn := &PackageNetwork{Home: ".prov-never", Shared: true}
	if code := pn.Main(r); code != 7 || r.n != 1 || pn.Net != nil {
		t.Fatalf("Main = %d after %d runs, net %v; want the tests' code, one run, no network", code, r.n, pn.Net)
	}
}

func TestMainFailsOnAMissingSharedNetwork(t *testing.T) {
	t.Setenv("PROV_INTEGRATION", "1")
	t.Setenv("PROV_SHARED_BFT", t.TempDir()) // no network.json
	r := &runs{}
	pn := &PackageNetwork{Home: ".prov-never", Shared: true}
	if code := pn.Main(r); code != 1 || r.n != 0 {
		t.Fatalf("Main = %d after %d runs; want 1 before any test", code, r.n)
	}
}

func TestRunPrefix(t *testing.T) {
	seven := regexp.MustCompile(`^[0-9]{7}$`)
	for _, lead := range []string{"41", "42"} {
		if p := RunPrefix(lead); !seven.MatchString(p) || p[:2] != lead {
			t.Fatalf("RunPrefix(%s) = %q; want %s and five digits", lead, p, lead)
		}
	}
	defer func() {
		if recover() == nil {
			t.Fatal("RunPrefix(\"4\"): want a panic")
		}
	}()
	RunPrefix("4")
}
