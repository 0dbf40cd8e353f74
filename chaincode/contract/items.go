package contract

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"

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
	id, err := parseID(in.ID)
	if err != nil {
		return id, err
	}
	if in.Lot != "" {
		if id.Lot != "" && id.Lot != in.Lot {
			return id, domain.Errorf(domain.CodeInvalidArgument, "item %s: lot %q in the ID differs from lot %q", id.Key(), id.Lot, in.Lot)
		}
		id.Lot = in.Lot
	}
	if in.Expiry != "" {
		if id.Expiry != "" && id.Expiry != in.Expiry {
			return id, domain.Errorf(domain.CodeInvalidArgument, "item %s: expiry %q in the ID differs from expiry %q", id.Key(), id.Expiry, in.Expiry)
		}
		id.Expiry = in.Expiry
	}
	if id.Lot != "" {
		if err := domain.ValidateLot(id.Lot); err != nil {
			return id, asIDError(err, "item %s", id.Key())
		}
	}
	if id.Expiry != "" {
		if err := domain.ValidateExpiry(id.Expiry); err != nil {
			return id, asIDError(err, "item %s", id.Key())
		}
	}
	if err := checkText("description", in.Description, false, domain.MaxDescription); err != nil {
		return id, withContext(err, "item %s", id.Key())
	}
	return id, nil
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

// GetHistory returns up to limit custody events of an item from sequence
// fromSeq (default 1), read by key from the event keys in one call.
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
	for seq := from; seq < from+uint64(n); seq++ {
		keys = append(keys, domain.EventKey(ident.ItemID, seq))
	}
	vals, err := getMultiple(stub, keys)
	if err != nil {
		return nil, err
	}
	if len(vals[0]) == 0 {
		return nil, domain.Errorf(domain.CodeNotFound, "item %s is not registered", ident.Key())
	}
	page := &domain.HistoryPage{Events: []domain.CustodyEvent{}}
	for i, b := range vals[1:] {
		if len(b) == 0 {
			break
		}
		var ev domain.CustodyEvent
		if err := json.Unmarshal(b, &ev); err != nil {
			return nil, fmt.Errorf("decode event %d of %s: %w", from+uint64(i), ident.Key(), err)
		}
		page.Events = append(page.Events, ev)
	}
	last, err := strconv.ParseUint(string(vals[0]), 10, 64)
	if err != nil {
		return nil, fmt.Errorf("decode event counter of %s: %w", ident.Key(), err)
	}
	if next := from + uint64(n); next <= last {
		page.NextSeq = next
	}
	return page, nil
}

// ListItems pages through an index: by owner (MSP), gtin, lot ("gtin/lot")
// or status, with bookmarks.
func (c *Contract) ListItems(ctx contractapi.TransactionContextInterface, by, value, pageSize, bookmark string) (*domain.ItemPage, error) {
	size, err := parsePageSize(pageSize)
	if err != nil {
		return nil, err
	}
	var index string
	var attrs []string
	switch by {
	case "owner":
		if value == "" {
			return nil, domain.Errorf(domain.CodeInvalidArgument, "owner MSP must not be empty")
		}
		index, attrs = domain.IdxOwner, []string{value}
	case "gtin":
		g, err := parseGTIN(value)
		if err != nil {
			return nil, err
		}
		index, attrs = domain.IdxGTIN, []string{g}
	case "lot":
		gs, lot, ok := strings.Cut(value, "/")
		if !ok || lot == "" {
			return nil, domain.Errorf(domain.CodeInvalidArgument, "lot lookup value %q must be gtin/lot", value)
		}
		g, err := parseGTIN(gs)
		if err != nil {
			return nil, err
		}
		if err := domain.ValidateLot(lot); err != nil {
			return nil, asIDError(err, "lot %q", lot)
		}
		index, attrs = domain.IdxGTIN, []string{g, lot}
	case "status":
		switch domain.Status(value) {
		case domain.StatusActive, domain.StatusInTransit, domain.StatusStolen, domain.StatusDecommissioned:
		default:
			return nil, domain.Errorf(domain.CodeInvalidArgument, "status %q is not ACTIVE, IN_TRANSIT, STOLEN or DECOMMISSIONED", value)
		}
		index, attrs = domain.IdxStatus, []string{value}
	default:
		return nil, domain.Errorf(domain.CodeInvalidArgument, "list by %q: use owner, gtin, lot or status", by)
	}
	stub := ctx.GetStub()
	if err := checkBookmark(stub, index, attrs, bookmark); err != nil {
		return nil, err
	}
	it, meta, err := stub.GetStateByPartialCompositeKeyWithPagination(index, attrs, size, bookmark)
	if err != nil {
		return nil, fmt.Errorf("query %s: %w", index, err)
	}
	defer it.Close()
	var ids []domain.ItemID
	for it.HasNext() {
		kv, err := it.Next()
		if err != nil {
			return nil, fmt.Errorf("query %s: %w", index, err)
		}
		_, parts, err := domain.SplitCompositeKey(kv.Key)
		if err != nil || len(parts) != 3 {
			return nil, fmt.Errorf("index key %q: %v", kv.Key, err)
		}
		// owner~item and status~item end in gtin, serial; gtin~item is gtin, lot, serial.
		id := domain.ItemID{GTIN: parts[1], Serial: parts[2]}
		if index == domain.IdxGTIN {
			id = domain.ItemID{GTIN: parts[0], Serial: parts[2]}
		}
		ids = append(ids, id)
	}
	page := &domain.ItemPage{Items: []domain.Item{}}
	if meta != nil {
		page.Bookmark = meta.Bookmark // the next key, empty when the range is exhausted
	}
	if len(ids) == 0 {
		return page, nil
	}
	views, err := readViews(stub, ids)
	if err != nil {
		return nil, err
	}
	outs, err := outputs(stub, views)
	if err != nil {
		return nil, err
	}
	for _, out := range outs {
		if out != nil {
			page.Items = append(page.Items, *out)
		}
	}
	return page, nil
}
