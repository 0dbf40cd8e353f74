// Package ledgertest provides a scriptable in-memory gateway.Ledger for
// command tests: each chaincode function is answered by a handler.
package ledgertest

import (
	"context"
	"encoding/json"
	"fmt"
	"sync"

	"github.com/provledger/provenance/chaincode/domain"
	"github.com/provledger/provenance/client/gateway"
)

// Handler answers one call.
type Handler func(args []string) (any, error)

// Call records one call made to the fake.
type Call struct {
	Submit bool
	Fn     string
	Args   []string
}

// Fake is a gateway.Ledger whose functions are answered by handlers. An
// unhandled function fails the call with a NOT_FOUND-free plain error.
type Fake struct {
	MSP      string
	Handlers map[string]Handler

	mu    sync.Mutex
	Calls []Call
	seq   int
}

// New returns a fake for the given MSP.
func New(msp string) *Fake { return &Fake{MSP: msp, Handlers: map[string]Handler{}} }

// On registers a handler and returns the fake for chaining.
func (f *Fake) On(fn string, h Handler) *Fake {
	f.Handlers[fn] = h
	return f
}

// Returns answers fn with a fixed value.
func (f *Fake) Returns(fn string, v any) *Fake {
	return f.On(fn, func([]string) (any, error) { return v, nil })
}

// Refuses answers fn with a chaincode refusal.
func (f *Fake) Refuses(fn string, code domain.Code, msg string) *Fake {
	return f.On(fn, func([]string) (any, error) { return nil, domain.Errorf(code, "%s", msg) })
}

// MSPID implements gateway.Ledger.
func (f *Fake) MSPID() string { return f.MSP }

// Submit implements gateway.Ledger; transaction IDs are tx1, tx2, ...
func (f *Fake) Submit(_ context.Context, fn string, args ...string) (*gateway.Result, error) {
	f.mu.Lock()
	f.seq++
	seq := f.seq
	f.mu.Unlock()
	tx := fmt.Sprintf("tx%d", seq)
	payload, err := f.call(true, fn, args)
	if err != nil {
		return nil, wrap(fn, tx, gateway.OpEndorse, err)
	}
	return &gateway.Result{Payload: payload, TxID: tx, Block: uint64(seq) + 10}, nil
}

// Evaluate implements gateway.Ledger.
func (f *Fake) Evaluate(_ context.Context, fn string, args ...string) ([]byte, error) {
	payload, err := f.call(false, fn, args)
	if err != nil {
		return nil, wrap(fn, "q1", gateway.OpEvaluate, err)
	}
	return payload, nil
}

// CallsTo returns the recorded calls of fn.
func (f *Fake) CallsTo(fn string) []Call {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []Call
	for _, c := range f.Calls {
		if c.Fn == fn {
			out = append(out, c)
		}
	}
	return out
}

func (f *Fake) call(submit bool, fn string, args []string) ([]byte, error) {
	f.mu.Lock()
	f.Calls = append(f.Calls, Call{Submit: submit, Fn: fn, Args: append([]string(nil), args...)})
	h := f.Handlers[fn]
	f.mu.Unlock()
	if h == nil {
		return nil, fmt.Errorf("fake ledger: no handler for %s", fn)
	}
	v, err := h(args)
	if err != nil {
		return nil, err
	}
	if b, ok := v.([]byte); ok {
		return b, nil
	}
	return json.Marshal(v)
}

func wrap(fn, tx string, op gateway.Op, err error) error {
	le := &gateway.Error{Op: op, Function: fn, TxID: tx, Message: err.Error(), Err: err}
	le.Code, _ = gateway.Refusal(err.Error())
	if le.Code != "" {
		_, le.Message = gateway.Refusal(err.Error())
	}
	return le
}

// Events is a fake gateway.EventSource: each stream delivers the events of
// one batch and then closes, like a peer that goes away.
type Events struct {
	mu      sync.Mutex
	Batches [][]gateway.Event
	Starts  []*gateway.Position
	Fail    int    // number of ChaincodeEvents calls to refuse first
	Tip     uint64 // what Height returns
}

// Height implements gateway.EventSource.
func (e *Events) Height(context.Context) (uint64, error) { return e.Tip, nil }

// ChaincodeEvents implements gateway.EventSource.
func (e *Events) ChaincodeEvents(ctx context.Context, start *gateway.Position) (<-chan gateway.Event, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if start != nil {
		cp := *start
		start = &cp
	}
	e.Starts = append(e.Starts, start)
	if e.Fail > 0 {
		e.Fail--
		return nil, &gateway.Error{Op: gateway.OpEvents, Function: "ChaincodeEvents", Message: "peer 127.0.0.1:7051 unavailable: connection refused"}
	}
	ch := make(chan gateway.Event)
	var batch []gateway.Event
	if len(e.Batches) > 0 {
		batch, e.Batches = e.Batches[0], e.Batches[1:]
	} else {
		// nothing left: block until cancelled
		go func() { <-ctx.Done(); close(ch) }()
		return ch, nil
	}
	go func() {
		defer close(ch)
		for _, ev := range batch {
			select {
			case ch <- ev:
			case <-ctx.Done():
				return
			}
		}
	}()
	return ch, nil
}

// Items answers GetItems (and GetItem) from these items by ID: null, or
// NOT_FOUND, for any other ID.
func (f *Fake) Items(items ...domain.Item) *Fake {
	byID := make(map[string]domain.Item, len(items))
	for _, it := range items {
		byID[it.ID] = it
	}
	f.On("GetItem", func(args []string) (any, error) {
		if it, ok := byID[args[0]]; ok {
			return it, nil
		}
		return nil, domain.Errorf(domain.CodeNotFound, "item %s is not registered", args[0])
	})
	return f.On("GetItems", func(args []string) (any, error) {
		var ids []string
		if err := json.Unmarshal([]byte(args[0]), &ids); err != nil {
			return nil, err
		}
		out := make([]*domain.Item, len(ids))
		for i, id := range ids {
			if it, ok := byID[id]; ok {
				out[i] = &it
			}
		}
		return out, nil
	})
}
