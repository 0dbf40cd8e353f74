// Package ledger holds prov's ledger workflows over gateway.Ledger: one
// call decoded into its record type (Submit, Evaluate), items read in
// GetItems batches, index counts, organization names resolved against the
// ledger's roles. The commands' CLI plumbing (streams, arguments, output,
// exit codes) is cmdutil's; the custody batch commands are bulk's.
package ledger

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"

	"github.com/provledger/provenance/chaincode/domain"
	"github.com/provledger/provenance/client/gateway"
)

// Submit submits fn(args...) as one transaction and decodes the committed
// payload (the chaincode's JSON answer) as T.
func Submit[T any](ctx context.Context, l gateway.Ledger, fn string, args ...string) (T, *gateway.Result, error) {
	var v T
	res, err := l.Submit(ctx, fn, args...)
	if err != nil {
		return v, nil, err
	}
	return v, res, decode(fn, res.Payload, &v)
}

// Evaluate runs the query fn(args...) and decodes its answer as T.
func Evaluate[T any](ctx context.Context, l gateway.Ledger, fn string, args ...string) (T, error) {
	var v T
	b, err := l.Evaluate(ctx, fn, args...)
	if err != nil {
		return v, err
	}
	return v, decode(fn, b, &v)
}

func decode(fn string, b []byte, v any) error {
	if err := json.Unmarshal(b, v); err != nil {
		return fmt.Errorf("%s returned unreadable JSON: %w", fn, err)
	}
	return nil
}

// Chunks splits ids into slices of at most n (domain.MaxBatch when n <= 0):
// the batches of a multi-item transaction or query.
func Chunks[T any](ids []T, n int) [][]T {
	if n <= 0 {
		n = domain.MaxBatch
	}
	var out [][]T
	for len(ids) > n {
		out = append(out, ids[:n])
		ids = ids[n:]
	}
	if len(ids) > 0 {
		out = append(out, ids)
	}
	return out
}

// GetItems reads items by canonical key, domain.MaxBatch per GetItems
// query, in order; an item not on the ledger is nil.
func GetItems(ctx context.Context, l gateway.Ledger, keys []string) ([]*domain.Item, error) {
	out := make([]*domain.Item, 0, len(keys))
	for _, chunk := range Chunks(keys, domain.MaxBatch) {
		arg, _ := json.Marshal(chunk)
		items, err := Evaluate[[]*domain.Item](ctx, l, "GetItems", string(arg))
		if err != nil {
			return nil, err
		}
		if len(items) != len(chunk) {
			return nil, fmt.Errorf("GetItems returned %d items for %d IDs", len(items), len(chunk))
		}
		out = append(out, items...)
	}
	return out, nil
}

// CountItems counts the items of a ListItems query (by, value) with
// CountItems calls of domain.MaxCountPage index entries each, following the
// bookmarks: the chaincode reads its indexes, never every item.
func CountItems(ctx context.Context, l gateway.Ledger, by, value string) (int, error) {
	total := 0
	_, err := Follow("", true, func(bookmark string) (string, error) {
		c, err := Evaluate[domain.ItemCount](ctx, l, "CountItems", by, value, bookmark)
		total += c.Count
		return c.Bookmark, err
	})
	if err != nil {
		return 0, err
	}
	return total, nil
}

// History reads key's custody events from event fromSeq on, page after
// page, until the end or limit events (0: all).
func History(ctx context.Context, l gateway.Ledger, key string, fromSeq uint64, limit int) ([]domain.CustodyEvent, error) {
	events := []domain.CustodyEvent{}
	for {
		page := domain.MaxPageSize
		if limit > 0 && limit-len(events) < page {
			page = limit - len(events)
		}
		p, err := Evaluate[domain.HistoryPage](ctx, l, "GetHistory", key, strconv.FormatUint(fromSeq, 10), strconv.Itoa(page))
		if err != nil {
			return nil, err
		}
		events = append(events, p.Events...)
		if p.NextSeq == 0 || len(p.Events) == 0 || (limit > 0 && len(events) >= limit) {
			return events, nil
		}
		fromSeq = p.NextSeq
	}
}

// Follow reads pages from bookmark with page, which returns the next
// page's bookmark; with all it follows the bookmarks to the end, else it
// reads one page. It returns the last bookmark ("" at the end).
func Follow(bookmark string, all bool, page func(bookmark string) (next string, err error)) (string, error) {
	for {
		next, err := page(bookmark)
		if err != nil {
			return "", err
		}
		if !all || next == "" || next == bookmark {
			return next, nil
		}
		bookmark = next
	}
}
