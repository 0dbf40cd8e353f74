package contract

import (
	"encoding/json"
	"fmt"
	"strings"

	"github.com/hyperledger/fabric-chaincode-go/v2/shim"
	"github.com/hyperledger/fabric-contract-api-go/v2/contractapi"

	"github.com/provledger/provenance/chaincode/domain"
)

// Lists read an index range, then the items it names (readViews), and keep
// only the items whose own record (item, hold and recall keys, each with its
// issuer's key-level policy) agrees with the entry: index keys carry no
// key-level policy, so a colluding majority could plant or move entries, but
// never make an item show up where its record says it is not.

// itemQuery is one index range of ListItems and the check its items must pass.
type itemQuery struct {
	index string
	attrs []string
	keep  func(it *domain.Item) bool
}

// ListItems pages through an index: by owner (MSP), gtin, lot ("gtin/lot"),
// status, offered-to (recipient MSP), held (customs MSP, or empty for every
// hold) or recalled (value empty: items under a recall in force, each under
// its broadest one), with bookmarks. A page may hold fewer than pageSize
// items: entries the item records contradict are dropped.
func (c *Contract) ListItems(ctx contractapi.TransactionContextInterface, by, value, pageSize, bookmark string) (*domain.ItemPage, error) {
	size, err := parsePageSize(pageSize)
	if err != nil {
		return nil, err
	}
	items, next, err := listItems(ctx.GetStub(), by, value, int(size), bookmark)
	if err != nil {
		return nil, err
	}
	return &domain.ItemPage{Items: items, Bookmark: next}, nil
}

// CountItems counts up to domain.MaxCountPage items of a ListItems query
// (same by and value) from bookmark on; call again with the returned
// bookmark until it is empty. Counted items pass the same record check.
func (c *Contract) CountItems(ctx contractapi.TransactionContextInterface, by, value, bookmark string) (*domain.ItemCount, error) {
	items, next, err := listItems(ctx.GetStub(), by, value, domain.MaxCountPage, bookmark)
	if err != nil {
		return nil, err
	}
	return &domain.ItemCount{Count: len(items), Bookmark: next}, nil
}

func listItems(stub shim.ChaincodeStubInterface, by, value string, size int, bookmark string) ([]domain.Item, string, error) {
	if by == "recalled" {
		if value != "" {
			return nil, "", domain.Errorf(domain.CodeInvalidArgument, "list by recalled takes no value, got %q", value)
		}
		return listRecalled(stub, size, bookmark)
	}
	q, err := parseItemQuery(by, value)
	if err != nil {
		return nil, "", err
	}
	if err := checkBookmark(stub, q.index, q.attrs, bookmark); err != nil {
		return nil, "", err
	}
	return q.page(stub, size, bookmark)
}

func parseItemQuery(by, value string) (itemQuery, error) {
	switch by {
	case "owner", "offered-to", "held":
		if value == "" && by != "held" {
			return itemQuery{}, domain.Errorf(domain.CodeInvalidArgument, "%s MSP must not be empty", by)
		}
		if err := checkText(by, value, false, domain.MaxReasonLen); err != nil {
			return itemQuery{}, err
		}
		switch by {
		case "owner":
			return itemQuery{domain.IdxOwner, []string{value}, func(it *domain.Item) bool { return it.Owner == value }}, nil
		case "offered-to":
			return itemQuery{domain.IdxOfferedTo, []string{value}, func(it *domain.Item) bool {
				return it.Status == domain.StatusInTransit && it.OfferedTo == value
			}}, nil
		}
		q := itemQuery{domain.IdxHeld, []string{value}, func(it *domain.Item) bool { return it.Hold != nil && it.Hold.By == value }}
		if value == "" {
			q.attrs, q.keep = nil, func(it *domain.Item) bool { return it.Hold != nil }
		}
		return q, nil
	case "gtin":
		g, err := parseGTIN(value)
		if err != nil {
			return itemQuery{}, err
		}
		return itemQuery{domain.IdxGTIN, []string{g}, func(*domain.Item) bool { return true }}, nil
	case "lot":
		gs, lot, ok := strings.Cut(value, "/")
		if !ok || lot == "" {
			return itemQuery{}, domain.Errorf(domain.CodeInvalidArgument, "lot lookup value %q must be gtin/lot", value)
		}
		g, err := parseGTIN(gs)
		if err != nil {
			return itemQuery{}, err
		}
		if err := domain.ValidateLot(lot); err != nil {
			return itemQuery{}, asIDError(err, "lot %q", lot)
		}
		return itemQuery{domain.IdxGTIN, []string{g, lot}, func(it *domain.Item) bool { return it.Lot == lot }}, nil
	case "status":
		switch domain.Status(value) {
		case domain.StatusActive, domain.StatusInTransit, domain.StatusStolen, domain.StatusDecommissioned:
		default:
			return itemQuery{}, domain.Errorf(domain.CodeInvalidArgument, "status %q is not ACTIVE, IN_TRANSIT, STOLEN or DECOMMISSIONED", value)
		}
		return itemQuery{domain.IdxStatus, []string{value}, func(it *domain.Item) bool { return it.Status == domain.Status(value) }}, nil
	}
	return itemQuery{}, domain.Errorf(domain.CodeInvalidArgument, "list by %q: use owner, gtin, lot, status, offered-to, held or recalled", by)
}

