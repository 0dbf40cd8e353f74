package contract

import (
	"fmt"

	"github.com/hyperledger/fabric-chaincode-go/v2/shim"
	"github.com/hyperledger/fabric-contract-api-go/v2/contractapi"

	"github.com/provledger/provenance/chaincode/domain"
)

// Logistic units: packing and unpacking are adapters over domain.DecidePack
// and domain.DecideUnpack; every other custody act on a unit is the item
// transaction given the unit's SSCC (OfferTransfer, AcceptTransfer, ...).

// PackUnit packs 1..MaxBatch items and units (idsJSON, any spelling; the
// submitter's, loose, ACTIVE, not held) into the unit unitID (an SSCC
// spelling), creating the unit when it is new (its SSCC's company prefix
// must be the submitter's, active). It returns the contents' keys.
func (c *Contract) PackUnit(ctx contractapi.TransactionContextInterface, unitID, idsJSON string) ([]string, error) {
	s, uid, err := identifyWithUnit(ctx, unitID)
	if err != nil {
		return nil, err
	}
	ids, err := parseIDList(idsJSON)
	if err != nil {
		return nil, err
	}
	stub := ctx.GetStub()
	unit, contents, err := readUnitAndContents(stub, uid, ids)
	if err != nil {
		return nil, err
	}
	w, err := newTxWriter(c, stub, s)
	if err != nil {
		return nil, err
	}
	r := w.request(domain.ActPack)
	if unit.Item == nil {
		res, err := resolvePrefixes(stub, []string{uid.Serial})
		if err != nil {
			return nil, err
		}
		if a := res[0].active; a != nil {
			r.Brand, r.BrandPrefix = a.Owner, a.Prefix
		}
	}
	ds, derr := domain.DecidePack(unit, contents, r)
	if derr != nil {
		return nil, derr
	}
	return keysOf(ids), w.applyAs(ds, domain.EventPacked)
}

// UnpackUnit takes contents (idsJSON) out of the submitter's loose unit, or
// its whole content when idsJSON is empty (at most MaxBatch per
// transaction: call again for more). Each content becomes loose and the
// unit's owner's. It returns the contents' keys.
func (c *Contract) UnpackUnit(ctx contractapi.TransactionContextInterface, unitID, idsJSON string) ([]string, error) {
	s, uid, err := identifyWithUnit(ctx, unitID)
	if err != nil {
		return nil, err
	}
	stub := ctx.GetStub()
	var ids []domain.ItemID
	if idsJSON == "" {
		if ids, err = unitContents(stub, uid, domain.MaxBatch); err != nil {
			return nil, err
		}
		if len(ids) == 0 {
			return nil, domain.Errorf(domain.CodeInvalidArgument, "unit %s is empty", uid.Key())
		}
	} else if ids, err = parseIDList(idsJSON); err != nil {
		return nil, err
	}
	unit, contents, err := readUnitAndContents(stub, uid, ids)
	if err != nil {
		return nil, err
	}
	w, err := newTxWriter(c, stub, s)
	if err != nil {
		return nil, err
	}
	ds, derr := domain.DecideUnpack(unit, contents, w.request(domain.ActUnpack))
	if derr != nil {
		return nil, derr
	}
	return keysOf(ids), w.applyAs(ds, domain.EventUnpacked)
}

// GetUnitContents pages through a unit's direct contents (keys, in key
// order).
func (c *Contract) GetUnitContents(ctx contractapi.TransactionContextInterface, unitID, pageSize, bookmark string) (*domain.UnitContentsPage, error) {
	uid, err := parseUnitID(unitID)
	if err != nil {
		return nil, err
	}
	size, err := parsePageSize(pageSize)
	if err != nil {
		return nil, err
	}
	stub := ctx.GetStub()
	attrs := []string{uid.Serial}
	if err := checkBookmark(stub, domain.IdxUnitContent, attrs, bookmark); err != nil {
		return nil, err
	}
	it, meta, err := stub.GetStateByPartialCompositeKeyWithPagination(domain.IdxUnitContent, attrs, size, bookmark)
	if err != nil {
		return nil, fmt.Errorf("query %s: %w", domain.IdxUnitContent, err)
	}
	defer it.Close()
	page := &domain.UnitContentsPage{Unit: uid.Key(), Contents: []string{}}
	for it.HasNext() {
		kv, err := it.Next()
		if err != nil {
			return nil, fmt.Errorf("query %s: %w", domain.IdxUnitContent, err)
		}
		id, err := contentOf(kv.Key)
		if err != nil {
			return nil, err
		}
		page.Contents = append(page.Contents, id.Key())
	}
	if meta != nil {
		page.Bookmark = meta.Bookmark
	}
	return page, nil
}

