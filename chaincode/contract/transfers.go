package contract

import (
	"github.com/hyperledger/fabric-contract-api-go/v2/contractapi"

	"github.com/provledger/provenance/chaincode/domain"
)

// planFunc validates one item of a batch and returns its planned change.
type planFunc func(w *txWriter, v *view) (change, error)

// batch runs a custody transaction over 1..MaxBatch items: parse, read all
// items in two calls, validate and plan every one, then write them all. One
// refused item refuses the whole batch, naming it; nothing is written.
func (c *Contract) batch(ctx contractapi.TransactionContextInterface, s *submitter, ids []domain.ItemID,
	typ domain.EventType, plan planFunc) ([]string, error) {
	stub := ctx.GetStub()
	views, err := readViews(stub, ids)
	if err != nil {
		return nil, err
	}
	if err := mustExist(views); err != nil {
		return nil, err
	}
	w, err := newTxWriter(c, stub, s)
	if err != nil {
		return nil, err
	}
	changes := make([]change, len(views))
	keys := make([]string, len(views))
	for i, v := range views {
		if changes[i], err = plan(w, v); err != nil {
			return nil, err
		}
		keys[i] = v.id.Key()
	}
	if err := w.apply(typ, changes); err != nil {
		return nil, err
	}
	return keys, nil
}

// moved returns a copy of v's item in status next, stamped by w.
func moved(w *txWriter, v *view, ev domain.CustodyEvent, next domain.Status) *domain.Item {
	it := *v.item
	it.Status = next
	w.stamp(&it, ev.Seq)
	return &it
}

func notOwner(v *view) error {
	return domain.Errorf(domain.CodeNotOwner, "item %s is held by %s", v.id.Key(), v.item.Owner)
}

func recalled(v *view) error {
	return domain.Errorf(domain.CodeRecalled, "item %s is recalled (%s scope, by %s: %s)",
		v.id.Key(), v.recall.Scope, v.recall.By, v.recall.Reason)
}

func onHold(v *view) error {
	return domain.Errorf(domain.CodeOnHold, "item %s is on hold by %s: %s", v.id.Key(), v.hold.By, v.hold.Reason)
}

// OfferTransfer offers items the submitter owns to another organization with
// a role: they become IN_TRANSIT and their keys need both orgs' peers.
func (c *Contract) OfferTransfer(ctx contractapi.TransactionContextInterface, idsJSON, toMSP string) ([]string, error) {
	s, err := identify(ctx)
	if err != nil {
		return nil, err
	}
	ids, err := parseIDList(idsJSON)
	if err != nil {
		return nil, err
	}
	if toMSP == s.MSP {
		return nil, domain.Errorf(domain.CodeSelfTransfer, "%s cannot offer items to itself", s.MSP)
	}
	if !s.hasRole(toMSP) {
		return nil, domain.Errorf(domain.CodeUnknownOrg, "recipient %q has no role on the ledger", toMSP)
	}
	return c.batch(ctx, s, ids, domain.EventOffered, func(w *txWriter, v *view) (change, error) {
		if v.item.Owner != s.MSP {
			return change{}, notOwner(v)
		}
		next, err := domain.NextStatus(v.id.Key(), v.item.Status, domain.EventOffered)
		if err != nil {
			return change{}, err
		}
		if v.recall != nil {
			return change{}, recalled(v)
		}
		if v.hold != nil {
			return change{}, onHold(v)
		}
		ev := w.event(v, domain.EventOffered, s.MSP, toMSP, "")
		it := moved(w, v, ev, next)
		it.OfferedTo = toMSP
		return change{v: v, newItem: it, sbe: []string{s.MSP, toMSP}, event: ev}, nil
	})
}

// AcceptTransfer takes custody of items offered to the submitter's org.
func (c *Contract) AcceptTransfer(ctx contractapi.TransactionContextInterface, idsJSON string) ([]string, error) {
	s, ids, err := identifyWithIDs(ctx, idsJSON)
	if err != nil {
		return nil, err
	}
	return c.batch(ctx, s, ids, domain.EventAccepted, func(w *txWriter, v *view) (change, error) {
		next, err := checkRecipient(s, v, domain.EventAccepted)
		if err != nil {
			return change{}, err
		}
		if v.hold != nil {
			return change{}, onHold(v)
		}
		ev := w.event(v, domain.EventAccepted, v.item.Owner, s.MSP, "")
		it := moved(w, v, ev, next)
		it.Owner, it.OfferedTo = s.MSP, ""
		return change{v: v, newItem: it, sbe: []string{s.MSP}, event: ev}, nil
	})
}

// RejectTransfer refuses items offered to the submitter's org; they return
// to ACTIVE with their owner.
func (c *Contract) RejectTransfer(ctx contractapi.TransactionContextInterface, idsJSON string) ([]string, error) {
	s, ids, err := identifyWithIDs(ctx, idsJSON)
	if err != nil {
		return nil, err
	}
	return c.batch(ctx, s, ids, domain.EventRejected, func(w *txWriter, v *view) (change, error) {
		next, err := checkRecipient(s, v, domain.EventRejected)
		if err != nil {
			return change{}, err
		}
		ev := w.event(v, domain.EventRejected, v.item.Owner, s.MSP, "")
		it := moved(w, v, ev, next)
		it.OfferedTo = ""
		return change{v: v, newItem: it, sbe: []string{v.item.Owner}, event: ev}, nil
	})
}

// CancelTransfer withdraws the submitter's open offers.
func (c *Contract) CancelTransfer(ctx contractapi.TransactionContextInterface, idsJSON string) ([]string, error) {
	s, ids, err := identifyWithIDs(ctx, idsJSON)
	if err != nil {
		return nil, err
	}
	return c.batch(ctx, s, ids, domain.EventCancelled, func(w *txWriter, v *view) (change, error) {
		if v.item.Owner != s.MSP {
			return change{}, notOwner(v)
		}
		next, err := domain.NextStatus(v.id.Key(), v.item.Status, domain.EventCancelled)
		if err != nil {
			return change{}, err
		}
		ev := w.event(v, domain.EventCancelled, s.MSP, v.item.OfferedTo, "")
		it := moved(w, v, ev, next)
		it.OfferedTo = ""
		return change{v: v, newItem: it, sbe: []string{s.MSP}, event: ev}, nil
	})
}

func identifyWithIDs(ctx contractapi.TransactionContextInterface, idsJSON string) (*submitter, []domain.ItemID, error) {
	s, err := identify(ctx)
	if err != nil {
		return nil, nil, err
	}
	ids, err := parseIDList(idsJSON)
	if err != nil {
		return nil, nil, err
	}
	return s, ids, nil
}

// checkRecipient: the item must be in transit to the submitter's org.
func checkRecipient(s *submitter, v *view, ev domain.EventType) (domain.Status, error) {
	next, err := domain.NextStatus(v.id.Key(), v.item.Status, ev)
	if err != nil {
		return "", err
	}
	if v.item.OfferedTo != s.MSP {
		return "", domain.Errorf(domain.CodeNotRecipient, "item %s is offered to %s, not %s", v.id.Key(), v.item.OfferedTo, s.MSP)
	}
	return next, nil
}
