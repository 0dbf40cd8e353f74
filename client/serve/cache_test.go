package serve

import (
	"context"
	"errors"
	"sync/atomic"
	"testing"
	"time"

	"github.com/hyperledger/fabric-protos-go-apiv2/common"
	"github.com/hyperledger/fabric-protos-go-apiv2/peer"

	"github.com/provledger/provenance/chaincode/domain"
	"github.com/provledger/provenance/client/verify"
)

// countingLedger counts block and transaction reads; block 99 is missing.
type countingLedger struct {
	verify.Ledger
	blocks, txs atomic.Int64
}

func (c *countingLedger) BlockByNumber(ctx context.Context, n uint64) (*common.Block, error) {
	c.blocks.Add(1)
	if n == 99 {
		return nil, verify.ErrNotFound
	}
	return &common.Block{Header: &common.BlockHeader{Number: n}}, nil
}

func (c *countingLedger) BlockByTxID(ctx context.Context, id string) (*common.Block, error) {
	c.blocks.Add(1)
	return &common.Block{Header: &common.BlockHeader{Number: 7}}, nil
}

func (c *countingLedger) TransactionByID(ctx context.Context, id string) (*peer.ProcessedTransaction, error) {
	c.txs.Add(1)
	return &peer.ProcessedTransaction{ValidationCode: 0}, nil
}

type historianLedger struct{ countingLedger }

func (h *historianLedger) OrgRolesHistory(ctx context.Context) ([]domain.RoleSetChange, error) {
	return []domain.RoleSetChange{{TxID: "t"}}, nil
}

func TestCachedLedger(t *testing.T) {
	inner := &countingLedger{}
	l := NewCachedLedger(inner, 2)
	if _, ok := l.(verify.RoleHistorian); ok {
		t.Fatal("the cache claims a role history its ledger lacks")
	}
	ctx := context.Background()
	for range 3 {
		if b, err := l.BlockByNumber(ctx, 5); err != nil || b.Header.Number != 5 {
			t.Fatal(b, err)
		}
		_, _ = l.TransactionByID(ctx, "a")
		_, _ = l.BlockByTxID(ctx, "a")
	}
	if inner.blocks.Load() != 2 || inner.txs.Load() != 1 {
		t.Errorf("reads: %d blocks, %d txs; want 2, 1", inner.blocks.Load(), inner.txs.Load())
	}
	// BlockByTxID put block 7 in the cache: no read by number
	if _, err := l.BlockByNumber(ctx, 7); err != nil || inner.blocks.Load() != 2 {
		t.Errorf("block 7 by number after by tx: %d reads", inner.blocks.Load())
	}
	// errors are not cached
	for range 2 {
		if _, err := l.BlockByNumber(ctx, 99); !errors.Is(err, verify.ErrNotFound) {
			t.Fatal(err)
		}
	}
	if inner.blocks.Load() != 4 {
		t.Errorf("missing block read %d times in all; want 2 reads of it", inner.blocks.Load()-2)
	}
	// bounded: 2 blocks; 5 was evicted by 7 and 99 tries nothing
	_, _ = l.BlockByNumber(ctx, 8)
	_, _ = l.BlockByNumber(ctx, 5)
	if inner.blocks.Load() != 6 {
		t.Errorf("LRU bound: %d reads; want 6", inner.blocks.Load())
	}
	h := NewCachedLedger(&historianLedger{}, 2)
	rh, ok := h.(verify.RoleHistorian)
	if !ok {
		t.Fatal("the cache hides the ledger's role history")
	}
	if ch, err := rh.OrgRolesHistory(ctx); err != nil || len(ch) != 1 {
		t.Errorf("role history through the cache: %v %v", ch, err)
	}
}

func TestExpired(t *testing.T) {
	now := mustTime("2026-12-02T08:00:00Z")
	for in, want := range map[string]bool{"261201": true, "261202": false, "261200": false, "261100": true, "991231": false, "": false} {
		if got := expired(in, now); got != want {
			t.Errorf("expired(%q) = %v", in, got)
		}
	}
}

func mustTime(s string) time.Time {
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		panic(err)
	}
	return t
}
