package gateway

import (
	"context"
	"time"
)

// Ledger runs chaincode functions: the narrow seam between prov's commands
// and the network. A command submits or evaluates a function by name and
// gets the payload back, or an *Error naming the transaction and the
// refusal code. *Conn implements it; command tests use a scripted fake.
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
