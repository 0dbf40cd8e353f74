package contract

import (
	"encoding/json"
	"fmt"

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
	s, err := identify(ctx)
	if err != nil {
		return nil, err
	}
	ident, err := parseID(id)
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
	k, err := domain.SightingKey(ident.ItemID, at, w.txID)
	if err != nil {
		return nil, domain.Errorf(domain.CodeInvalidArgument, "sighting of %s: %v", ident.Key(), err)
	}
	sg := &domain.Sighting{Item: ident.Key(), ReporterMSP: s.MSP, SubmitterID: s.ID, GLN: loc, Result: result,
		Note: note, TxID: w.txID, At: w.at}
	if err := c.checkPeer(s, domain.GovernancePolicy(s.roles)); err != nil {
		return nil, err
	}
	pol := domain.KeyPolicy{AllOf: []string{s.MSP}}
	b, err := marshal(sg)
	if err != nil {
		return nil, err
	}
	if err := w.write(domain.KeyWrite{Kind: domain.KeySighting, Key: k, Value: b, Policy: &pol, SetPolicy: true}); err != nil {
		return nil, err
	}
	return sg, w.emit(domain.ChaincodeEvent{Type: domain.EventInspected, Items: []string{ident.Key()}, TxID: w.txID})
}

// GetSightings pages through the sightings of an item or unregistered ID,
// oldest first.
func (c *Contract) GetSightings(ctx contractapi.TransactionContextInterface, id, pageSize, bookmark string) (*domain.SightingPage, error) {
	ident, err := parseID(id)
	if err != nil {
		return nil, err
	}
	size, err := parsePageSize(pageSize)
	if err != nil {
		return nil, err
	}
	obj, attrs := domain.SightingRange(ident.ItemID)
	stub := ctx.GetStub()
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
