package gateway

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/hyperledger/fabric-gateway/pkg/client"
	"github.com/hyperledger/fabric-gateway/pkg/hash"
	"github.com/hyperledger/fabric-gateway/pkg/identity"
	"github.com/hyperledger/fabric-protos-go-apiv2/peer"
	"google.golang.org/grpc"
	"google.golang.org/grpc/backoff"
	"google.golang.org/grpc/credentials"
	"google.golang.org/grpc/credentials/insecure"

	"github.com/provledger/provenance/client/internal/ledger"
)

// Conn is a live gateway connection; it implements ledger.Ledger and
// ledger.EventSource.
type Conn struct {
	cfg      *Resolved
	id       *Identity
	cc       *grpc.ClientConn
	gw       *client.Gateway
	network  *client.Network
	contract *client.Contract
	timeouts Timeouts
	retries  int
	backoff  time.Duration
	sleep    func(context.Context, time.Duration) error
	submitFn func(context.Context, string, []string) (*ledger.Result, error) // one attempt; replaced in tests
	onRetry  func(*ledger.Error, int, time.Duration)
}

// Connect resolves cfg, loads the identity and opens the gRPC connection.
// No network traffic happens until the first call.
func Connect(cfg Config) (*Conn, error) {
	r, err := cfg.Resolve()
	if err != nil {
		return nil, err
	}
	id, err := LoadMSPDir(r.MSPDir, r.MSPID)
	if err != nil {
		return nil, err
	}
	c, err := Dial(r, id, cfg.Timeouts, cfg.Retries, cfg.Backoff)
	if err == nil {
		c.onRetry = cfg.OnRetry
	}
	return c, err
}

// Dial opens a connection for an already resolved configuration.
func Dial(r *Resolved, id *Identity, t Timeouts, retries int, first time.Duration) (*Conn, error) {
	t = withDefaults(t)
	if retries < 0 {
		retries = 0
	}
	if first <= 0 {
		first = 200 * time.Millisecond
	}
	creds := insecure.NewCredentials()
	if r.TLS {
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM(r.TLSCAPEM) {
			return nil, fmt.Errorf("TLS CA for peer %s holds no PEM certificate", r.Endpoint)
		}
		tc := &tls.Config{RootCAs: pool, ServerName: r.ServerName, MinVersion: tls.VersionTLS12}
		if r.TLSCert != "" {
			pair, err := tls.LoadX509KeyPair(r.TLSCert, r.TLSKey)
			if err != nil {
				return nil, fmt.Errorf("client TLS key pair: %w", err)
			}
			tc.Certificates = []tls.Certificate{pair}
		}
		creds = credentials.NewTLS(tc)
	}
	cc, err := grpc.NewClient(r.Endpoint,
		grpc.WithTransportCredentials(creds),
		// Reconnect quickly once a restarted peer listens again; gRPC's
		// default backoff grows to two minutes.
		grpc.WithConnectParams(grpc.ConnectParams{
			Backoff:           backoff.Config{BaseDelay: 250 * time.Millisecond, Multiplier: 1.6, Jitter: 0.2, MaxDelay: 3 * time.Second},
			MinConnectTimeout: 5 * time.Second,
		}),
	)
	if err != nil {
		return nil, fmt.Errorf("peer %s: %w", r.Endpoint, err)
	}
	xid, err := identity.NewX509Identity(id.MSPID, id.Cert)
	if err != nil {
		cc.Close()
		return nil, fmt.Errorf("identity: %w", err)
	}
	sign, err := identity.NewPrivateKeySign(id.Key)
	if err != nil {
		cc.Close()
		return nil, fmt.Errorf("identity: %w", err)
	}
	gw, err := client.Connect(xid,
		client.WithSign(sign),
		client.WithHash(hash.SHA256),
		client.WithClientConnection(cc),
		client.WithEvaluateTimeout(t.Evaluate),
		client.WithEndorseTimeout(t.Endorse),
		client.WithSubmitTimeout(t.Submit),
		client.WithCommitStatusTimeout(t.CommitStatus),
	)
	if err != nil {
		cc.Close()
		return nil, fmt.Errorf("gateway: %w", err)
	}
	network := gw.GetNetwork(r.Channel)
	conn := &Conn{
		cfg: r, id: id, cc: cc, gw: gw, network: network,
		contract: network.GetContract(r.Chaincode),
		timeouts: t, retries: retries, backoff: first, sleep: sleepCtx,
	}
	conn.submitFn = conn.submitOnce
	return conn, nil
}

func withDefaults(t Timeouts) Timeouts {
	if t.Evaluate <= 0 {
		t.Evaluate = DefaultTimeouts.Evaluate
	}
	if t.Endorse <= 0 {
		t.Endorse = DefaultTimeouts.Endorse
	}
	if t.Submit <= 0 {
		t.Submit = DefaultTimeouts.Submit
	}
	if t.CommitStatus <= 0 {
		t.CommitStatus = DefaultTimeouts.CommitStatus
	}
	return t
}

