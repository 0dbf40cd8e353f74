package contract

import (
	"encoding/json"
	"fmt"

	"github.com/hyperledger/fabric-contract-api-go/v2/contractapi"

	"github.com/provledger/provenance/chaincode/domain"
)

// RegisterItems registers 1..MaxBatch items for the submitting manufacturer,
// atomically: an invalid or duplicate item, or a GTIN whose company prefix is
// not active for the submitter, refuses the whole batch naming it. It returns
// the canonical keys in input order.
func (c *Contract) RegisterItems(ctx contractapi.TransactionContextInterface, itemsJSON string) ([]string, error) {
	s, err := identify(ctx)
	if err != nil {
		return nil, err
	}
	if err := s.requireRole("RegisterItems", domain.RoleManufacturer); err != nil {
		return nil, err
	}
	if len(itemsJSON) > domain.MaxItemsBytes {
		return nil, domain.Errorf(domain.CodeBatchTooLarge, "items argument is %d bytes, at most %d allowed (at most %d items)", len(itemsJSON), domain.MaxItemsBytes, domain.MaxBatch)
	}
	var inputs []domain.ItemInput
	if err := strictUnmarshal(itemsJSON, &inputs); err != nil {
		return nil, domain.Errorf(domain.CodeInvalidArgument, "items must be a JSON array of {\"id\",\"lot\",\"expiry\",\"description\"}: %v", err)
	}
	if len(inputs) == 0 {
		return nil, domain.Errorf(domain.CodeInvalidArgument, "no items given")
	}
	if len(inputs) > domain.MaxBatch {
		return nil, domain.Errorf(domain.CodeBatchTooLarge, "%d items given, at most %d per transaction", len(inputs), domain.MaxBatch)
	}
	idents := make([]domain.Identifier, len(inputs))
	ids := make([]domain.ItemID, len(inputs))
	seen := make(map[string]int, len(inputs))
	var gtins []string
	for i, in := range inputs {
		id, err := validateInput(in)
		if err != nil {
			return nil, withContext(err, "entry %d", i+1)
		}
		if j, dup := seen[id.Key()]; dup {
			return nil, domain.Errorf(domain.CodeAlreadyExists, "item %s appears twice in the batch (entries %d and %d)", id.Key(), j+1, i+1)
		}
		seen[id.Key()] = i
		idents[i], ids[i] = id, id.ItemID
		gtins = append(gtins, id.GTIN)
	}
	stub := ctx.GetStub()
	res, err := resolvePrefixes(stub, gtins)
	if err != nil {
		return nil, err
	}
	for _, r := range res {
		if err := r.mustBeOwnedBy(s.MSP); err != nil {
			return nil, err
		}
	}
	views, _, err := c.custody(ctx, s, ids, func(w *txWriter) domain.Request { return w.request(domain.ActRegister) },
		func(i int, r *domain.Request) {
			id := idents[i]
			r.New = &domain.Item{GTIN: id.GTIN, Serial: id.Serial, Lot: id.Lot, Expiry: id.Expiry, Description: inputs[i].Description}
		})
	if err != nil {
		return nil, err
	}
	keys := make([]string, len(views))
	for i, v := range views {
		keys[i] = v.key()
	}
	return keys, nil
}

// validateInput parses one ItemInput; lot and expiry may come inside the ID
// or apart, but not differently in both.
func validateInput(in domain.ItemInput) (domain.Identifier, error) {
	return domain.ParseItemInput(in)
}

// GetItem returns one item with its hold and recall.
func (c *Contract) GetItem(ctx contractapi.TransactionContextInterface, id string) (*domain.Item, error) {
	ident, err := parseCustodyID(id)
	if err != nil {
		return nil, err
	}
	views, err := readViews(ctx.GetStub(), []domain.ItemID{ident.ItemID})
	if err != nil {
		return nil, err
	}
	if err := mustExist(views); err != nil {
		return nil, err
	}
	out, err := outputs(ctx.GetStub(), views)
	if err != nil {
		return nil, err
	}
	return out[0], nil
}

// GetItems returns several items in input order, null where an item is not
// registered.
func (c *Contract) GetItems(ctx contractapi.TransactionContextInterface, idsJSON string) ([]*domain.Item, error) {
	ids, err := parseIDList(idsJSON)
	if err != nil {
		return nil, err
	}
	views, err := readViews(ctx.GetStub(), ids)
	if err != nil {
		return nil, err
	}
	return outputs(ctx.GetStub(), views)
}