func identifyWithUnit(ctx contractapi.TransactionContextInterface, unitID string) (*submitter, domain.ItemID, error) {
	s, err := identify(ctx)
	if err != nil {
		return nil, domain.ItemID{}, err
	}
	uid, err := parseUnitID(unitID)
	return s, uid, err
}

// unitContents lists up to max direct contents of a unit inside a
// transaction (paginated queries are for read-only transactions only).
func unitContents(stub shim.ChaincodeStubInterface, uid domain.ItemID, max int) ([]domain.ItemID, error) {
	it, err := stub.GetStateByPartialCompositeKey(domain.IdxUnitContent, []string{uid.Serial})
	if err != nil {
		return nil, fmt.Errorf("query %s: %w", domain.IdxUnitContent, err)
	}
	defer it.Close()
	var ids []domain.ItemID
	for it.HasNext() && len(ids) < max {
		kv, err := it.Next()
		if err != nil {
			return nil, fmt.Errorf("query %s: %w", domain.IdxUnitContent, err)
		}
		id, err := contentOf(kv.Key)
		if err != nil {
			return nil, err
		}
		ids = append(ids, id)
	}
	return ids, nil
}

func contentOf(k string) (domain.ItemID, error) {
	_, parts, err := domain.SplitCompositeKey(k)
	if err != nil || len(parts) != 3 {
		return domain.ItemID{}, fmt.Errorf("unit content key %q: %v", k, err)
	}
	return domain.ItemID{GTIN: parts[1], Serial: parts[2]}, nil
}

func readUnitAndContents(stub shim.ChaincodeStubInterface, uid domain.ItemID, ids []domain.ItemID) (domain.CustodyState, []domain.CustodyState, error) {
	views, err := readViews(stub, append([]domain.ItemID{uid}, ids...))
	if err != nil {
		return domain.CustodyState{}, nil, err
	}
	contents := make([]domain.CustodyState, len(ids))
	for i, v := range views[1:] {
		contents[i] = v.st
	}
	return views[0].st, contents, nil
}

func keysOf(ids []domain.ItemID) []string {
	keys := make([]string, len(ids))
	for i, id := range ids {
		keys[i] = id.Key()
	}
	return keys
}

// outputs is the read form of views (see output) with the effective custody
// of packed ones: their containers, innermost first, and the outermost
// unit's owner, status, open offer and (when they have none of their own)
// hold. Containers are read level by level, each unit once.
func outputs(stub shim.ChaincodeStubInterface, views []*view) ([]*domain.Item, error) {
	units := map[string]*view{}
	pending := views
	for level := 0; level <= domain.MaxUnitDepth && len(pending) > 0; level++ {
		var need []domain.ItemID
		seen := map[string]bool{}
		for _, v := range pending {
			if v.st.Packed == nil || units[v.st.Packed.Unit] != nil || seen[v.st.Packed.Unit] {
				continue
			}
			uid, err := parseUnitID(v.st.Packed.Unit)
			if err != nil {
				return nil, fmt.Errorf("packing of %s: %w", v.key(), err)
			}
			seen[v.st.Packed.Unit] = true
			need = append(need, uid)
		}
		if len(need) == 0 {
			break
		}
		read, err := readViews(stub, need)
		if err != nil {
			return nil, err
		}
		for _, u := range read {
			units[u.key()] = u
		}
		pending = read
	}
	out := make([]*domain.Item, len(views))
	for i, v := range views {
		o := v.output()
		cur := v
		for o != nil && cur.st.Packed != nil && len(o.Containers) <= domain.MaxUnitDepth {
			u := units[cur.st.Packed.Unit]
			if u == nil || u.st.Item == nil {
				break
			}
			o.Containers = append(o.Containers, u.key())
			if o.Hold == nil {
				o.Hold = u.st.Hold
			}
			cur = u
		}
		if o != nil && cur != v {
			top := cur.output()
			o.Owner, o.Status, o.OfferedTo, o.Offer = top.Owner, top.Status, top.OfferedTo, top.Offer
		}
		out[i] = o
	}
	return out, nil
}
