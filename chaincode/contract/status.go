package contract

import (
	"fmt"

	"github.com/hyperledger/fabric-contract-api-go/v2/contractapi"

	"github.com/provledger/provenance/chaincode/domain"
)

// single runs a one-item custody transaction and returns the item as it is
// after the change.
func (c *Contract) single(ctx contractapi.TransactionContextInterface, s *submitter, id string,
	typ domain.EventType, plan planFunc) (*domain.Item, *change, error) {
	ident, err := parseID(id)
	if err != nil {
		return nil, nil, err
	}
	var planned change
	if _, err := c.batch(ctx, s, []domain.ItemID{ident.ItemID}, typ, func(w *txWriter, v *view) (change, error) {
		ch, err := plan(w, v)
		planned = ch
		return ch, err
	}); err != nil {
		return nil, nil, err
	}
	out := planned.v.output()
	if planned.newItem != nil {
		n := *planned.newItem
		n.Seq, n.Hold, n.Recall = planned.v.seq, planned.v.hold, planned.v.recall
		out = &n
	}
	return out, &planned, nil
}

// ReportStolen marks an item the submitter owns as STOLEN (also while in
// transit: the open offer ends).
func (c *Contract) ReportStolen(ctx contractapi.TransactionContextInterface, id string) (*domain.Item, error) {
	s, err := identify(ctx)
	if err != nil {
		return nil, err
	}
	it, _, err := c.single(ctx, s, id, domain.EventStolen, func(w *txWriter, v *view) (change, error) {
		if v.item.Owner != s.MSP {
			return change{}, notOwner(v)
		}
		next, err := domain.NextStatus(v.id.Key(), v.item.Status, domain.EventStolen)
		if err != nil {
			return change{}, err
		}
		ev := w.event(v, domain.EventStolen, s.MSP, v.item.OfferedTo, "")
		it := moved(w, v, ev, next)
		it.OfferedTo = ""
		return change{v: v, newItem: it, sbe: []string{s.MSP}, event: ev}, nil
	})
	return it, err
}

// Decommission ends an item's life with a reason (dispensed, destroyed,
// exported, retail_sold); DECOMMISSIONED is terminal.
func (c *Contract) Decommission(ctx contractapi.TransactionContextInterface, id, reason string) (*domain.Item, error) {
	s, err := identify(ctx)
	if err != nil {
		return nil, err
	}
	if err := domain.ValidateDecommissionReason(reason); err != nil {
		return nil, err
	}
	it, _, err := c.single(ctx, s, id, domain.EventDecommissioned, func(w *txWriter, v *view) (change, error) {
		if v.item.Owner != s.MSP {
			return change{}, notOwner(v)
		}
		next, err := domain.NextStatus(v.id.Key(), v.item.Status, domain.EventDecommissioned)
		if err != nil {
			return change{}, err
		}
		if v.hold != nil {
			return change{}, onHold(v)
		}
		ev := w.event(v, domain.EventDecommissioned, s.MSP, "", reason)
		it := moved(w, v, ev, next)
		it.Reason = reason
		return change{v: v, newItem: it, sbe: []string{s.MSP}, event: ev}, nil
	})
	return it, err
}

// HoldItems puts a customs hold on items: held items cannot be offered,
// accepted or decommissioned. The hold lives on its own key; the item key is
// not written, so the owner's endorsement is not needed.
func (c *Contract) HoldItems(ctx contractapi.TransactionContextInterface, idsJSON, reason string) ([]string, error) {
	s, ids, err := identifyWithIDs(ctx, idsJSON)
	if err != nil {
		return nil, err
	}
	if err := s.requireRole("HoldItems", domain.RoleCustoms); err != nil {
		return nil, err
	}
	if err := checkText("reason", reason, true, domain.MaxReasonLen); err != nil {
		return nil, err
	}
	return c.batch(ctx, s, ids, domain.EventHeld, func(w *txWriter, v *view) (change, error) {
		if v.hold != nil {
			return change{}, domain.Errorf(domain.CodeOnHold, "item %s is already on hold by %s", v.id.Key(), v.hold.By)
		}
		ev := w.event(v, domain.EventHeld, "", s.MSP, reason)
		h := &domain.Hold{By: s.MSP, Reason: reason, TxID: w.txID, At: w.at}
		return change{v: v, newHold: h, event: ev}, nil
	})
}

// ReleaseItems lifts the submitting customs org's holds.
func (c *Contract) ReleaseItems(ctx contractapi.TransactionContextInterface, idsJSON string) ([]string, error) {
	s, ids, err := identifyWithIDs(ctx, idsJSON)
	if err != nil {
		return nil, err
	}
	if err := s.requireRole("ReleaseItems", domain.RoleCustoms); err != nil {
		return nil, err
	}
	return c.batch(ctx, s, ids, domain.EventReleased, func(w *txWriter, v *view) (change, error) {
		if v.hold == nil {
			return change{}, domain.Errorf(domain.CodeInvalidTransition, "item %s is not on hold", v.id.Key())
		}
		if v.hold.By != s.MSP {
			return change{}, domain.Errorf(domain.CodeNotOwner, "the hold on item %s was placed by %s", v.id.Key(), v.hold.By)
		}
		ev := w.event(v, domain.EventReleased, v.hold.By, "", "")
		return change{v: v, delHold: true, event: ev}, nil
	})
}

