package contract

import (
	"encoding/json"
	"fmt"
	"sort"
	"strconv"

	"github.com/hyperledger/fabric-chaincode-go/v2/pkg/statebased"
	"github.com/hyperledger/fabric-chaincode-go/v2/shim"

	"github.com/provledger/provenance/chaincode/domain"
)

// view is an item as a transaction sees it: the item key plus its counter,
// hold and recall keys.
type view struct {
	id      domain.ItemID
	key     string       // the item's ledger key
	item    *domain.Item // nil when not registered
	seq     uint64       // last event sequence (counter key)
	hold    *domain.Hold
	holdKey string
	recall  *domain.Recall // broadest recall that applies (GTIN, lot, item)
	// item-scope recall key and whether it is present
	recallItemKey string
	itemRecalled  bool
}

// readViews reads items with two GetMultipleStates calls whatever the batch
// size: first the item and counter keys, then, for every registered item,
// its hold key and the three possible recall keys (GTIN, lot, item).
func readViews(stub shim.ChaincodeStubInterface, ids []domain.ItemID) ([]*view, error) {
	views := make([]*view, len(ids))
	keys := make([]string, 0, 2*len(ids))
	for i, id := range ids {
		k, err := itemKey(stub, id)
		if err != nil {
			return nil, err
		}
		ck, err := counterKey(stub, id)
		if err != nil {
			return nil, err
		}
		views[i] = &view{id: id, key: k}
		keys = append(keys, k, ck)
	}
	vals, err := getMultiple(stub, keys)
	if err != nil {
		return nil, err
	}
	for i, v := range views {
		if b := vals[2*i]; len(b) > 0 {
			v.item = &domain.Item{}
			if err := json.Unmarshal(b, v.item); err != nil {
				return nil, fmt.Errorf("decode item %s: %w", v.id.Key(), err)
			}
		}
		if b := vals[2*i+1]; len(b) > 0 {
			if v.seq, err = strconv.ParseUint(string(b), 10, 64); err != nil {
				return nil, fmt.Errorf("decode event counter of %s: %w", v.id.Key(), err)
			}
		}
	}
	return views, readOverlays(stub, views)
}

// recallKeys lists the recall keys of an item, broadest first; the first
// one present is the item's Recall on reads.
func recallKeys(stub shim.ChaincodeStubInterface, it *domain.Item, id domain.ItemID) ([]string, error) {
	g, err := recallGTINKey(stub, id.GTIN)
	if err != nil {
		return nil, err
	}
	keys := []string{g}
	if it.Lot != "" {
		l, err := recallLotKey(stub, id.GTIN, it.Lot)
		if err != nil {
			return nil, err
		}
		keys = append(keys, l)
	}
	s, err := recallItemKey(stub, id)
	if err != nil {
		return nil, err
	}
	return append(keys, s), nil
}

func readOverlays(stub shim.ChaincodeStubInterface, views []*view) error {
	var keys []string
	index := make(map[string]int) // key -> position in keys: GTIN recall keys repeat
	add := func(k string) {
		if _, ok := index[k]; !ok {
			index[k] = len(keys)
			keys = append(keys, k)
		}
	}
	perView := make([][]string, len(views))
	for i, v := range views {
		if v.item == nil {
			continue
		}
		hk, err := holdKey(stub, v.id)
		if err != nil {
			return err
		}
		v.holdKey = hk
		rks, err := recallKeys(stub, v.item, v.id)
		if err != nil {
			return err
		}
		perView[i] = rks
		add(hk)
		for _, k := range rks {
			add(k)
		}
	}
	if len(keys) == 0 {
		return nil
	}
	vals, err := getMultiple(stub, keys)
	if err != nil {
		return err
	}
	for i, v := range views {
		if v.item == nil {
			continue
		}
		if b := vals[index[v.holdKey]]; len(b) > 0 {
			v.hold = &domain.Hold{}
			if err := json.Unmarshal(b, v.hold); err != nil {
				return fmt.Errorf("decode hold of %s: %w", v.id.Key(), err)
			}
		}
		rks := perView[i]
		v.recallItemKey = rks[len(rks)-1]
		v.itemRecalled = len(vals[index[v.recallItemKey]]) > 0
		for _, k := range rks {
			if b := vals[index[k]]; len(b) > 0 {
				v.recall = &domain.Recall{}
				if err := json.Unmarshal(b, v.recall); err != nil {
					return fmt.Errorf("decode recall of %s: %w", v.id.Key(), err)
				}
				break
			}
		}
	}
	return nil
}

