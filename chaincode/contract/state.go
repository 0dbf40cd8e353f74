package contract

import (
	"encoding/json"
	"fmt"

	"github.com/hyperledger/fabric-chaincode-go/v2/pkg/statebased"
	"github.com/hyperledger/fabric-chaincode-go/v2/shim"
	"github.com/hyperledger/fabric-protos-go-apiv2/common"
	"github.com/hyperledger/fabric-protos-go-apiv2/msp"
	"google.golang.org/protobuf/proto"

	"github.com/provledger/provenance/chaincode/domain"
)

// view is an item as a transaction sees it: domain.CustodyState read from
// the item key, its counter, hold, recall and open-offer keys and its last
// event key.
type view struct {
	st domain.CustodyState
}

func (v *view) key() string { return v.st.ID.Key() }

// readViews reads items: readState without the org roles, reading the
// overlay keys eagerly (see readState).
func readViews(stub shim.ChaincodeStubInterface, ids []domain.ItemID) ([]*view, error) {
	_, views, err := readState(stub, ids, false, true)
	return views, err
}

// readState reads items, and the org roles when withRoles, in as few
// GetMultipleStates calls as it can: a custody act on one item is one read
// and one write batch, like the reference transfer. The first call reads
// the roles and, per item, its item and counter keys and, when eager, every
// overlay key its ID names (hold, packing, GTIN recall, item recall); a
// second call, only when needed, reads what the item record names: the lot
// recall, the open offer's key, and the last event's key when the counter
// predates its time field (domain.ParseCounter). Without eager (registration,
// where the items do not exist yet) the overlays are all read in the second
// call, for registered items only.
func readState(stub shim.ChaincodeStubInterface, ids []domain.ItemID, withRoles, eager bool) ([]domain.OrgRole, []*view, error) {
	var keys []string
	index := make(map[string]int) // key -> position in keys: GTIN recall keys repeat
	add := func(k string) {
		if _, ok := index[k]; !ok {
			index[k] = len(keys)
			keys = append(keys, k)
		}
	}
	if withRoles {
		add(rolesKey)
	}
	views := make([]*view, len(ids))
	for i, id := range ids {
		views[i] = &view{st: domain.CustodyState{ID: id}}
		add(domain.ItemKey(id))
		add(domain.CounterKey(id))
		if eager {
			add(domain.HoldKey(id))
			add(domain.PackedKey(id))
			if !id.IsUnit() { // a unit's recall keys come from its lots
				add(domain.RecallGTINKey(id.GTIN))
				add(domain.RecallItemKey(id))
			}
		}
	}
	vals, err := getMultiple(stub, keys)
	if err != nil {
		return nil, nil, err
	}
	got := make(map[string][]byte, len(keys))
	for i, k := range keys {
		got[k] = vals[i]
	}
	var roles []domain.OrgRole
	if withRoles {
		if roles, err = decodeRoles(got[rolesKey]); err != nil {
			return nil, nil, err
		}
	}
	for _, v := range views {
		if b := got[domain.ItemKey(v.st.ID)]; len(b) > 0 {
			v.st.Item = &domain.Item{}
			if err := json.Unmarshal(b, v.st.Item); err != nil {
				return nil, nil, fmt.Errorf("decode item %s: %w", v.key(), err)
			}
		}
		if b := got[domain.CounterKey(v.st.ID)]; len(b) > 0 {
			if v.st.Seq, v.st.LastEventAt, err = domain.ParseCounter(b); err != nil {
				return nil, nil, fmt.Errorf("decode event counter of %s: %w", v.key(), err)
			}
		}
	}
	return roles, views, readOverlays(stub, views, got)
}

// recallKeys lists the recall keys of an item, broadest first.
func recallKeys(it *domain.Item, id domain.ItemID) []string {
	if id.IsUnit() { // the recalls of the lots it contains, broadest first
		var gtin, lot []string
		for _, l := range it.Lots {
			ks := domain.LotScopes(l)
			for i, k := range ks {
				if i == 0 && (len(gtin) == 0 || gtin[len(gtin)-1] != k) {
					gtin = append(gtin, k)
				} else if i == 1 {
					lot = append(lot, k)
				}
			}
		}
		return append(gtin, lot...)
	}
	keys := []string{domain.RecallGTINKey(id.GTIN)}
	if it.Lot != "" {
		keys = append(keys, domain.RecallLotKey(id.GTIN, it.Lot))
	}
	return append(keys, domain.RecallItemKey(id))
}

