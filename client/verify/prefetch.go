package verify

import (
	"context"
	"fmt"
	"sync"

	"github.com/provledger/provenance/chaincode/domain"
)

// HistoriesReader is a Ledger that reads many items' first history pages
// in one call (chaincode GetHistories): for each ID what History(id, 0,
// limit) answers, nil when the item is not registered or the answer was
// full (History reads those).
type HistoriesReader interface {
	Histories(ctx context.Context, ids []string, limit int) ([]*domain.HistoryPage, error)
}

// historiesBatch is the IDs per GetHistories call: about 1 MB of answer
// for items with a few events each (the chaincode bounds it at 2 MiB).
const historiesBatch = 500

// PrefetchHistories fills a Cached ledger with the first history page of
// every key, historiesBatch items per call and conc calls at a time, so
// that verifying thousands of items costs a few history calls instead of
// one per item. The pages are the same untrusted input a History call
// would give (verification checks them against the blocks). It does
// nothing when l is not a Cached ledger over a HistoriesReader, and an
// error of GetHistories (e.g. a chaincode without it) only means that
// each item's history is read on its own, as without prefetching.
func PrefetchHistories(ctx context.Context, l Ledger, keys []string, conc int) {
	var c *cache
	switch v := l.(type) {
	case *cache:
		c = v
	case *cachedHistorian:
		c = v.cache
	default:
		return
	}
	hr, ok := c.l.(HistoriesReader)
	if !ok {
		return
	}
	var chunks [][]string
	for lo := 0; lo < len(keys); lo += historiesBatch {
		chunks = append(chunks, keys[lo:min(lo+historiesBatch, len(keys))])
	}
	sem := make(chan struct{}, max(conc, 1))
	var wg sync.WaitGroup
	for _, ch := range chunks {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer func() { <-sem; wg.Done() }()
			pages, err := hr.Histories(ctx, ch, historyPageSize)
			if err != nil {
				return
			}
			for i, p := range pages {
				if p != nil {
					c.put(historyCacheKey(ch[i], 0, historyPageSize), *p)
				}
			}
		}()
	}
	wg.Wait()
}

func historyCacheKey(id string, fromSeq uint64, limit int) string {
	return fmt.Sprintf("history|%s|%d|%d", id, fromSeq, limit)
}
