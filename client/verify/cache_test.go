package verify

import (
	"context"
	"errors"
	"sync"
	"testing"

	"github.com/provledger/provenance/chaincode/domain"
)

// TestCachedSharesFetches: verifications through one cache fetch each
// transaction and block once, and give the same verdict, tampered or not.
func TestCachedSharesFetches(t *testing.T) {
	f := newFixture(t, consensusBFT)
	f.tenEvents(nil)
	direct, err := Item(context.Background(), f, testItem, Options{Chain: true})
	if err != nil || !direct.OK {
		t.Fatalf("direct: %v %+v", err, direct.Failed())
	}
	once := f.calls
	f.calls = map[string]int{}
	c := Cached(f)
	var wg sync.WaitGroup
	reps := make([]Report, 5)
	errs := make([]error, 5)
	for i := range reps {
		wg.Add(1)
		go func() {
			defer wg.Done()
			reps[i], errs[i] = Item(context.Background(), c, testItem, Options{Chain: true})
		}()
	}
	wg.Wait()
	for i := range reps {
		if errs[i] != nil || !reps[i].OK || len(reps[i].Steps) != len(direct.Steps) {
			t.Fatalf("run %d through the cache: %v, ok %v, %d steps (direct %d)", i, errs[i], reps[i].OK, len(reps[i].Steps), len(direct.Steps))
		}
	}
	// five verifications cost the calls of one
	for name, n := range f.calls {
		if n != once[name] {
			t.Errorf("%s called %d times through the cache for 5 verifications, %d for one directly", name, n, once[name])
		}
	}
	if f.calls["TransactionByID"] != 10 {
		t.Errorf("calls %v", f.calls)
	}

	// A tampered record fails the same checks through the cache.
	g := newFixture(t, consensusBFT)
	g.tenEvents(map[int]txOpts{4: {creator: g.users[mspCust]}})
	bad, err := Item(context.Background(), g, testItem, Options{})
	if err != nil || bad.OK {
		t.Fatalf("tampered record passed directly: %v", err)
	}
	viaCache, err := Item(context.Background(), Cached(g), testItem, Options{})
	if err != nil || viaCache.OK || len(viaCache.Failed()) != len(bad.Failed()) {
		t.Fatalf("through the cache: %v, %d failed, directly %d", err, len(viaCache.Failed()), len(bad.Failed()))
	}
}

// TestCachedForgetsErrors: a failed fetch is asked again.
func TestCachedForgetsErrors(t *testing.T) {
	f := newFixture(t, consensusBFT)
	f.tenEvents(nil)
	f.historyErr = errors.New("peer down")
	c := Cached(f)
	if _, err := Item(context.Background(), c, testItem, Options{}); err == nil {
		t.Fatal("no error with the peer down")
	}
	f.historyErr = nil
	if rep, err := Item(context.Background(), c, testItem, Options{}); err != nil || !rep.OK {
		t.Fatalf("after recovery: %v", err)
	}
}

// batchFixture answers GetHistories from the fixture's History.
type batchFixture struct {
	*fixture
	batches int
}

func (b *batchFixture) Histories(ctx context.Context, ids []string, limit int) ([]*domain.HistoryPage, error) {
	b.batches++
	out := make([]*domain.HistoryPage, len(ids))
	for i, id := range ids {
		if p, err := b.fixture.History(ctx, id, 0, limit); err == nil {
			out[i] = &p
		}
	}
	return out, nil
}

// TestPrefetchHistories: prefetched first pages are served from the cache
// (one GetHistories call instead of a History call per item), with the
// same verdict; an unregistered item is still asked on its own.
func TestPrefetchHistories(t *testing.T) {
	f := newFixture(t, consensusBFT)
	f.tenEvents(nil)
	b := &batchFixture{fixture: f}
	c := Cached(b)
	unknown := "01/09506000134352/21/NONE"
	PrefetchHistories(context.Background(), c, []string{testItem, unknown}, 2)
	if b.batches != 1 {
		t.Fatalf("%d GetHistories calls, want 1", b.batches)
	}
	f.calls = map[string]int{}
	rep, err := Item(context.Background(), c, testItem, Options{})
	if err != nil || !rep.OK {
		t.Fatalf("verify after prefetch: %v %+v", err, rep.Failed())
	}
	if f.calls["History"] != 0 {
		t.Errorf("History called %d times after the prefetch", f.calls["History"])
	}
	if _, err := ReadHistory(context.Background(), c, unknown); err == nil || f.calls["History"] != 1 {
		t.Errorf("unknown item: %v, %d History calls", err, f.calls["History"])
	}
	// Not a cached ledger: nothing happens.
	PrefetchHistories(context.Background(), b, []string{testItem}, 2)
	if b.batches != 1 {
		t.Errorf("prefetch on an uncached ledger called GetHistories")
	}
}

// lyingBatch answers GetHistories with a genuine item's history under
// another ID, as a peer would to make a counterfeit serial look genuine.
type lyingBatch struct {
	*fixture
	servedAs map[string]string // asked ID -> the item whose history is answered
}

func (b *lyingBatch) Histories(ctx context.Context, ids []string, limit int) ([]*domain.HistoryPage, error) {
	out := make([]*domain.HistoryPage, len(ids))
	for i, id := range ids {
		if real, ok := b.servedAs[id]; ok {
			id = real
		}
		if p, err := b.fixture.History(ctx, id, 0, limit); err == nil {
			out[i] = &p
		}
	}
	return out, nil
}

// TestPrefetchFromLyingPeer: a prefetched page is as untrusted as a History
// answer: a genuine item's history served under a counterfeit serial fails
// item-binding, and the genuine item still verifies.
func TestPrefetchFromLyingPeer(t *testing.T) {
	f := newFixture(t, consensusBFT)
	f.tenEvents(nil)
	fake := "01/09506000134352/21/CLONE"
	c := Cached(&lyingBatch{fixture: f, servedAs: map[string]string{fake: testItem}})
	PrefetchHistories(context.Background(), c, []string{fake, testItem}, 2)
	rep, err := Item(context.Background(), c, fake, Options{})
	t.Logf("verify of the counterfeit: err %v, failed %+v", err, rep.Failed())
	if err == nil && rep.OK {
		t.Fatal("a genuine history served under a counterfeit serial verified")
	}
	if err == nil {
		failed := false
		for _, s := range rep.Failed() {
			failed = failed || s.Check == CheckItemBinding
		}
		if !failed {
			t.Errorf("failed checks %+v, want %s among them", rep.Failed(), CheckItemBinding)
		}
	}
	if rep, err := Item(context.Background(), c, testItem, Options{}); err != nil || !rep.OK {
		t.Fatalf("genuine item after the lie: %v %+v", err, rep.Failed())
	}
}
