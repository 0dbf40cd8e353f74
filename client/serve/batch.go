package serve

import (
	"context"
	"sync"
	"sync/atomic"
	"time"

	"github.com/provledger/provenance/chaincode/domain"
)

// itemBatcher coalesces concurrent single-item reads into GetItems calls:
// requests that arrive while a call is in flight go together in the next
// one, so N concurrent scanners cost about N/batch evaluations instead of N.
// Every read starts after its request arrived: a queued request waits for
// a call that starts later, never for one already running.
type itemBatcher struct {
	b        Backend
	max      int // calls in flight at most
	mu       sync.Mutex
	queue    []*itemReq
	inFlight int
	// requests counts reads asked for (with the backend's GetItems calls it
	// gives the coalescing ratio).
	requests atomic.Int64
}

type itemReq struct {
	key  string
	done chan struct{}
	item *domain.Item
	err  error
}

func (ib *itemBatcher) get(ctx context.Context, key string) (*domain.Item, error) {
	r := &itemReq{key: key, done: make(chan struct{})}
	ib.requests.Add(1)
	ib.mu.Lock()
	ib.queue = append(ib.queue, r)
	if ib.inFlight < ib.max {
		ib.inFlight++
		go ib.loop()
	}
	ib.mu.Unlock()
	select {
	case <-r.done:
		return r.item, r.err
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

func (ib *itemBatcher) loop() {
	for {
		ib.mu.Lock()
		if len(ib.queue) == 0 {
			ib.inFlight--
			ib.mu.Unlock()
			return
		}
		n := min(len(ib.queue), getItemsBatch)
		batch := ib.queue[:n:n]
		ib.queue = ib.queue[n:]
		ib.mu.Unlock()

		idx := map[string]int{}
		var keys []string
		for _, r := range batch {
			if _, ok := idx[r.key]; !ok {
				idx[r.key] = len(keys)
				keys = append(keys, r.key)
			}
		}
		// Not a caller's context: the call serves every request in it.
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		items, err := ib.b.Items(ctx, keys)
		cancel()
		if err == nil && len(items) != len(keys) {
			err = orErr(nil, "GetItems answered %d items for %d", len(items), len(keys))
		}
		for _, r := range batch {
			if err != nil {
				r.err = err
			} else if it := items[idx[r.key]]; it != nil {
				c := *it // each answer gets its own copy
				r.item = &c
			}
			close(r.done)
		}
	}
}
