package gateway

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/hyperledger/fabric-gateway/pkg/client"
	"github.com/hyperledger/fabric-gateway/pkg/hash"
	gwproto "github.com/hyperledger/fabric-protos-go-apiv2/gateway"
	"github.com/hyperledger/fabric-protos-go-apiv2/msp"
	"github.com/hyperledger/fabric-protos-go-apiv2/peer"
	"google.golang.org/grpc"
	"google.golang.org/grpc/backoff"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/proto"

	"github.com/provledger/provenance/network/netdesc"
)

// Conn is a live gateway connection; it implements Ledger and
// EventSource.
type Conn struct {
	cfg      *Resolved
	id       *netdesc.Identity
	cc       *grpc.ClientConn
	gw       *client.Gateway
	network  *client.Network
	contract *client.Contract
	creator  []byte // serialized identity (MSP ID + certificate PEM) for commit status requests
	timeouts Timeouts
	retries  int
	backoff  time.Duration
	sleep    func(context.Context, time.Duration) error
	submitFn func(context.Context, string, []string) (*Result, error) // one attempt; replaced in tests
	onRetry  func(*Error, int, time.Duration)
}

// Connect resolves cfg, loads the identity and opens the gRPC connection.
// No network traffic happens until the first call.
func Connect(cfg Config) (*Conn, error) {
	r, err := cfg.Resolve()
	if err != nil {
		return nil, err
	}
	id, err := netdesc.LoadMSP(r.MSPDir, r.MSPID)
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
func Dial(r *Resolved, id *netdesc.Identity, t Timeouts, retries int, first time.Duration) (*Conn, error) {
	ep := netdesc.Endpoint{Name: "peer " + r.Endpoint, Address: r.Endpoint, TLS: r.TLS, TLSCA: r.TLSCAPEM, ServerName: r.ServerName}
	if r.TLS && r.TLSCert != "" {
		pair, err := tls.LoadX509KeyPair(r.TLSCert, r.TLSKey)
		if err != nil {
			return nil, fmt.Errorf("client TLS key pair: %w", err)
		}
		ep.ClientCert = &pair
	}
	cc, err := netdesc.Dial(ep,
		// Reconnect quickly once a restarted peer listens again; gRPC's
		// default backoff grows to two minutes.
		grpc.WithConnectParams(grpc.ConnectParams{
			Backoff:           backoff.Config{BaseDelay: 250 * time.Millisecond, Multiplier: 1.6, Jitter: 0.2, MaxDelay: 3 * time.Second},
			MinConnectTimeout: 5 * time.Second,
		}),
	)
	if err != nil {
		return nil, err
	}
	return newConn(r, id, t, retries, first, cc)
}

// newConn builds the gateway client over an open gRPC connection, which it
// then owns (tests pass an in-process one).
func newConn(r *Resolved, id *netdesc.Identity, t Timeouts, retries int, first time.Duration, cc *grpc.ClientConn) (*Conn, error) {
	t = withDefaults(t)
	if retries < 0 {
		retries = 0
	}
	if first <= 0 {
		first = 200 * time.Millisecond
	}
	xid, sign, err := id.Gateway()
	if err != nil {
		cc.Close()
		return nil, err
	}
	if sign == nil {
		cc.Close()
		return nil, fmt.Errorf("identity %s has no private key", id.Dir)
	}
	// The same bytes the client puts in the commit status requests it builds.
	creator, err := proto.Marshal(&msp.SerializedIdentity{Mspid: xid.MspID(), IdBytes: xid.Credentials()})
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
		contract: network.GetContract(r.Chaincode), creator: creator,
		timeouts: t, retries: retries, backoff: first, sleep: Sleep,
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
	if t.SubmitResolve == 0 {
		t.SubmitResolve = DefaultTimeouts.SubmitResolve
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
func (c *Conn) Identity() *netdesc.Identity { return c.id }

// MSPID implements Ledger.
func (c *Conn) MSPID() string { return c.cfg.MSPID }

// Evaluate implements Ledger. It builds the proposal itself so that
// a failure can name the transaction ID.
func (c *Conn) Evaluate(ctx context.Context, fn string, args ...string) ([]byte, error) {
	prop, err := c.contract.NewProposal(fn, client.WithArguments(args...))
	if err != nil {
		return nil, &Error{Op: OpEvaluate, Function: fn, Message: err.Error(), Err: err}
	}
	ctx, cancel := context.WithTimeout(ctx, c.timeouts.Evaluate)
	defer cancel()
	out, err := prop.EvaluateWithContext(ctx)
	if err != nil {
		return nil, c.translate(OpEvaluate, fn, prop.TransactionID(), err)
	}
	return out, nil
}

// Submit implements Ledger: endorse, submit, then wait for the commit
// status. A transaction invalidated by MVCC_READ_CONFLICT,
// PHANTOM_READ_CONFLICT or ENDORSEMENT_POLICY_FAILURE, or whose
// endorsements differed between peers at different heights, is submitted
// again as a new transaction, with
// doubling delays, at most Retries times: the chaincode itself refuses a
// business operation that already happened, so a retry cannot apply twice.
//
// A submit the ordering service refused is not reported as failed at once:
// a SmartBFT ordering service can refuse a transaction that it orders all
// the same (hyperledger/fabric#4415), so the gateway is first asked, for at
// most Timeouts.SubmitResolve, whether that transaction committed. One whose
// fate stays unknown is never resubmitted automatically; one that committed
// as a read conflict wrote nothing and is retried like any other.
func (c *Conn) Submit(ctx context.Context, fn string, args ...string) (*Result, error) {
	delay := c.backoff
	for attempt := 0; ; attempt++ {
		res, err := c.submitFn(ctx, fn, args)
		var le *Error
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

// retryable: read conflicts at commit; an endorsement policy failure at
// commit, which for the gateway's own choice of endorsers (planned from the
// key-level policies of the keys as they were at endorsement) means that a
// key's policy changed after endorsement: another transaction created the
// same event key (event keys are sealed, so a custody act that lost a race
// for an item's next event fails here before its read conflict is
// checked); and endorsements that differ because the endorsing peers were
// at different heights (a block committed on one but not yet on another).
// All are transient and leave nothing written, so a new transaction,
// endorsed against the new state, is safe.
func retryable(e *Error) bool {
	switch e.Op {
	case OpCommit:
		return e.Validation == peer.TxValidationCode_MVCC_READ_CONFLICT.String() ||
			e.Validation == peer.TxValidationCode_PHANTOM_READ_CONFLICT.String() ||
			e.Validation == peer.TxValidationCode_ENDORSEMENT_POLICY_FAILURE.String()
	case OpEndorse:
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

// submitOnce is one attempt through the gateway's proposal flow: the
// transaction ID is known before anything is sent, and the endorse and
// submit steps each run under their own timeout within ctx, so an
// interrupt needs no goroutine to be honoured.
func (c *Conn) submitOnce(ctx context.Context, fn string, args []string) (*Result, error) {
	prop, err := c.contract.NewProposal(fn, client.WithArguments(args...))
	if err != nil {
		return nil, &Error{Op: OpEndorse, Function: fn, Message: err.Error(), Err: err}
	}
	txID := prop.TransactionID()
	ectx, cancel := context.WithTimeout(ctx, c.timeouts.Endorse)
	tx, err := prop.EndorseWithContext(ectx)
	cancel()
	if err != nil {
		if ctx.Err() != nil {
			return nil, &Error{Op: OpEndorse, Function: fn, TxID: txID, Err: ctx.Err(),
				Message: "interrupted while endorsing (nothing was sent to the orderer)"}
		}
		return nil, c.translate(OpEndorse, fn, txID, err)
	}
	result := tx.Result()
	sctx, cancel := context.WithTimeout(ctx, c.timeouts.Submit)
	commit, err := tx.SubmitWithContext(sctx)
	cancel()
	if err != nil {
		// Endorsed: the orderer may have the transaction all the same.
		return c.resolveSubmit(ctx, fn, txID, result, err)
	}
	cctx, cancel := context.WithTimeout(ctx, c.timeouts.CommitStatus)
	defer cancel()
	st, err := commit.StatusWithContext(cctx)
	if err != nil {
		return nil, c.translate(OpStatus, fn, commit.TransactionID(), err)
	}
	if !st.Successful {
		return nil, &Error{
			Op: OpCommit, Function: fn, TxID: st.TransactionID, Block: st.BlockNumber,
			Validation: st.Code.String(), Message: st.Code.String(),
		}
	}
	return &Result{Payload: result, TxID: st.TransactionID, Block: st.BlockNumber}, nil
}

// resolveSubmit decides the outcome of an endorsed transaction whose submit
// to the orderer failed: committed (success, with the endorsed result),
// committed invalid (the usual commit error), or unknown (an error saying
// it may still commit). serr is the submit error.
func (c *Conn) resolveSubmit(ctx context.Context, fn, txID string, result []byte, serr error) (*Result, error) {
	le := c.translate(OpSubmit, fn, txID, serr)
	le.Code = "" // the orderer's text is no chaincode refusal
	cause := le.Message
	wait := c.timeouts.SubmitResolve
	after := ""
	if wait > 0 {
		bound := wait // for the message: the caller's deadline may come first
		if dl, ok := ctx.Deadline(); ok && time.Until(dl) < bound {
			bound = time.Until(dl).Round(time.Millisecond)
		}
		st, err := c.commitStatus(ctx, txID, wait)
		switch {
		case err == nil && st.Successful:
			return &Result{Payload: result, TxID: txID, Block: st.BlockNumber}, nil
		case err == nil:
			return nil, &Error{
				Op: OpCommit, Function: fn, TxID: txID, Block: st.BlockNumber,
				Validation: st.Code.String(), Message: st.Code.String(),
			}
		case errors.Is(ctx.Err(), context.Canceled):
			after = ", and the wait for its commit was interrupted"
		case errors.Is(err, context.DeadlineExceeded) || status.Code(err) == codes.DeadlineExceeded:
			// The peer may answer DeadlineExceeded a moment before the
			// local timer fires (gRPC sends it the deadline).
			after = fmt.Sprintf(", and it did not commit within %s", bound)
		default:
			after = fmt.Sprintf(", and its commit status could not be read (%s)",
				Translate(OpStatus, fn, txID, c.cfg.Endpoint, err).Message)
		}
	}
	le.Message = fmt.Sprintf("the ordering service refused or did not confirm the transaction (%s)%s; "+
		"transaction %s may still commit. Running the command again is safe: "+
		"the chaincode refuses an operation that already happened", cause, after, txID)
	return nil, le
}

// CommitStatus is the commit status of transaction txID, waiting at most
// wait for it to commit: how a caller that submitted through Network()
// itself resolves a submit the ordering service refused but may have
// ordered (fabric#4415).
func (c *Conn) CommitStatus(ctx context.Context, txID string, wait time.Duration) (*client.Status, error) {
	return c.commitStatus(ctx, txID, wait)
}

// commitStatus asks the gateway for the commit status of txID, waiting at
// most wait. The request is built here because a failed submit leaves no
// *client.Commit; the gateway signs it with the connection's signer.
func (c *Conn) commitStatus(ctx context.Context, txID string, wait time.Duration) (*client.Status, error) {
	req, err := proto.Marshal(&gwproto.CommitStatusRequest{
		TransactionId: txID, ChannelId: c.network.Name(), Identity: c.creator,
	})
	if err != nil {
		return nil, fmt.Errorf("commit status request: %w", err)
	}
	signed, err := proto.Marshal(&gwproto.SignedCommitStatusRequest{Request: req})
	if err != nil {
		return nil, fmt.Errorf("commit status request: %w", err)
	}
	commit, err := c.gw.NewCommit(signed)
	if err != nil {
		return nil, fmt.Errorf("commit status request: %w", err)
	}
	cctx, cancel := context.WithTimeout(ctx, wait)
	defer cancel()
	return commit.StatusWithContext(cctx)
}
