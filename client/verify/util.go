package verify

import (
	"context"
	"sync"

	"github.com/hyperledger/fabric-protos-go-apiv2/common"
	"google.golang.org/protobuf/proto"
)

// pool runs ledger calls with bounded concurrency; a task may add tasks. The
// first error cancels the rest.
type pool struct {
	parent context.Context
	ctx    context.Context
	cancel context.CancelFunc
	sem    chan struct{}
	wg     sync.WaitGroup
	once   sync.Once
	err    error
}

func newPool(ctx context.Context, limit int) *pool {
	c, cancel := context.WithCancel(ctx)
	return &pool{parent: ctx, ctx: c, cancel: cancel, sem: make(chan struct{}, limit)}
}

func (p *pool) do(f func(context.Context) error) {
	p.wg.Add(1)
	go func() {
		defer p.wg.Done()
		select {
		case p.sem <- struct{}{}:
		case <-p.ctx.Done():
			return
		}
		defer func() { <-p.sem }()
		if p.ctx.Err() != nil {
			return
		}
		if err := f(p.ctx); err != nil {
			p.once.Do(func() { p.err = err; p.cancel() })
		}
	}()
}

// wait waits for every task and returns the first error, or the caller's
// context error when it was cancelled.
func (p *pool) wait() error {
	p.wg.Wait()
	p.cancel()
	if p.err != nil {
		return p.err
	}
	return p.parent.Err()
}

func unmarshalEnvelope(b []byte) (*common.Envelope, error) {
	env := &common.Envelope{}
	if err := proto.Unmarshal(b, env); err != nil {
		return nil, err
	}
	return env, nil
}