// page reads up to size index entries from bookmark and returns the items
// that pass the check, and the next bookmark ("" at the end).
func (q itemQuery) page(stub shim.ChaincodeStubInterface, size int, bookmark string) ([]domain.Item, string, error) {
	it, meta, err := stub.GetStateByPartialCompositeKeyWithPagination(q.index, q.attrs, int32(size), bookmark)
	if err != nil {
		return nil, "", fmt.Errorf("query %s: %w", q.index, err)
	}
	defer it.Close()
	var ids []domain.ItemID
	for it.HasNext() {
		kv, err := it.Next()
		if err != nil {
			return nil, "", fmt.Errorf("query %s: %w", q.index, err)
		}
		_, parts, err := domain.SplitCompositeKey(kv.Key)
		if err != nil || len(parts) != 3 {
			return nil, "", fmt.Errorf("index key %q: %v", kv.Key, err)
		}
		// gtin~item is gtin, lot, serial; the others end in gtin, serial.
		id := domain.ItemID{GTIN: parts[1], Serial: parts[2]}
		if q.index == domain.IdxGTIN {
			id = domain.ItemID{GTIN: parts[0], Serial: parts[2]}
		}
		ids = append(ids, id)
	}
	next := ""
	if meta != nil {
		next = meta.Bookmark // the next key, empty when the range is exhausted
	}
	items := []domain.Item{}
	if len(ids) == 0 {
		return items, next, nil
	}
	views, err := readViews(stub, ids)
	if err != nil {
		return nil, "", err
	}
	outs, err := outputs(stub, views)
	if err != nil {
		return nil, "", err
	}
	for _, out := range outs {
		if out != nil && q.keep(out) {
			items = append(items, *out)
		}
	}
	return items, next, nil
}

// recalledBookmark is where a recalled listing resumes: at a recall key and,
// inside a lot or GTIN recall, at an item of its gtin~item range.
type recalledBookmark struct {
	Recall string `json:"recall"`
	After  string `json:"after,omitempty"`
}

// listRecalled walks the recall keys in key order; an item recall names its
// item, a lot or GTIN recall its gtin~item range. Each item is listed under
// its broadest recall only (the one its read shows), so none appears twice.
func listRecalled(stub shim.ChaincodeStubInterface, size int, bookmark string) ([]domain.Item, string, error) {
	var at recalledBookmark
	if bookmark != "" {
		if err := strictUnmarshal(bookmark, &at); err != nil || at.Recall == "" {
			return nil, "", domain.Errorf(domain.CodeInvalidArgument, "bookmark %q does not belong to this query", bookmark)
		}
		if err := checkBookmark(stub, domain.ObjRecall, nil, at.Recall); err != nil {
			return nil, "", err
		}
	}
	items := []domain.Item{}
	cur := at.Recall
	for {
		it, meta, err := stub.GetStateByPartialCompositeKeyWithPagination(domain.ObjRecall, nil, int32(size), cur)
		if err != nil {
			return nil, "", fmt.Errorf("query %s: %w", domain.ObjRecall, err)
		}
		var keys []string
		for it.HasNext() {
			kv, err := it.Next()
			if err != nil {
				it.Close()
				return nil, "", fmt.Errorf("query %s: %w", domain.ObjRecall, err)
			}
			keys = append(keys, kv.Key)
		}
		it.Close()
		after := ""
		if at.Recall != "" && len(keys) > 0 && keys[0] == at.Recall {
			after, at = at.After, recalledBookmark{}
		}
		next := ""
		if meta != nil {
			next = meta.Bookmark
		}
		for i, k := range keys {
			following := next
			if i+1 < len(keys) {
				following = keys[i+1]
			}
			q, id, err := recallQuery(k)
			if err != nil {
				return nil, "", err
			}
			if id != nil {
				views, err := readViews(stub, []domain.ItemID{*id})
				if err != nil {
					return nil, "", err
				}
				outs, err := outputs(stub, views)
				if err != nil {
					return nil, "", err
				}
				if out := outs[0]; out != nil && q.keep(out) {
					items = append(items, *out)
				}
			} else {
				if after != "" {
					if err := checkBookmark(stub, q.index, q.attrs, after); err != nil {
						return nil, "", err
					}
				}
				for {
					page, inner, err := q.page(stub, size-len(items), after)
					if err != nil {
						return nil, "", err
					}
					items = append(items, page...)
					if inner == "" {
						break
					}
					if len(items) >= size {
						return items, encodeRecalled(k, inner), nil
					}
					after = inner
				}
				after = ""
			}
			if len(items) >= size {
				if following == "" {
					return items, "", nil
				}
				return items, encodeRecalled(following, ""), nil
			}
		}
		if next == "" {
			return items, "", nil
		}
		cur = next
	}
}