// readOverlays fills the registered items' overlays from got (the keys
// already read) and reads the keys got lacks in one GetMultipleStates.
func readOverlays(stub shim.ChaincodeStubInterface, views []*view, got map[string][]byte) error {
	var keys []string
	need := func(k string) {
		if _, ok := got[k]; !ok {
			got[k] = nil // asked once even when it repeats
			keys = append(keys, k)
		}
	}
	for _, v := range views {
		if v.st.Item == nil {
			continue
		}
		need(domain.HoldKey(v.st.ID))
		need(domain.PackedKey(v.st.ID))
		for _, k := range recallKeys(v.st.Item, v.st.ID) {
			need(k)
		}
		if v.st.Item.OfferSeq > 0 {
			need(domain.OfferKey(v.st.ID, v.st.Item.OfferSeq))
		}
		if v.st.Seq > 0 && v.st.LastEventAt == "" {
			need(domain.EventKey(v.st.ID, v.st.Seq))
		}
	}
	if len(keys) > 0 {
		vals, err := getMultiple(stub, keys)
		if err != nil {
			return err
		}
		for i, k := range keys {
			got[k] = vals[i]
		}
	}
	for _, v := range views {
		if v.st.Item == nil {
			continue
		}
		if b := got[domain.HoldKey(v.st.ID)]; len(b) > 0 {
			v.st.Hold = &domain.Hold{}
			if err := json.Unmarshal(b, v.st.Hold); err != nil {
				return fmt.Errorf("decode hold of %s: %w", v.key(), err)
			}
		}
		if b := got[domain.PackedKey(v.st.ID)]; len(b) > 0 {
			v.st.Packed = &domain.Packing{}
			if err := json.Unmarshal(b, v.st.Packed); err != nil {
				return fmt.Errorf("decode packing of %s: %w", v.key(), err)
			}
		}
		for _, k := range recallKeys(v.st.Item, v.st.ID) {
			if b := got[k]; len(b) > 0 {
				var r domain.Recall
				if err := json.Unmarshal(b, &r); err != nil {
					return fmt.Errorf("decode recall of %s: %w", v.key(), err)
				}
				v.st.Recalls = append(v.st.Recalls, r)
			}
		}
		if v.st.Item.OfferSeq > 0 {
			if b := got[domain.OfferKey(v.st.ID, v.st.Item.OfferSeq)]; len(b) > 0 {
				v.st.Offer = &domain.Offer{}
				if err := json.Unmarshal(b, v.st.Offer); err != nil {
					return fmt.Errorf("decode offer of %s: %w", v.key(), err)
				}
			}
		}
		if v.st.Seq > 0 && v.st.LastEventAt == "" {
			if b := got[domain.EventKey(v.st.ID, v.st.Seq)]; len(b) > 0 {
				var ev domain.CustodyEvent
				if err := json.Unmarshal(b, &ev); err != nil {
					return fmt.Errorf("decode event %d of %s: %w", v.st.Seq, v.key(), err)
				}
				v.st.LastEventAt = ev.Timestamp
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

// output is the read form of a state: the item with its overlays (hold,
// broadest recall, open offer) and the sequence of its last custody event.
func output(st domain.CustodyState) *domain.Item {
	if st.Item == nil {
		return nil
	}
	out := *st.Item
	out.Seq, out.LastEventAt = st.Seq, st.LastEventAt
	out.Hold = st.Hold
	out.Recall, out.Offer = nil, nil
	if len(st.Recalls) > 0 {
		r := st.Recalls[0]
		out.Recall = &r
	}
	if st.Offer != nil && st.Offer.Outcome == "" && st.Item.Status == domain.StatusInTransit {
		o := *st.Offer
		out.Offer = &o
	}
	return &out
}

func (v *view) output() *domain.Item { return output(v.st) }

// mustExist refuses views of unregistered items.
func mustExist(views []*view) error {
	for _, v := range views {
		if v.st.Item == nil {
			return domain.Errorf(domain.CodeNotFound, "item %s is not registered", v.key())
		}
	}
	return nil
}

// txWriter writes a transaction's decisions once every one of them has been
// made: it checks the endorsing peer against the policy the writes need,
// then writes inside a write batch and emits the one custody chaincode
// event.
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

// request is a domain request of this transaction's submitter.
func (w *txWriter) request(act domain.Act) domain.Request {
	return domain.Request{Act: act, Actor: w.s.actor(), Roles: w.s.roles, TxID: w.txID, Now: w.at}
}

// apply writes the decisions and emits the custody chaincode event listing
// the touched items in input order.
func (w *txWriter) apply(decisions []*domain.Decision) error {
	return w.applyAs(decisions, decisions[0].Event.Type)
}

// applyAs is apply with the chaincode event's type given; an ID decided
// twice in a row (a unit created and filled) is listed once.
func (w *txWriter) applyAs(decisions []*domain.Decision, typ domain.EventType) error {
	p := domain.GovernancePolicy(w.s.roles)
	for _, d := range decisions {
		p = p.Merge(d.Endorsement)
	}
	if err := w.c.checkPeer(w.s, p); err != nil {
		return err
	}
	w.stub.StartWriteBatch()
	items := make([]string, 0, len(decisions))
	for _, d := range decisions {
		for _, kw := range d.Writes {
			if err := w.write(kw); err != nil {
				return fmt.Errorf("item %s: %w", d.Event.Item, err)
			}
		}
		if n := len(items); n == 0 || items[n-1] != d.Event.Item {
			items = append(items, d.Event.Item)
		}
	}
	if err := w.stub.FinishWriteBatch(); err != nil {
		return fmt.Errorf("write batch: %w", err)
	}
	return w.emit(domain.ChaincodeEvent{Type: typ, Items: items, TxID: w.txID})
}

// write applies one key write of a decision.
func (w *txWriter) write(kw domain.KeyWrite) error {
	if kw.Key == "" {
		return fmt.Errorf("%s key cannot be built", kw.Kind)
	}
	if kw.Delete {
		if err := w.stub.DelState(kw.Key); err != nil {
			return fmt.Errorf("delete %s key: %w", kw.Kind, err)
		}
		return nil
	}
	if err := w.stub.PutState(kw.Key, kw.Value); err != nil {
		return fmt.Errorf("write %s key: %w", kw.Kind, err)
	}
	if kw.SetPolicy && kw.Policy != nil {
		b, err := policyBytes(*kw.Policy)
		if err != nil {
			return err
		}
		if err := w.stub.SetStateValidationParameter(kw.Key, b); err != nil {
			return fmt.Errorf("set key-level policy of %s key: %w", kw.Kind, err)
		}
	}
	return nil
}

func (w *txWriter) emit(ev domain.ChaincodeEvent) error {
	ev.Timestamp, ev.SubmitterMSP = w.at, w.s.MSP
	b, err := marshal(ev)
	if err != nil {
		return err
	}
	if err := w.stub.SetEvent(domain.ChaincodeEventName, b); err != nil {
		return fmt.Errorf("set chaincode event: %w", err)
	}
	return nil
}

// policyBytes encodes a key-level policy as Fabric's validation parameter: a
// SignaturePolicyEnvelope over peer-role principals. AllOf alone is the
// shim's statebased encoding (every named org's peer); with a majority it is
// OutOf(1, AND(AllOf peers), OutOf(Threshold, Orgs' peers)) (alternative) or
// OutOf(2, ...) (AndMajority), which statebased (AND only) cannot express.
// A sealed policy is OutOf(1) of no rule.
func policyBytes(p domain.KeyPolicy) ([]byte, error) {
	p = p.Encoded()
	if p.Sealed {
		// OutOf(1) of no rule: no set of signatures satisfies it.
		env := &common.SignaturePolicyEnvelope{Version: 0,
			Rule: &common.SignaturePolicy{Type: &common.SignaturePolicy_NOutOf_{NOutOf: &common.SignaturePolicy_NOutOf{N: 1}}}}
		b, err := proto.MarshalOptions{Deterministic: true}.Marshal(env)
		if err != nil {
			return nil, fmt.Errorf("state endorsement policy: %w", err)
		}
		return b, nil
	}
	if len(p.Orgs) == 0 {
		ep, err := statebased.NewStateEP(nil)
		if err != nil {
			return nil, fmt.Errorf("state endorsement policy: %w", err)
		}
		if err := ep.AddOrgs(statebased.RoleTypePeer, p.AllOf...); err != nil {
			return nil, fmt.Errorf("state endorsement policy: %w", err)
		}
		b, err := ep.Policy()
		if err != nil {
			return nil, fmt.Errorf("state endorsement policy: %w", err)
		}
		return b, nil
	}
	var ids []*msp.MSPPrincipal
	index := map[string]int32{}
	principal := func(org string) (int32, error) {
		if i, ok := index[org]; ok {
			return i, nil
		}
		b, err := proto.Marshal(&msp.MSPRole{Role: msp.MSPRole_PEER, MspIdentifier: org})
		if err != nil {
			return 0, fmt.Errorf("state endorsement policy: %w", err)
		}
		index[org] = int32(len(ids))
		ids = append(ids, &msp.MSPPrincipal{PrincipalClassification: msp.MSPPrincipal_ROLE, Principal: b})
		return index[org], nil
	}
	outOf := func(n int, orgs []string) (*common.SignaturePolicy, error) {
		rules := make([]*common.SignaturePolicy, len(orgs))
		for i, o := range orgs {
			idx, err := principal(o)
			if err != nil {
				return nil, err
			}
			rules[i] = &common.SignaturePolicy{Type: &common.SignaturePolicy_SignedBy{SignedBy: idx}}
		}
		return &common.SignaturePolicy{Type: &common.SignaturePolicy_NOutOf_{NOutOf: &common.SignaturePolicy_NOutOf{N: int32(n), Rules: rules}}}, nil
	}
	all, err := outOf(len(p.AllOf), p.AllOf)
	if err != nil {
		return nil, err
	}
	maj, err := outOf(p.Threshold, p.Orgs)
	if err != nil {
		return nil, err
	}
	n := int32(1) // AllOf OR the majority
	if p.AndMajority {
		n = 2 // AllOf AND the majority
	}
	env := &common.SignaturePolicyEnvelope{Version: 0, Identities: ids,
		Rule: &common.SignaturePolicy{Type: &common.SignaturePolicy_NOutOf_{NOutOf: &common.SignaturePolicy_NOutOf{
			N: n, Rules: []*common.SignaturePolicy{all, maj}}}}}
	b, err := proto.MarshalOptions{Deterministic: true}.Marshal(env)
	if err != nil {
		return nil, fmt.Errorf("state endorsement policy: %w", err)
	}
	return b, nil
}
