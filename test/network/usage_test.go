// Package networktest tests scripts/network.sh's own behaviour: refused usage
// exits non-zero, names the problem and leaves nothing started. The ordering
// and peer faults on running networks (leader kill, two of four ordering
// nodes down, whole network down and up, on BFT and Raft) live in test/faults.
package networktest

import (
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/provledger/provenance/test/harness"
)

// TestBadUsage runs scripts/network.sh the wrong ways. Each must exit
// non-zero with a message naming the problem and leave nothing started:
// no PID file and no PROV_HOME it created. None of them starts a network,
// but `up` builds missing Fabric binaries first, so it runs with the
// integration tests (PROV_INTEGRATION=1), after scripts/install-fabric.sh.
func TestBadUsage(t *testing.T) {
	if os.Getenv("PROV_INTEGRATION") != "1" {
		t.Skip("set PROV_INTEGRATION=1 (with the Fabric binaries installed) to run it")
	}
	repo, err := harness.RepoRoot()
	if err != nil {
		t.Fatal(err)
	}
	script := filepath.Join(repo, "scripts", "network.sh")

	// A port of the range this test uses, held open by us.
	const base = 20300
	held, err := net.Listen("tcp", "127.0.0.1:"+strconv.Itoa(base+5)) // manufacturer's peer
	if err != nil {
		t.Fatalf("hold a port: %v", err)
	}
	defer held.Close()

	notADir := filepath.Join(t.TempDir(), "file")
	if err := os.WriteFile(notADir, []byte("x"), 0o600); err != nil {
		t.Fatal(err)
	}

	badTopology := func(name, body string) string {
		f := filepath.Join(t.TempDir(), name)
		if err := os.WriteFile(f, []byte(body), 0o600); err != nil {
			t.Fatal(err)
		}
		return f
	}
	peerNoRole := badTopology("norole.yaml", "orgs:\n  - {dir: a, name: A, msp: AMSP, role: \"\", peer: true, orderer: true}\n")
	badRole := badTopology("badrole.yaml", "orgs:\n  - {dir: a, name: A, msp: AMSP, role: smuggler, peer: true, orderer: true}\n")
	noOrderer := badTopology("noorderer.yaml", "orgs:\n  - {dir: a, name: A, msp: AMSP, role: customs, peer: true, orderer: false}\n")
	twice := badTopology("twice.yaml", "orgs:\n  - {dir: a, name: A, msp: AMSP, role: customs, peer: true, orderer: true}\n  - {dir: b, name: B, msp: AMSP, role: customs, peer: true, orderer: true}\n")

	cases := []struct {
		name string
		args []string
		env  []string // added to the environment
		path string   // replaces PATH when set
		want string   // in the combined output
	}{
		{name: "unknown subcommand", args: []string{"launch"}, want: "unknown command 'launch'"},
		{name: "unknown consensus", args: []string{"up", "--consensus", "paxos"}, want: "paxos"},
		{name: "port base out of range", args: []string{"up"}, env: []string{"PROV_PORT_BASE=80"}, want: "PROV_PORT_BASE must be a number"},
		{name: "port already taken", args: []string{"up"}, want: "port(s) already taken: " + strconv.Itoa(base+5)},
		{name: "PROV_HOME unwritable", args: []string{"up"}, env: []string{"PROV_HOME=" + filepath.Join(notADir, "home")}, want: "is not writable"},
		{name: "go missing", args: []string{"up"}, path: pathWithout(t, "go"), want: "'go' is not on PATH"},
		{name: "gcc missing", args: []string{"up"}, path: pathWithout(t, "gcc"), want: "'gcc' is not on PATH"},
		{name: "topology file missing", args: []string{"up"}, env: []string{"PROV_TOPOLOGY=/nonexistent/topology.yaml"}, want: "topology file '/nonexistent/topology.yaml' not found"},
		{name: "topology peer without role", args: []string{"up"}, env: []string{"PROV_TOPOLOGY=" + peerNoRole}, want: "line 2: a runs a peer, so it needs a role"},
		{name: "topology unknown role", args: []string{"up"}, env: []string{"PROV_TOPOLOGY=" + badRole}, want: "line 2: role 'smuggler'"},
		{name: "topology without ordering node", args: []string{"up"}, env: []string{"PROV_TOPOLOGY=" + noOrderer}, want: "no organization runs an ordering node"},
		{name: "topology MSP twice", args: []string{"up"}, env: []string{"PROV_TOPOLOGY=" + twice}, want: "line 3: dir, name or msp repeats"},
		{name: "genesis knob misspelled", args: []string{"up"}, env: []string{"PROV_BATCH_TIMEOUT=250"}, want: "PROV_BATCH_TIMEOUT='250': want a duration such as 50ms or 1s"},
		{name: "count knob out of range", args: []string{"up"}, env: []string{"PROV_MAX_MESSAGE_COUNT=0"}, want: "PROV_MAX_MESSAGE_COUNT='0': want a whole number from 1 to 100000"},
		{name: "peer knob misspelled", args: []string{"start-node", "peer0.manufacturer.prov"}, env: []string{"PROV_PEER_CENSORSHIP_TIMEOUT=5"}, want: "PROV_PEER_CENSORSHIP_TIMEOUT='5': want a duration"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			home := filepath.Join(t.TempDir(), "prov")
			cmd := exec.Command("bash", script)
			cmd.Args = append(cmd.Args, tc.args...)
			cmd.Dir = repo
			env := append(os.Environ(), "PROV_HOME="+home, "PROV_PORT_BASE="+strconv.Itoa(base))
			if tc.path != "" {
				env = append(env, "PATH="+tc.path)
			}
			cmd.Env = append(env, tc.env...) // later entries win
			out, err := cmd.CombinedOutput()
			if err == nil {
				t.Fatalf("exit 0, want a failure; output:\n%s", out)
			}
			if !strings.Contains(string(out), tc.want) {
				t.Errorf("output does not say %q:\n%s", tc.want, out)
			}
			if pids, _ := filepath.Glob(filepath.Join(home, "run", "*.pid")); len(pids) > 0 {
				t.Errorf("left PID files behind: %v", pids)
			}
			if _, err := os.Stat(home); err == nil {
				t.Errorf("left PROV_HOME %s behind", home)
			}
		})
	}
}

// pathWithout returns a PATH of one directory holding links to every
// command on the current PATH except the named ones.
func pathWithout(t *testing.T, names ...string) string {
	t.Helper()
	skip := map[string]bool{}
	for _, n := range names {
		skip[n] = true
	}
	dir := t.TempDir()
	for _, d := range filepath.SplitList(os.Getenv("PATH")) {
		entries, err := os.ReadDir(d)
		if err != nil {
			continue
		}
		for _, e := range entries {
			link := filepath.Join(dir, e.Name())
			if skip[e.Name()] {
				continue
			}
			if _, err := os.Lstat(link); err == nil {
				continue // an earlier PATH entry wins
			}
			_ = os.Symlink(filepath.Join(d, e.Name()), link)
		}
	}
	return dir
}
