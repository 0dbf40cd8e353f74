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

	"github.com/provledger/provenance/test/e2e/provtest"
)

// TestDemoScript runs scripts/demo.sh twice on the package's running network
// (it finds it up and does not start another): the first run and a re-run
// must both play the whole story and exit 0. The prefix claim step meets an
// already active prefix (the story test claimed it), as on any re-run. This
// file's name sorts after story_test.go so that it runs after
// TestThreeRolesStory, which needs the prefix unclaimed.
func TestDemoScript(t *testing.T) {
	provtest.Integration(t)
	for run := 1; run <= 2; run++ {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
		cmd := exec.CommandContext(ctx, filepath.Join(provtest.RepoRoot(), "scripts", "demo.sh"), "--quiet")
		cmd.Dir = provtest.RepoRoot()
		cmd.Env = append(os.Environ(), "PROV_HOME="+net.Home, "PROV_PORT_BASE="+strconv.Itoa(net.PortBase))
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
