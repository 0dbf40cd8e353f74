package evidence

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/provledger/provenance/client/internal/cmdtest"
	"github.com/provledger/provenance/client/internal/cmdutil"
	cverify "github.com/provledger/provenance/client/verify"
)

// fakeMaker bundles the items it knows; an unknown one is NOT_FOUND.
type fakeMaker struct {
	known map[string]bool // id -> verifies
	asked []string
	opts  cverify.OnlineOptions
}

func (f *fakeMaker) Verify(context.Context, string, cverify.OnlineOptions) (*cverify.Report, error) {
	return nil, errors.New("not used")
}

func (f *fakeMaker) Evidence(_ context.Context, ids []string, o cverify.OnlineOptions) (*cverify.Bundle, []cverify.ItemEvidence, error) {
	f.asked, f.opts = ids, o
	b := &cverify.Bundle{Format: cverify.BundleFormat, Peers: []string{"ManufacturerMSP (peer0)"}, GenesisHash: "ab12"}
	var out []cverify.ItemEvidence
	for _, id := range ids {
		ok, known := f.known[id]
		if !known {
			out = append(out, cverify.ItemEvidence{ID: id, Err: errors.New("NOT_FOUND: item " + id + " is not registered")})
			continue
		}
		b.Items = append(b.Items, id)
		rep := &cverify.Report{Item: id, OK: ok, Steps: []cverify.Step{{Check: "creator-signature", Subject: "seq 1", OK: ok, Detail: "checked"}}}
		out = append(out, cverify.ItemEvidence{ID: id, Report: rep})
	}
	if len(b.Items) == 0 {
		return nil, out, nil
	}
	return b, out, nil
}

const (
	good  = "01/09506000134352/21/GOOD"
	bad   = "01/09506000134352/21/BAD"
	other = "01/09506000134352/21/NONE"
)

func TestEvidence(t *testing.T) {
	dir := t.TempDir()
	tests := []struct {
		name     string
		argv     []string
		stdin    string
		wantCode int
		wantIDs  []string
		wantOut  string // in stdout+stderr
		written  bool
	}{
		{"one item", []string{good, "-o", "b.json"}, "", 0, []string{good}, "wrote " + filepath.Join(dir, "b.json") + ": 1 item, 0 blocks", true},
		{"ids from a file and args, deduplicated, any spelling", []string{"https://id.gs1.org/01/09506000134352/21/GOOD", "--file", "-", "-o", "b.json"},
			"# declaration\nid\n" + good + "\n" + bad + "\n", 3, []string{good, bad}, "1 item failed verification and is bundled with the failure", true},
		{"unknown item left out, exit 1", []string{good, other, "-o", "b.json"}, "", 1, []string{good, other}, other + ": not bundled: NOT_FOUND", true},
		{"nothing bundled, nothing written", []string{other, "-o", "b.json"}, "", 1, []string{other}, "no item could be bundled", false},
		{"bad row refused with its line", []string{"--file", "-", "-o", "b.json"}, good + "\n01/09506000134353/21/X\n", 1, nil, "line 2", false},
		{"-o required", []string{good}, "", 2, nil, "-o FILE", false},
		{"ids required", []string{"-o", "b.json"}, "", 2, nil, "give item IDs or --file", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out := filepath.Join(dir, "b.json")
			_ = os.Remove(out)
			fm := &fakeMaker{known: map[string]bool{good: true, bad: false}}
			f, ios := cmdtest.Factory(nil)
			ios.In = strings.NewReader(tt.stdin)
			f.Verifier = func() (cmdutil.Verifier, error) { return fm, nil }
			argv := append([]string{}, tt.argv...)
			for i, a := range argv {
				if a == "b.json" {
					argv[i] = out
				}
			}
			err := cmdtest.Exec(NewCmd(f, nil), argv...)
			if code := cmdutil.ExitCode(err); code != tt.wantCode {
				t.Fatalf("exit %d (%v), want %d", code, err, tt.wantCode)
			}
			all := ios.Out.(*bytes.Buffer).String() + ios.ErrOut.(*bytes.Buffer).String()
			if err != nil {
				all += err.Error()
			}
			if !strings.Contains(all, tt.wantOut) {
				t.Errorf("output:\n%s\nwant %q", all, tt.wantOut)
			}
			if strings.Join(fm.asked, ",") != strings.Join(tt.wantIDs, ",") {
				t.Errorf("asked %v, want %v", fm.asked, tt.wantIDs)
			}
			fh, ferr := os.Open(out)
			if (ferr == nil) != tt.written {
				t.Fatalf("bundle written %v, want %v", ferr == nil, tt.written)
			}
			if ferr == nil {
				defer fh.Close()
				b, err := cverify.ReadBundle(fh)
				if err != nil || len(b.Items) == 0 {
					t.Errorf("bundle read back: %v %+v", err, b)
				}
			}
		})
	}
}

// TestEvidenceStdout: -o - writes the bundle alone on stdout, messages on
// stderr; --chain and --peers are passed on.
func TestEvidenceStdout(t *testing.T) {
	fm := &fakeMaker{known: map[string]bool{good: true}}
	f, ios := cmdtest.Factory(nil)
	f.Verifier = func() (cmdutil.Verifier, error) { return fm, nil }
	if err := cmdtest.Exec(NewCmd(f, nil), good, "-o", "-", "--chain", "--peers", "all"); err != nil {
		t.Fatal(err)
	}
	if _, err := cverify.ReadBundle(ios.Out.(*bytes.Buffer)); err != nil {
		t.Errorf("stdout is not a bundle: %v", err)
	}
	if !strings.Contains(ios.ErrOut.(*bytes.Buffer).String(), "wrote standard output: 1 item") {
		t.Errorf("stderr %q", ios.ErrOut)
	}
	if !fm.opts.Chain || strings.Join(fm.opts.Peers, ",") != "all" {
		t.Errorf("options %+v", fm.opts)
	}
}