// getMultiple wraps GetMultipleStates and checks its answer's length.
func getMultiple(stub shim.ChaincodeStubInterface, keys []string) ([][]byte, error) {
	vals, err := stub.GetMultipleStates(keys...)
	if err != nil {
		return nil, fmt.Errorf("read %d keys: %w", len(keys), err)
	}
	if len(vals) != len(keys) {
		return nil, fmt.Errorf("read %d keys: got %d values", len(keys), len(vals))
	}
	return vals, nil
}

// readView is the output form of a view: the item with its overlays and the
// sequence of its last custody event.
func (v *view) output() *domain.Item {
	if v.item == nil {
		return nil
	}
	out := *v.item
	out.Seq = v.seq
	out.Hold = v.hold
	out.Recall = v.recall
	return &out
}

// mustExist refuses views of unregistered items.
func mustExist(views []*view) error {
	for _, v := range views {
		if v.item == nil {
			return domain.Errorf(domain.CodeNotFound, "item %s is not registered", v.id.Key())
		}
	}
	return nil
}

// change is one item's planned update within a transaction.
type change struct {
	v       *view
	newItem *domain.Item // written to the item key when non-nil
	sbe     []string     // the item key's new key-level policy (orgs' peers, all of)
	event   domain.CustodyEvent
	// hold key: put newHold (SBE holdBy) or delete it (delHold)
	newHold *domain.Hold
	delHold bool
	// recall key of item scope
	recallKey string
	newRecall *domain.Recall
	recallBy  string
}

// txWriter applies a transaction's planned changes once every one of them
// has been validated: it checks the endorsing peer against the policy the
// writes need, then writes inside a write batch and emits the one custody
// chaincode event.
type txWriter struct {
	c    *Contract
	stub shim.ChaincodeStubInterface
	s    *submitter
	txID string
	at   string
}

func newTxWriter(c *Contract, stub shim.ChaincodeStubInterface, s *submitter) (*txWriter, error) {
	txID, at, err := txInfo(stub)
	if err != nil {
		return nil, err
	}
	return &txWriter{c: c, stub: stub, s: s, txID: txID, at: at}, nil
}

// event fills the submitter and transaction fields of a custody event for v.
func (w *txWriter) event(v *view, typ domain.EventType, from, to, details string) domain.CustodyEvent {
	return domain.CustodyEvent{
		Item: v.id.Key(), Seq: v.seq + 1, Type: typ, From: from, To: to,
		SubmitterMSP: w.s.MSP, SubmitterID: w.s.ID, TxID: w.txID, Timestamp: w.at, Details: details,
	}
}

// stamp marks an item as changed by this transaction.
func (w *txWriter) stamp(it *domain.Item, seq uint64) {
	it.Seq = seq
	it.UpdatedTx = w.txID
	it.UpdatedAt = w.at
	it.Hold, it.Recall = nil, nil // overlays live on their own keys
}

// policy is what the planned changes need from the endorsers.
func (w *txWriter) policy(changes []change) domain.Policy {
	p := domain.GovernancePolicy(w.s.roles)
	for _, ch := range changes {
		p = p.Merge(domain.ExpectedEndorsers(ch.event, w.s.roles))
	}
	return p
}

// apply writes the changes and emits the custody chaincode event listing the
// touched items in input order.
func (w *txWriter) apply(typ domain.EventType, changes []change) error {
	if err := w.c.checkPeer(w.s, w.policy(changes)); err != nil {
		return err
	}
	w.stub.StartWriteBatch()
	items := make([]string, len(changes))
	for i := range changes {
		if err := w.write(&changes[i]); err != nil {
			return err
		}
		items[i] = changes[i].v.id.Key()
	}
	if err := w.stub.FinishWriteBatch(); err != nil {
		return fmt.Errorf("write batch: %w", err)
	}
	return w.emit(domain.ChaincodeEvent{Type: typ, Items: items, TxID: w.txID})
}

func (w *txWriter) emit(ev domain.ChaincodeEvent) error {
	b, err := marshal(ev)
	if err != nil {
		return err
	}
	if err := w.stub.SetEvent(domain.ChaincodeEventName, b); err != nil {
		return fmt.Errorf("set chaincode event: %w", err)
	}
	return nil
}

