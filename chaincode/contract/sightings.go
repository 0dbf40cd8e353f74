package contract

import (
	"encoding/json"
	"fmt"

	"github.com/hyperledger/fabric-chaincode-go/v2/shim"
	"github.com/hyperledger/fabric-contract-api-go/v2/contractapi"

	"github.com/provledger/provenance/chaincode/domain"
)

// Inspections are sightings: one new key per inspection
// (sighting [gtin, serial, time, txID], key-level policy: the reporter's
// org), which no custody transaction reads or writes. An inspection reads
// nothing of the item either (not the item, counter or event keys), so it
// never conflicts with a shipment, an owner cannot suppress it, and an
// unregistered but well-formed ID (a counterfeit serial) is recorded just
// the same. Sightings are not custody events: GetHistory does not return
// them, so they cannot poison an item's history (order, timestamps,
// sequence) that prov verify checks; GetSightings lists them.

// RecordInspection records a sighting without a note. See RecordSighting.
func (c *Contract) RecordInspection(ctx contractapi.TransactionContextInterface, id, gln, result string) (*domain.Sighting, error) {
	return c.RecordSighting(ctx, id, gln, result, "")
}

// RecordSighting records that the submitter's org inspected an item (or an
// unregistered ID) at a location (GLN) with a result (match, mismatch,
// suspect) and an optional note or evidence reference (at most
// domain.MaxNoteLen bytes). Any member may. (contract-api has no optional
// arguments: RecordInspection is the three-argument form.)
func (c *Contract) RecordSighting(ctx contractapi.TransactionContextInterface, id, gln, result, note string) (*domain.Sighting, error) {
	ident, err := parseID(id)
	if err != nil {
		return nil, err
	}
	out, err := c.recordSightings(ctx, []domain.ItemID{ident.ItemID}, gln, result, note)
	if err != nil {
		return nil, err
	}
	return &out[0], nil
}

// RecordSightings records one sighting per ID (1..domain.MaxBatch, a JSON
// array, no ID twice) at one location with one result and note, in one
// transaction: a customs officer's whole shipment, counterfeit serials
// included. Returns the sightings in input order.
func (c *Contract) RecordSightings(ctx contractapi.TransactionContextInterface, idsJSON, gln, result, note string) ([]domain.Sighting, error) {
	ids, err := parseIDList(idsJSON)
	if err != nil {
		return nil, err
	}
	return c.recordSightings(ctx, ids, gln, result, note)
}

// recordSightings validates everything before the first write: a refused
// batch writes nothing.
func (c *Contract) recordSightings(ctx contractapi.TransactionContextInterface, ids []domain.ItemID, gln, result, note string) ([]domain.Sighting, error) {
	s, err := identify(ctx)
	if err != nil {
		return nil, err
	}
	loc, err := domain.ParseGLN(gln)
	if err != nil {
		return nil, asIDError(err, "GLN %q", gln)
	}
	if err := domain.ValidateInspectionResult(result); err != nil {
		return nil, err
	}
	if err := checkText("note", note, false, domain.MaxNoteLen); err != nil {
		return nil, err
	}
	stub := ctx.GetStub()
	w, err := newTxWriter(c, stub, s)
	if err != nil {
		return nil, err
	}
	at, err := domain.ParseTimestamp(w.at)
	if err != nil {
		return nil, err
	}
	if err := c.checkPeer(s, domain.GovernancePolicy(s.roles)); err != nil {
		return nil, err
	}
	pol := domain.KeyPolicy{AllOf: []string{s.MSP}}
	out := make([]domain.Sighting, len(ids))
	writes := make([]domain.KeyWrite, len(ids))
	keys := make([]string, len(ids))
	for i, id := range ids {
		k, err := domain.SightingKey(id, at, w.txID)
		if err != nil {
			return nil, domain.Errorf(domain.CodeInvalidArgument, "sighting of %s: %v", id.Key(), err)
		}
		out[i] = domain.Sighting{Item: id.Key(), ReporterMSP: s.MSP, SubmitterID: s.ID, GLN: loc, Result: result,
			Note: note, TxID: w.txID, At: w.at}
		b, err := marshal(&out[i])
		if err != nil {
			return nil, err
		}
		writes[i] = domain.KeyWrite{Kind: domain.KeySighting, Key: k, Value: b, Policy: &pol, SetPolicy: true}
		keys[i] = id.Key()
	}
	stub.StartWriteBatch()
	for _, kw := range writes {
		if err := w.write(kw); err != nil {
			return nil, err
		}
	}
	if err := stub.FinishWriteBatch(); err != nil {
		return nil, fmt.Errorf("write batch: %w", err)
	}
	return out, w.emit(domain.ChaincodeEvent{Type: domain.EventInspected, Items: keys, TxID: w.txID})
}

// GetSightings pages through the sightings of an item or unregistered ID,
// oldest first.
func (c *Contract) GetSightings(ctx contractapi.TransactionContextInterface, id, pageSize, bookmark string) (*domain.SightingPage, error) {
	ident, err := parseID(id)
	if err != nil {
		return nil, err
	}
	obj, attrs := domain.SightingRange(ident.ItemID)
	return sightingPage(ctx.GetStub(), obj, attrs, pageSize, bookmark)
}

// ListSightings pages through every sighting of a GTIN (by serial, then
// time), registered serials or not: the brand owner's view of where its
// GTINs, and counterfeits of them, were seen.
func (c *Contract) ListSightings(ctx contractapi.TransactionContextInterface, gtin, pageSize, bookmark string) (*domain.SightingPage, error) {
	g, err := parseGTIN(gtin)
	if err != nil {
		return nil, err
	}
	obj, attrs := domain.SightingGTINRange(g)
	return sightingPage(ctx.GetStub(), obj, attrs, pageSize, bookmark)
}

func sightingPage(stub shim.ChaincodeStubInterface, obj string, attrs []string, pageSize, bookmark string) (*domain.SightingPage, error) {
	size, err := parsePageSize(pageSize)
	if err != nil {
		return nil, err
	}
	if err := checkBookmark(stub, obj, attrs, bookmark); err != nil {
		return nil, err
	}
	it, meta, err := stub.GetStateByPartialCompositeKeyWithPagination(obj, attrs, size, bookmark)
	if err != nil {
		return nil, fmt.Errorf("query sightings: %w", err)
	}
	defer it.Close()
	page := &domain.SightingPage{Sightings: []domain.Sighting{}}
	for it.HasNext() {
		kv, err := it.Next()
		if err != nil {
			return nil, fmt.Errorf("query sightings: %w", err)
		}
		var sg domain.Sighting
		if err := json.Unmarshal(kv.Value, &sg); err != nil {
			return nil, fmt.Errorf("decode sighting %q: %w", kv.Key, err)
		}
		page.Sightings = append(page.Sightings, sg)
	}
	if meta != nil {
		page.Bookmark = meta.Bookmark
	}
	return page, nil
}
