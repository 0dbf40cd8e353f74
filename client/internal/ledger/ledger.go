// Package ledger is the narrow seam between prov's commands and the network:
// a command submits or evaluates a chaincode function by name and gets the
// payload back, or an *Error naming the transaction and the refusal code.
// The real implementation lives in client/gateway; tests use ledgertest.Fake.
package ledger

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/provledger/provenance/chaincode/domain"
)

// Ledger runs chaincode functions.
type Ledger interface {
	// Submit endorses, orders and waits for the commit of fn(args...).
	Submit(ctx context.Context, fn string, args ...string) (*Result, error)
	// Evaluate runs fn(args...) as a query on one peer.
	Evaluate(ctx context.Context, fn string, args ...string) ([]byte, error)
	// MSPID is the MSP ID of the identity transactions are signed with.
	MSPID() string
}

// Result is a committed transaction's outcome.
type Result struct {
	Payload []byte
	TxID    string
	Block   uint64
}

// Event is one chaincode event as a watcher sees it.
type Event struct {
	Block   uint64
	TxID    string
	Name    string
	Payload []byte
}

// EventSource streams chaincode events. Implementations close the channel
// when the stream breaks; the caller decides whether to reconnect.
type EventSource interface {
	// ChaincodeEvents starts a stream. A non-nil start resumes at that
	// position (block, and the last transaction already seen in it).
	ChaincodeEvents(ctx context.Context, start *Position) (<-chan Event, error)
	// Height is the channel's current block height: where "from now on"
	// starts, pinned so that a reconnect misses nothing.
	Height(ctx context.Context) (uint64, error)
}

// Position is where an event stream (re)starts.
type Position struct {
	Block uint64
	TxID  string // last transaction processed in Block; "" for none
}

// Op names the step of a call that failed.
type Op string

// Steps of a call.
const (
	OpConnect  Op = "connect"
	OpEndorse  Op = "endorse"
	OpSubmit   Op = "submit"
	OpCommit   Op = "commit"
	OpStatus   Op = "commit status"
	OpEvaluate Op = "evaluate"
	OpEvents   Op = "events"
)

// PeerMessage is one peer's answer attached to a failed call.
type PeerMessage struct {
	Address string `json:"address"`
	MSPID   string `json:"mspId"`
	Message string `json:"message"`
}

// Error is a failed ledger call. It always names the function and, once a
// proposal exists, its transaction ID.
type Error struct {
	Op         Op
	Function   string
	TxID       string
	Code       domain.Code   // refusal code from the chaincode, "" if none
	Message    string        // the refusal ("CODE: text") or a short cause
	Validation string        // commit validation code when Op is OpCommit
	Block      uint64        // block of a failed commit
	Peers      []PeerMessage // per-peer messages of an endorsement failure
	Err        error         // underlying error
}

func (e *Error) Error() string {
	var b strings.Builder
	switch {
	case e.Code != "":
		b.WriteString(e.Message)
	case e.Op == OpCommit:
		fmt.Fprintf(&b, "%s: transaction failed to commit: %s", e.Function, e.Validation)
	default:
		fmt.Fprintf(&b, "%s: %s failed: %s", e.Function, e.Op, e.Message)
	}
	if e.TxID != "" {
		fmt.Fprintf(&b, " (transaction %s)", e.TxID)
	}
	for _, p := range e.Peers {
		if e.Code != "" && len(e.Peers) == 1 && strings.Contains(p.Message, e.Message) {
			break // the one peer said exactly what the first line says
		}
		fmt.Fprintf(&b, "\n  peer %s (%s): %s", p.Address, p.MSPID, p.Message)
	}
	return b.String()
}

func (e *Error) Unwrap() error { return e.Err }

// CodeOf returns the refusal code carried by err, or "".
func CodeOf(err error) domain.Code {
	var le *Error
	if errors.As(err, &le) && le.Code != "" {
		return le.Code
	}
	return domain.CodeOf(err)
}

// TxIDOf returns the transaction ID carried by err, or "".
func TxIDOf(err error) string {
	var le *Error
	if errors.As(err, &le) {
		return le.TxID
	}
	return ""
}

// Refusal extracts "CODE: text" from a longer message (gateway errors wrap
// the chaincode's message in "chaincode response 500, ..." and similar).
func Refusal(s string) (domain.Code, string) {
	code := domain.CodeOf(errors.New(s))
	if code == "" {
		return "", ""
	}
	i := strings.Index(s, string(code)+": ")
	msg := s[i:]
	if j := strings.IndexByte(msg, '\n'); j >= 0 {
		msg = msg[:j]
	}
	return code, strings.TrimSpace(msg)
}

// Sleep waits d, or less when ctx ends first (then it returns ctx.Err()):
// the pause between retries of ledger calls.
func Sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}