func (w *txWriter) write(ch *change) error {
	v := ch.v
	if ch.newItem != nil {
		if err := w.putItem(v, ch.newItem, ch.sbe); err != nil {
			return err
		}
	}
	if ch.newHold != nil {
		if err := w.putJSON(v.holdKey, ch.newHold); err != nil {
			return err
		}
		if err := w.setEP(v.holdKey, ch.newHold.By); err != nil {
			return err
		}
	}
	if ch.delHold {
		if err := w.stub.DelState(v.holdKey); err != nil {
			return fmt.Errorf("delete hold of %s: %w", v.id.Key(), err)
		}
	}
	if ch.newRecall != nil {
		if err := w.putJSON(ch.recallKey, ch.newRecall); err != nil {
			return err
		}
		if err := w.setEP(ch.recallKey, ch.recallBy); err != nil {
			return err
		}
	}
	return w.appendEvent(v, ch.event)
}

// putItem writes the item key, its key-level policy and, where owner or
// status changed, its index entries.
func (w *txWriter) putItem(v *view, it *domain.Item, sbe []string) error {
	if err := w.putJSON(v.key, it); err != nil {
		return err
	}
	// Write the key-level policy only when it changes: a value-only write
	// keeps the committed policy, and an unchanged policy written anyway
	// would make Fabric invalidate (ENDORSEMENT_POLICY_FAILURE) any later
	// transaction of the same block touching this item, where the read
	// conflict (MVCC_READ_CONFLICT) is the accurate verdict.
	if v.item == nil || !sameOrgs(itemSBE(v.item), sbe) {
		if err := w.setEP(v.key, sbe...); err != nil {
			return err
		}
	}
	no, ng, ns, err := indexKeys(w.stub, it)
	if err != nil {
		return err
	}
	var oldOwner, oldGTIN, oldStatus string
	if v.item != nil {
		if oldOwner, oldGTIN, oldStatus, err = indexKeys(w.stub, v.item); err != nil {
			return err
		}
	}
	for _, pair := range [][2]string{{oldOwner, no}, {oldGTIN, ng}, {oldStatus, ns}} {
		if pair[0] == pair[1] {
			continue
		}
		if pair[0] != "" {
			if err := w.stub.DelState(pair[0]); err != nil {
				return fmt.Errorf("delete index entry of %s: %w", v.id.Key(), err)
			}
		}
		if err := w.stub.PutState(pair[1], indexValue()); err != nil {
			return fmt.Errorf("write index entry of %s: %w", v.id.Key(), err)
		}
	}
	return nil
}

// appendEvent writes the event under its own key and advances the counter.
func (w *txWriter) appendEvent(v *view, ev domain.CustodyEvent) error {
	ek, err := eventKey(w.stub, v.id, ev.Seq)
	if err != nil {
		return err
	}
	if err := w.putJSON(ek, ev); err != nil {
		return err
	}
	ck, err := counterKey(w.stub, v.id)
	if err != nil {
		return err
	}
	if err := w.stub.PutState(ck, []byte(strconv.FormatUint(ev.Seq, 10))); err != nil {
		return fmt.Errorf("write event counter of %s: %w", v.id.Key(), err)
	}
	v.seq = ev.Seq
	return nil
}

func (w *txWriter) putJSON(key string, v any) error {
	b, err := marshal(v)
	if err != nil {
		return err
	}
	if err := w.stub.PutState(key, b); err != nil {
		return fmt.Errorf("write state: %w", err)
	}
	return nil
}

// setEP sets a key-level endorsement policy: every named org's peer.
func (w *txWriter) setEP(key string, orgs ...string) error {
	ep, err := statebased.NewStateEP(nil)
	if err != nil {
		return fmt.Errorf("state endorsement policy: %w", err)
	}
	if err := ep.AddOrgs(statebased.RoleTypePeer, orgs...); err != nil {
		return fmt.Errorf("state endorsement policy: %w", err)
	}
	b, err := ep.Policy()
	if err != nil {
		return fmt.Errorf("state endorsement policy: %w", err)
	}
	if err := w.stub.SetStateValidationParameter(key, b); err != nil {
		return fmt.Errorf("set key-level policy: %w", err)
	}
	return nil
}

// itemSBE is the key-level policy an item key carries in its status: the
// owner's peers, and the recipient's too while an offer is open.
func itemSBE(it *domain.Item) []string {
	if it.Status == domain.StatusInTransit && it.OfferedTo != "" {
		return []string{it.Owner, it.OfferedTo}
	}
	return []string{it.Owner}
}

func sameOrgs(a, b []string) bool {
	x, y := append([]string(nil), a...), append([]string(nil), b...)
	sort.Strings(x)
	sort.Strings(y)
	if len(x) != len(y) {
		return false
	}
	for i := range x {
		if x[i] != y[i] {
			return false
		}
	}
	return true
}
