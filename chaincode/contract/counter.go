package contract

import (
	"bytes"
	"encoding/json"
	"fmt"

	"github.com/hyperledger/fabric-contract-api-go/v2/contractapi"

	"github.com/provledger/provenance/chaincode/domain"
)

// RepairCounter sets an item's (or unit's) event counter to the last event
// key that exists, read from the sealed event keys themselves. The counter
// has no key-level policy, so a colluding majority can rewrite it: set
// back, every custody act on the item is refused (its event would land on a
// sealed key); set ahead, the next act lands behind a gap. Any member of an
// org with a role may ask for the repair: its result follows from keys no
// one can rewrite, and it needs the chaincode-level MAJORITY like any write
// of the counter, so the honest organizations can heal an item once they
// are the majority again (for instance after removing an infiltrated org).
// A counter that already names the last event is refused, nothing written.
// It writes no custody event: the history is unchanged.
func (c *Contract) RepairCounter(ctx contractapi.TransactionContextInterface, id string) (*domain.CounterRepair, error) {
	ident, err := parseCustodyID(id)
	if err != nil {
		return nil, err
	}
	s, err := identify(ctx)
	if err != nil {
		return nil, err
	}
	stub := ctx.GetStub()
	key := domain.CounterKey(ident.ItemID)
	cur, err := stub.GetState(key)
	if err != nil {
		return nil, fmt.Errorf("read event counter: %w", err)
	}
	if len(cur) == 0 {
		return nil, domain.Errorf(domain.CodeNotFound, "item %s is not registered", ident.Key())
	}
	last, err := lastEvent(ctx, ident.ItemID)
	if err != nil {
		return nil, err
	}
	if last == nil {
		return nil, domain.Errorf(domain.CodeNotFound, "item %s has no custody events", ident.Key())
	}
	want := domain.EncodeCounter(last.Seq, last.Timestamp)
	if bytes.Equal(cur, want) {
		return nil, domain.Errorf(domain.CodeInvalidArgument, "the event counter of %s already names its last event (seq %d at %s); nothing to repair",
			ident.Key(), last.Seq, last.Timestamp)
	}
	if err := c.checkPeer(s, domain.GovernancePolicy(s.roles)); err != nil {
		return nil, err
	}
	w, err := newTxWriter(c, stub, s)
	if err != nil {
		return nil, err
	}
	if err := w.write(domain.KeyWrite{Kind: domain.KeyCounter, Key: key, Value: want}); err != nil {
		return nil, err
	}
	return &domain.CounterRepair{Item: ident.Key(), Was: string(cur), Seq: last.Seq, At: last.Timestamp, TxID: w.txID, ByMSP: s.MSP}, nil
}

// lastEvent is the item's event with the highest sequence among the event
// keys that exist (nil when there is none): the keys sort by their
// zero-padded sequence.
func lastEvent(ctx contractapi.TransactionContextInterface, id domain.ItemID) (*domain.CustodyEvent, error) {
	it, err := ctx.GetStub().GetStateByPartialCompositeKey(domain.ObjEvent, []string{id.GTIN, id.Serial})
	if err != nil {
		return nil, fmt.Errorf("read events of %s: %w", id.Key(), err)
	}
	defer it.Close()
	var last []byte
	for it.HasNext() {
		kv, err := it.Next()
		if err != nil {
			return nil, fmt.Errorf("read events of %s: %w", id.Key(), err)
		}
		last = kv.GetValue()
	}
	if last == nil {
		return nil, nil
	}
	var ev domain.CustodyEvent
	if err := json.Unmarshal(last, &ev); err != nil {
		return nil, fmt.Errorf("decode last event of %s: %w", id.Key(), err)
	}
	return &ev, nil
}
