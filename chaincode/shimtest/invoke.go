package shimtest

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"strconv"
	"testing"
	"time"

	"github.com/hyperledger/fabric-chaincode-go/v2/shim"
	"github.com/hyperledger/fabric-contract-api-go/v2/contractapi"
	"github.com/hyperledger/fabric-protos-go-apiv2/peer"
)

// Response is the outcome of one invocation through the chaincode.
type Response struct {
	TxID      string
	Status    int32 // shim.OK (200) or shim.ERROR (500)
	Message   string
	Payload   []byte
	Event     *peer.ChaincodeEvent // nil unless committed with an event
	Committed bool                 // Submit applied the writes
}

// Err returns nil for a successful response and otherwise an error with
// the chaincode's message (for refusals "CODE: text", so domain.CodeOf works).
func (r *Response) Err() error {
	if r.Status < shim.ERRORTHRESHOLD {
		return nil
	}
	return errors.New(r.Message)
}

// JSON unmarshals the payload into v.
func (r *Response) JSON(v any) error {
	if err := r.Err(); err != nil {
		return err
	}
	if err := json.Unmarshal(r.Payload, v); err != nil {
		return fmt.Errorf("tx %s: payload %q: %w", r.TxID, r.Payload, err)
	}
	return nil
}

// Text returns the payload as a string; contractapi returns string
// results unquoted.
func (r *Response) Text() (string, error) {
	if err := r.Err(); err != nil {
		return "", err
	}
	return string(r.Payload), nil
}

// Invoke runs one call of cc in the stub's open transaction: it sets the
// arguments (function name, then args) and calls cc.Invoke, nothing else.
// Use it with BeginTx/Commit for full control; Harness does that for you.
func Invoke(cc shim.Chaincode, stub *Stub, fn string, args ...string) *Response {
	stub.SetArgs(append([]string{fn}, args...)...)
	res := cc.Invoke(stub)
	return &Response{TxID: stub.GetTxID(), Status: res.GetStatus(), Message: res.GetMessage(), Payload: res.GetPayload()}
}

// Harness runs a contractapi chaincode against a Stub as a peer would: each
// Submit is a transaction that commits only if the chaincode succeeds, each
// Evaluate a transaction that never commits. Transaction IDs are
// deterministic (64 hex digits) and timestamps advance by Step per call.
type Harness struct {
	Stub *Stub
	CC   *contractapi.ContractChaincode
	// Now is the next transaction's timestamp; Step is added after each call.
	Now  time.Time
	Step time.Duration
	seq  int
}

// NewHarness builds the chaincode with contractapi.NewChaincode (so the
// real router, metadata and serializer run) over a new Stub.
func NewHarness(contract contractapi.ContractInterface, opts ...Option) (*Harness, error) {
	cc, err := contractapi.NewChaincode(contract)
	if err != nil {
		return nil, fmt.Errorf("contractapi.NewChaincode: %w", err)
	}
	return &Harness{
		Stub: New(opts...),
		CC:   cc,
		Now:  time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC),
		Step: time.Second,
	}, nil
}

// Submit runs fn as id in a new transaction and commits its writes and
// event if it succeeds; a failed call (or a failed commit, reported as
// status 500) writes nothing.
func (h *Harness) Submit(id *Identity, fn string, args ...string) *Response {
	r := h.run(id, fn, args)
	if r.Err() != nil {
		h.Stub.Abort()
		return r
	}
	ev := h.Stub.Event()
	if err := h.Stub.Commit(); err != nil {
		h.Stub.Abort()
		r.Status, r.Message, r.Payload = shim.ERROR, err.Error(), nil
		return r
	}
	r.Event, r.Committed = ev, true
	return r
}

// Evaluate runs fn as id in a new transaction and discards its writes, as
// a query through the gateway does.
func (h *Harness) Evaluate(id *Identity, fn string, args ...string) *Response {
	r := h.run(id, fn, args)
	h.Stub.Abort()
	return r
}

func (h *Harness) run(id *Identity, fn string, args []string) *Response {
	h.seq++
	sum := sha256.Sum256([]byte("shimtest-tx-" + strconv.Itoa(h.seq)))
	h.Stub.BeginTx(hex.EncodeToString(sum[:]), h.Now)
	h.Now = h.Now.Add(h.Step)
	if id != nil {
		h.Stub.SetIdentity(id)
	}
	return Invoke(h.CC, h.Stub, fn, args...)
}

// PeerMSPEnv is the variable shim.GetMSPID reads.
const PeerMSPEnv = "CORE_PEER_LOCALMSPID"

// SetPeerMSPID makes shim.GetMSPID return msp for the rest of the test
// (t.Setenv of CORE_PEER_LOCALMSPID; the test must not be parallel). A
// contract that takes the peer's MSP from an injectable function can use
// Stub.PeerMSPID instead, without touching the environment.
func SetPeerMSPID(t testing.TB, msp string) {
	t.Helper()
	t.Setenv(PeerMSPEnv, msp)
	if got := os.Getenv(PeerMSPEnv); got != msp {
		t.Fatalf("set %s: got %q", PeerMSPEnv, got)
	}
}
