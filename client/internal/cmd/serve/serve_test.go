package serve

import (
	"context"
	"errors"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/provledger/provenance/chaincode/domain"
	"github.com/provledger/provenance/client/internal/cmdtest"
	"github.com/provledger/provenance/client/internal/cmdutil"
	srv "github.com/provledger/provenance/client/serve"
	"github.com/provledger/provenance/client/verify"
)

func TestFlags(t *testing.T) {
	dir := t.TempDir()
	tokens := filepath.Join(dir, "tokens.txt")
	if err := os.WriteFile(tokens, []byte("# partners\nacme 0123456789abcdef0123\nbeta fedcba9876543210fedc\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	f, _ := cmdtest.Factory(nil)
	var got *Options
	err := cmdtest.Exec(NewCmd(f, func(o *Options) error { got = o; return nil }),
		"--partner-tokens", tokens, "--link", "gs1:pip=https://brand.example/p/{gtin}", "--rate", "2", "--max-ids", "10")
	if err != nil {
		t.Fatal(err)
	}
	if got.Config.Tokens[srv.HashToken("0123456789abcdef0123")] != "acme" || len(got.Config.Tokens) != 2 ||
		got.Config.Links["gs1:pip"] != "https://brand.example/p/{gtin}" || got.Config.AnonRate != 2 || got.Config.MaxIDs != 10 {
		t.Errorf("options: %+v", got.Config)
	}
	bad := filepath.Join(dir, "bad.txt")
	_ = os.WriteFile(bad, []byte("acme short\n"), 0o600)
	for _, c := range []struct {
		args  []string
		want  string
		usage bool
	}{
		{[]string{"--server-cert", "x.pem"}, "--server-cert and --server-key go together", true},
		{[]string{"--partner-ca", "ca.pem"}, "--partner-ca needs TLS", true},
		{[]string{"--link", "pip"}, "want TYPE=URL", true},
		{[]string{"--partner-tokens", bad}, "line 1: want 'NAME TOKEN' with a token of at least 16 characters", false},
		{[]string{"extra"}, "", true},
	} {
		f, _ := cmdtest.Factory(nil)
		err := cmdtest.Exec(NewCmd(f, func(*Options) error { return nil }), c.args...)
		var ue *cmdutil.UsageError
		if err == nil || !strings.Contains(err.Error(), c.want) || errors.As(err, &ue) != c.usage {
			t.Errorf("%v: %v (usage %v)", c.args, err, errors.As(err, &ue))
		}
	}
}

type oneItem struct{}

func (oneItem) Items(ctx context.Context, keys []string) ([]*domain.Item, error) {
	return make([]*domain.Item, len(keys)), nil
}
func (oneItem) History(context.Context, string) ([]domain.CustodyEvent, error) { return nil, nil }
func (oneItem) Verify(context.Context, string) (verify.Report, error)          { return verify.Report{}, nil }
func (oneItem) Height(context.Context) (uint64, error)                         { return 7, nil }

// TestRunAndGracefulShutdown: Run serves until its context ends, then
// returns nil after shutting down.
func TestRunAndGracefulShutdown(t *testing.T) {
	ios, _, _, errOut := cmdutil.Test()
	addr := make(chan string, 1)
	opts := &Options{IO: ios, Listen: "127.0.0.1:0", Shutdown: 5 * time.Second,
		Backend: func(int) (srv.Backend, error) { return oneItem{}, nil }, Ready: func(a string) { addr <- a }}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- Run(ctx, opts) }()
	a := <-addr
	resp, err := http.Get("http://" + a + "/healthz")
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || !strings.Contains(string(b), `"blockHeight": 7`) {
		t.Errorf("healthz: %d %s", resp.StatusCode, b)
	}
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("Run: %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Run did not return after its context ended")
	}
	if s := errOut.String(); !strings.Contains(s, "listening on http://127.0.0.1:") || !strings.Contains(s, "shutting down") {
		t.Errorf("stderr: %q", s)
	}
	if _, err := http.Get("http://" + a + "/healthz"); err == nil {
		t.Errorf("still serving after shutdown")
	}
}