// recallQuery reads a recall key: an item recall gives the item (kept when
// its broadest recall is the item's own), a lot or GTIN recall the
// gtin~item range of its items (kept when that recall is their broadest).
func recallQuery(k string) (itemQuery, *domain.ItemID, error) {
	_, a, err := domain.SplitCompositeKey(k)
	if err != nil {
		return itemQuery{}, nil, fmt.Errorf("recall key %q: %w", k, err)
	}
	scope := func(s string) func(*domain.Item) bool {
		return func(it *domain.Item) bool { return it.Recall != nil && it.Recall.Scope == s }
	}
	switch {
	case len(a) == 1:
		return itemQuery{domain.IdxGTIN, a, scope(domain.RecallScopeGTIN)}, nil, nil
	case len(a) == 3 && a[1] == domain.AILot:
		return itemQuery{domain.IdxGTIN, []string{a[0], a[2]}, scope(domain.RecallScopeLot)}, nil, nil
	case len(a) == 3 && a[1] == domain.AISerial:
		return itemQuery{keep: scope(domain.RecallScopeItem)}, &domain.ItemID{GTIN: a[0], Serial: a[2]}, nil
	}
	return itemQuery{}, nil, fmt.Errorf("recall key %q: unknown layout", k)
}

func encodeRecalled(recall, after string) string {
	b, _ := json.Marshal(recalledBookmark{Recall: recall, After: after})
	return string(b)
}

// ListRecalls pages through the recalls in force (item, lot and GTIN), in
// key order (by GTIN).
func (c *Contract) ListRecalls(ctx contractapi.TransactionContextInterface, pageSize, bookmark string) (*domain.RecallPage, error) {
	size, err := parsePageSize(pageSize)
	if err != nil {
		return nil, err
	}
	stub := ctx.GetStub()
	if err := checkBookmark(stub, domain.ObjRecall, nil, bookmark); err != nil {
		return nil, err
	}
	it, meta, err := stub.GetStateByPartialCompositeKeyWithPagination(domain.ObjRecall, nil, size, bookmark)
	if err != nil {
		return nil, fmt.Errorf("query %s: %w", domain.ObjRecall, err)
	}
	defer it.Close()
	page := &domain.RecallPage{Recalls: []domain.RecallEntry{}}
	for it.HasNext() {
		kv, err := it.Next()
		if err != nil {
			return nil, fmt.Errorf("query %s: %w", domain.ObjRecall, err)
		}
		_, a, err := domain.SplitCompositeKey(kv.Key)
		if err != nil {
			return nil, fmt.Errorf("recall key %q: %w", kv.Key, err)
		}
		e := domain.RecallEntry{Target: "01/" + strings.Join(a, "/")}
		if err := json.Unmarshal(kv.Value, &e.Recall); err != nil {
			return nil, fmt.Errorf("decode recall %s: %w", e.Target, err)
		}
		page.Recalls = append(page.Recalls, e)
	}
	if meta != nil {
		page.Bookmark = meta.Bookmark
	}
	return page, nil
}