// Close closes the gateway and its gRPC connection.
func (c *Conn) Close() error {
	c.gw.Close()
	return c.cc.Close()
}

// Network is the channel, for packages (verify) that query system chaincodes.
func (c *Conn) Network() *client.Network { return c.network }

// Config is the resolved configuration.
func (c *Conn) Config() *Resolved { return c.cfg }

// Identity is the signing identity.
func (c *Conn) Identity() *Identity { return c.id }

// MSPID implements ledger.Ledger.
func (c *Conn) MSPID() string { return c.cfg.MSPID }

// Evaluate implements ledger.Ledger. It builds the proposal itself so that
// a failure can name the transaction ID.
func (c *Conn) Evaluate(ctx context.Context, fn string, args ...string) ([]byte, error) {
	prop, err := c.contract.NewProposal(fn, client.WithArguments(args...))
	if err != nil {
		return nil, &ledger.Error{Op: ledger.OpEvaluate, Function: fn, Message: err.Error(), Err: err}
	}
	ctx, cancel := context.WithTimeout(ctx, c.timeouts.Evaluate)
	defer cancel()
	out, err := prop.EvaluateWithContext(ctx)
	if err != nil {
		return nil, c.translate(ledger.OpEvaluate, fn, prop.TransactionID(), err)
	}
	return out, nil
}

// Submit implements ledger.Ledger: SubmitAsync, then wait for the commit
// status. A transaction invalidated by MVCC_READ_CONFLICT or
// PHANTOM_READ_CONFLICT, or whose endorsements differed between peers at
// different heights, is submitted again as a new transaction, with
// doubling delays, at most Retries times: the chaincode itself refuses a
// business operation that already happened, so a retry cannot apply twice.
func (c *Conn) Submit(ctx context.Context, fn string, args ...string) (*ledger.Result, error) {
	delay := c.backoff
	for attempt := 0; ; attempt++ {
		res, err := c.submitFn(ctx, fn, args)
		var le *ledger.Error
		if err == nil || attempt >= c.retries || !errors.As(err, &le) || !retryable(le) {
			return res, err
		}
		if c.onRetry != nil {
			c.onRetry(le, attempt+2, delay)
		}
		if serr := c.sleep(ctx, delay); serr != nil {
			return nil, err
		}
		delay *= 2
	}
}

// retryable: read conflicts at commit, and endorsements that differ
// because the endorsing peers were at different heights (a block committed
// on one but not yet on another) - both transient, and both leave nothing
// written, so a new transaction is safe.
func retryable(e *ledger.Error) bool {
	switch e.Op {
	case ledger.OpCommit:
		return e.Validation == peer.TxValidationCode_MVCC_READ_CONFLICT.String() ||
			e.Validation == peer.TxValidationCode_PHANTOM_READ_CONFLICT.String()
	case ledger.OpEndorse:
		if e.Code != "" {
			return false // a refusal stays a refusal
		}
		for _, p := range e.Peers {
			if strings.Contains(p.Message, "ProposalResponsePayloads do not match") {
				return true
			}
		}
	}
	return false
}

func (c *Conn) submitOnce(ctx context.Context, fn string, args []string) (*ledger.Result, error) {
	// SubmitAsync applies the endorse and submit timeouts given at connect;
	// it runs aside so that an interrupt (ctx) need not wait for them.
	type async struct {
		result []byte
		commit *client.Commit
		err    error
	}
	done := make(chan async, 1)
	go func() {
		r, cm, err := c.contract.SubmitAsync(fn, client.WithArguments(args...))
		done <- async{r, cm, err}
	}()
	var a async
	select {
	case a = <-done:
	case <-ctx.Done():
		return nil, &ledger.Error{Op: ledger.OpEndorse, Function: fn, Err: ctx.Err(),
			Message: "interrupted before the transaction was ordered (it may still commit)"}
	}
	result, commit, err := a.result, a.commit, a.err
	if err != nil {
		return nil, c.translate(opOf(err), fn, txIDOf(err), err)
	}
	cctx, cancel := context.WithTimeout(ctx, c.timeouts.CommitStatus)
	defer cancel()
	st, err := commit.StatusWithContext(cctx)
	if err != nil {
		return nil, c.translate(ledger.OpStatus, fn, commit.TransactionID(), err)
	}
	if !st.Successful {
		return nil, &ledger.Error{
			Op: ledger.OpCommit, Function: fn, TxID: st.TransactionID, Block: st.BlockNumber,
			Validation: st.Code.String(), Message: st.Code.String(),
		}
	}
	return &ledger.Result{Payload: result, TxID: st.TransactionID, Block: st.BlockNumber}, nil
}

func opOf(err error) ledger.Op {
	var (
		ee *client.EndorseError
		se *client.SubmitError
	)
	switch {
	case errors.As(err, &ee):
		return ledger.OpEndorse
	case errors.As(err, &se):
		return ledger.OpSubmit
	}
	return ledger.OpEndorse
}

func txIDOf(err error) string {
	var te *client.TransactionError
	if errors.As(err, &te) {
		return te.TransactionID
	}
	return ""
}

func sleepCtx(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}
