package cmdutil

import (
	"context"
	"fmt"
	"os"
	"sync"
	"time"

	"github.com/provledger/provenance/client/gateway"
	"github.com/provledger/provenance/client/verify"
	"github.com/provledger/provenance/network/netdesc"
)

// Factory hands commands their dependencies. The real one connects lazily
// (commands that need no network, such as whoami and version, never dial);
// tests replace the funcs with fakes.
type Factory struct {
	IO     *IOStreams
	Getenv func(string) string

	// Config is filled from the root command's flags and PROV_* variables.
	Config gateway.Config
	// Output is the -o format.
	Output string

	Ledger   func() (gateway.Ledger, error)
	Events   func() (gateway.EventSource, error)
	Verifier func() (Verifier, error)
	// Identity resolves the configuration and loads the signing identity
	// without dialling.
	Identity func() (*gateway.Resolved, *netdesc.Identity, error)

	once sync.Once
	conn *gateway.Conn
	err  error
}

// Verifier verifies items' custody records against the ledger: the verify,
// evidence and audit commands depend on it, so they run against a fake in
// tests; the real one is a *verify.Online.
type Verifier interface {
	Verify(ctx context.Context, id string, opts verify.OnlineOptions) (*verify.Report, error)
}

// Env is what a ledger command's Options carry from the factory: the
// streams, the -o format and the lazy connection.
type Env struct {
	IO     *IOStreams
	Ledger func() (gateway.Ledger, error)
	Format string
}

// Env is the command environment; call it when the command runs (the -o
// flag is parsed by then).
func (f *Factory) Env() Env { return Env{IO: f.IO, Ledger: f.Ledger, Format: f.Output} }

// New returns the production factory.
func New(io *IOStreams) *Factory {
	f := &Factory{IO: io, Getenv: os.Getenv}
	f.Ledger = func() (gateway.Ledger, error) { return f.connect() }
	f.Events = func() (gateway.EventSource, error) { return f.connect() }
	f.Verifier = func() (Verifier, error) {
		c, err := f.connect()
		if err != nil {
			return nil, err
		}
		return verify.NewOnline(c, f.Config.Timeouts), nil
	}
	f.Identity = func() (*gateway.Resolved, *netdesc.Identity, error) {
		r, err := f.Config.Resolve()
		if err != nil {
			return nil, nil, err
		}
		id, err := netdesc.LoadMSP(r.MSPDir, r.MSPID)
		return r, id, err
	}
	return f
}

func (f *Factory) connect() (*gateway.Conn, error) {
	f.once.Do(func() {
		cfg := f.Config
		cfg.OnRetry = func(e *gateway.Error, attempt int, delay time.Duration) {
			fmt.Fprintf(f.IO.ErrOut, "transaction %s: %s; resubmitting in %s (attempt %d of %d)\n", e.TxID, retryCause(e), delay, attempt, cfg.Retries+1)
		}
		f.conn, f.err = gateway.Connect(cfg)
	})
	return f.conn, f.err
}

// Close closes the connection if one was opened.
func (f *Factory) Close() {
	if f.conn != nil {
		f.conn.Close()
	}
}

func retryCause(e *gateway.Error) string {
	if e.Validation != "" {
		return e.Validation
	}
	return "endorsements differ between peers"
}