// GetHistory returns the custody events of an item with sequences from
// fromSeq (default 1) to fromSeq+limit-1, read by key from the event keys
// in one call. Missing sequences are skipped, not an end: the counter,
// which says where the history ends, has no key-level policy, so an event
// written after a counter set ahead must still show (behind a gap, which
// verify refuses). NextSeq follows the counter, or the event after the
// window when it exists (a counter set back).
func (c *Contract) GetHistory(ctx contractapi.TransactionContextInterface, id, fromSeq, limit string) (*domain.HistoryPage, error) {
	ident, err := parseCustodyID(id)
	if err != nil {
		return nil, err
	}
	from, err := parseUint("fromSeq", fromSeq, 1)
	if err != nil {
		return nil, err
	}
	if from == 0 {
		from = 1
	}
	n, err := parsePageSize(limit)
	if err != nil {
		return nil, withContext(err, "limit")
	}
	stub := ctx.GetStub()
	keys := []string{domain.CounterKey(ident.ItemID)}
	for seq := from; seq <= from+uint64(n); seq++ { // the window and one more
		keys = append(keys, domain.EventKey(ident.ItemID, seq))
	}
	vals, err := getMultiple(stub, keys)
	if err != nil {
		return nil, err
	}
	if len(vals[0]) == 0 {
		return nil, domain.Errorf(domain.CodeNotFound, "item %s is not registered", ident.Key())
	}
	last, _, err := domain.ParseCounter(vals[0])
	if err != nil {
		return nil, fmt.Errorf("decode event counter of %s: %w", ident.Key(), err)
	}
	page := &domain.HistoryPage{Events: []domain.CustodyEvent{}, LastSeq: last}
	if err := appendEvents(page, vals[1:n+1], from, ident.Key()); err != nil {
		return nil, err
	}
	if next := from + uint64(n); next <= last || len(vals[n+1]) > 0 {
		page.NextSeq = next
	}
	return page, nil
}

// appendEvents decodes the existing event keys among vals (sequences from
// first on) into the page, skipping missing ones.
func appendEvents(page *domain.HistoryPage, vals [][]byte, first uint64, item string) error {
	for i, b := range vals {
		if len(b) == 0 {
			continue
		}
		var ev domain.CustodyEvent
		if err := json.Unmarshal(b, &ev); err != nil {
			return fmt.Errorf("decode event %d of %s: %w", first+uint64(i), item, err)
		}
		page.Events = append(page.Events, ev)
	}
	return nil
}

// GetHistories returns, for each item in input order, what GetHistory(id,
// "1", limit) returns: its first page of custody events, read for all the
// items with two multi-key reads (their event counters, then their events
// up to the counter's and one more), so that a whole audit's histories
// cost a few calls. An entry is null when the item is not registered, when
// the event after the counter's last exists (the counter was set back; only
// GetHistory's window shows how far the history goes), or when the answer
// already holds domain.MaxHistoriesEvents events or domain.MaxHistoriesBytes
// of them: GetHistory reads those.
func (c *Contract) GetHistories(ctx contractapi.TransactionContextInterface, idsJSON, limit string) ([]*domain.HistoryPage, error) {
	ids, err := parseIDList(idsJSON)
	if err != nil {
		return nil, err
	}
	n, err := parsePageSize(limit)
	if err != nil {
		return nil, withContext(err, "limit")
	}
	stub := ctx.GetStub()
	counters := make([]string, len(ids))
	for i, id := range ids {
		counters[i] = domain.CounterKey(id)
	}
	vals, err := getMultiple(stub, counters)
	if err != nil {
		return nil, err
	}
	type span struct {
		first, count int // of the item's events in keys: sequences 1..count, then count+1
		last         uint64
	}
	spans := make([]*span, len(ids))
	var keys []string
	for i, v := range vals {
		if len(v) == 0 {
			continue
		}
		last, _, err := domain.ParseCounter(v)
		if err != nil {
			return nil, fmt.Errorf("decode event counter of %s: %w", ids[i].Key(), err)
		}
		m := int(min(last, uint64(n)))
		// The key after the counter's last (or the page's last, when the
		// counter names more than a page) tells whether the counter is behind.
		sp := &span{first: len(keys), count: m, last: last}
		want := m + 1
		if len(keys)+want > domain.MaxHistoriesEvents {
			break
		}
		spans[i] = sp
		for seq := 1; seq <= want; seq++ {
			keys = append(keys, domain.EventKey(ids[i], uint64(seq)))
		}
	}
	evs, err := getMultiple(stub, keys)
	if err != nil {
		return nil, err
	}
	out := make([]*domain.HistoryPage, len(ids))
	size := 0
	for i, sp := range spans {
		if sp == nil {
			continue
		}
		after := len(evs[sp.first+sp.count]) > 0 // the event after the counter's last (or the page)
		if after && sp.count < int(n) {
			continue // the counter is behind: GetHistory's window reads on
		}
		window := evs[sp.first : sp.first+sp.count]
		page := &domain.HistoryPage{Events: make([]domain.CustodyEvent, 0, sp.count), LastSeq: sp.last}
		for _, b := range window {
			size += len(b)
		}
		if size > domain.MaxHistoriesBytes {
			break
		}
		if err := appendEvents(page, window, 1, ids[i].Key()); err != nil {
			return nil, err
		}
		if next := uint64(n) + 1; next <= sp.last || after {
			page.NextSeq = next
		}
		out[i] = page
	}
	return out, nil
}