// RecallItem recalls one item; only the owner of the GTIN's active company
// prefix may, whoever holds the item.
func (c *Contract) RecallItem(ctx contractapi.TransactionContextInterface, id, reason string) (*domain.Recall, error) {
	s, err := identify(ctx)
	if err != nil {
		return nil, err
	}
	if err := checkText("reason", reason, true, domain.MaxReasonLen); err != nil {
		return nil, err
	}
	ident, err := parseID(id)
	if err != nil {
		return nil, err
	}
	res, err := resolvePrefixes(ctx.GetStub(), []string{ident.GTIN})
	if err != nil {
		return nil, err
	}
	if err := res[0].mustBeRecallableBy(s.MSP); err != nil {
		return nil, err
	}
	_, ch, err := c.single(ctx, s, id, domain.EventRecalled, func(w *txWriter, v *view) (change, error) {
		if v.itemRecalled {
			return change{}, domain.Errorf(domain.CodeAlreadyExists, "item %s is already recalled", v.id.Key())
		}
		ev := w.event(v, domain.EventRecalled, s.MSP, "", reason)
		r := &domain.Recall{Scope: "item", By: s.MSP, Reason: reason, TxID: w.txID, At: w.at}
		return change{v: v, recallKey: v.recallItemKey, newRecall: r, recallBy: s.MSP, event: ev}, nil
	})
	if err != nil {
		return nil, err
	}
	return ch.newRecall, nil
}

// RecallLot recalls a lot of a GTIN, or the whole GTIN when lot is empty,
// on one key that every read of the GTIN's items consults. Only the owner of
// the GTIN's active company prefix may.
func (c *Contract) RecallLot(ctx contractapi.TransactionContextInterface, gtin, lot, reason string) (*domain.Recall, error) {
	s, err := identify(ctx)
	if err != nil {
		return nil, err
	}
	g, err := parseGTIN(gtin)
	if err != nil {
		return nil, err
	}
	scope, scopeID := "gtin", "01/"+g
	if lot != "" {
		if err := domain.ValidateLot(lot); err != nil {
			return nil, asIDError(err, "lot %q", lot)
		}
		scope, scopeID = "lot", "01/"+g+"/10/"+lot
	}
	if err := checkText("reason", reason, true, domain.MaxReasonLen); err != nil {
		return nil, err
	}
	stub := ctx.GetStub()
	res, err := resolvePrefixes(stub, []string{g})
	if err != nil {
		return nil, err
	}
	if err := res[0].mustBeRecallableBy(s.MSP); err != nil {
		return nil, err
	}
	k, err := recallGTINKey(stub, g)
	if lot != "" {
		k, err = recallLotKey(stub, g, lot)
	}
	if err != nil {
		return nil, err
	}
	b, err := stub.GetState(k)
	if err != nil {
		return nil, fmt.Errorf("read recall %s: %w", scopeID, err)
	}
	if len(b) > 0 {
		return nil, domain.Errorf(domain.CodeAlreadyExists, "%s is already recalled", scopeID)
	}
	w, err := newTxWriter(c, stub, s)
	if err != nil {
		return nil, err
	}
	if err := c.checkPeer(s, domain.GovernancePolicy(s.roles)); err != nil {
		return nil, err
	}
	r := &domain.Recall{Scope: scope, By: s.MSP, Reason: reason, TxID: w.txID, At: w.at}
	if err := w.putJSON(k, r); err != nil {
		return nil, err
	}
	if err := w.setEP(k, s.MSP); err != nil {
		return nil, err
	}
	return r, w.emit(domain.ChaincodeEvent{Type: domain.EventRecalled, Items: []string{}, TxID: w.txID, Scope: scopeID})
}

// RecordInspection records that the submitter's org checked an item at a
// location (GLN) with a result. It writes only the item's event and counter
// keys, never the item key: the owner's endorsement is not needed, so an
// owner cannot suppress a mismatch sighting.
func (c *Contract) RecordInspection(ctx contractapi.TransactionContextInterface, id, gln, result string) (*domain.CustodyEvent, error) {
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
	_, ch, err := c.single(ctx, s, id, domain.EventInspected, func(w *txWriter, v *view) (change, error) {
		ev := w.event(v, domain.EventInspected, "", "", "gln="+loc+" result="+result)
		return change{v: v, event: ev}, nil
	})
	if err != nil {
		return nil, err
	}
	return &ch.event, nil
}
