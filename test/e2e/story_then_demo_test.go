package e2e

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/provledger/provenance/test/harness"
)

// TestDemoScript runs scripts/demo.sh twice on the package's running network
// (it finds it up and does not start another): the first run and a re-run
// must both play the whole story and exit 0. The second run's prefix claim
// step meets the prefix the first one made active, as on any re-run.
func TestDemoScript(t *testing.T) {
	harness.Integration(t)
	for run := 1; run <= 2; run++ {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
		cmd := exec.CommandContext(ctx, filepath.Join(pn.Net.Repo, "scripts", "demo.sh"), "--quiet")
		cmd.Dir = pn.Net.Repo
		cmd.Env = append(os.Environ(), "PROV_HOME="+pn.Net.Home, "PROV_PORT_BASE="+strconv.Itoa(pn.Net.PortBase))
		start := time.Now()
		out, err := cmd.CombinedOutput()
		cancel()
		if err != nil {
			t.Fatalf("demo run %d: %v\n%s", run, err, out)
		}
		s := string(out)
		for _, want := range []string{"network already running", "verified", "refused, as it should be", "Try next:"} {
			if !strings.Contains(s, want) {
				t.Fatalf("demo run %d output lacks %q:\n%s", run, want, s)
			}
		}
		t.Logf("demo run %d on a running network: %s", run, time.Since(start).Round(time.Millisecond))
	}
}
