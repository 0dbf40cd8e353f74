package verify

import (
	"bytes"
	"encoding/json"
	"fmt"
	"sort"
	"strings"

	"github.com/hyperledger/fabric-protos-go-apiv2/common"
	"github.com/hyperledger/fabric-protos-go-apiv2/ledger/rwset/kvrwset"
	mspproto "github.com/hyperledger/fabric-protos-go-apiv2/msp"
	"google.golang.org/protobuf/proto"

	"github.com/provledger/provenance/chaincode/domain"
)

// The replay: verify runs the chaincode's own custody decision
// (domain.Decide) over the item's history from its registration, with the
// state derived from EARLIER events only, the actor from the signed creator
// certificate and the act's parameters from the event. Each committed event
// must be exactly the event the decision makes, its transaction must write
// the keys the decision writes (values and key-level policies), and its
// endorsers must satisfy the endorsement the decision needs.

// expectation is the replay's verdict on one event.
type expectation struct {
	decision *domain.Decision // nil when refused, unparsed or legacy
	err      error            // why the transition is refused
	detail   string
	legacy   bool // an INSPECTED event of the old layout: writes only its event and counter
}

// acts maps an event type to the custody act that makes it.
func actOf(t domain.EventType) (domain.Act, bool) {
	switch t {
	case domain.EventRegistered:
		return domain.ActRegister, true
	case domain.EventOffered:
		return domain.ActOffer, true
	case domain.EventAccepted:
		return domain.ActAccept, true
	case domain.EventRejected:
		return domain.ActReject, true
	case domain.EventCancelled:
		return domain.ActCancel, true
	case domain.EventStolen:
		return domain.ActReportStolen, true
	case domain.EventDecommissioned:
		return domain.ActDecommission, true
	case domain.EventHeld:
		return domain.ActHold, true
	case domain.EventReleased:
		return domain.ActRelease, true
	case domain.EventRecalled:
		return domain.ActRecallItem, true
	case domain.EventRecallWithdrawn:
		return domain.ActWithdrawRecall, true
	case domain.EventHandedOver:
		return domain.ActHandOver, true
	case domain.EventPacked:
		return domain.ActPack, true
	case domain.EventUnpacked:
		return domain.ActUnpack, true
	}
	return "", false
}

const majorityPrefix = "majority vote "

// actor is the verified submitter as the chaincode sees it.
func actorOf(t *endorserTx) domain.Actor {
	a := domain.Actor{MSP: t.creator.mspID, ID: clientID(t.creator.cert), Name: t.creator.cert.Subject.CommonName}
	if v, ok, err := certAttribute(t.creator.cert, domain.RoleAttribute); err == nil && ok {
		a.Role = domain.Role(v)
	}
	for _, ou := range t.creator.cert.Subject.OrganizationalUnit {
		if ou == roleAdmin {
			a.Admin = true
		}
	}
	return a
}

// request rebuilds the act's request from the event and its signed
// transaction: parameters the submitter chose (recipient, reason, expiry,
// the registered record, a majority vote's reference) come from the event
// or the write set; everything else from the state and the transaction.
func (r *run) request(ev domain.CustodyEvent, t *endorserTx, id domain.ItemID) (domain.Request, error) {
	act, ok := actOf(ev.Type)
	if !ok {
		return domain.Request{}, fmt.Errorf("unknown custody event type %q", ev.Type)
	}
	if id.IsUnit() {
		act = unitAct(act, ev)
	}
	// The act's parameters come from the event as the transaction wrote it
	// (endorsed and signed), not from the history the peer answered.
	if w := t.write(r.l.ChaincodeName(), domain.EventKey(id, ev.Seq)); w != nil {
		var written domain.CustodyEvent
		if strictJSON(w.GetValue(), &written) == nil && written.Type == ev.Type {
			ev = written
		}
	}
	// Now is the signed transaction's time, spelled as the chaincode does.
	req := domain.Request{Act: act, Actor: actorOf(t), Roles: r.rolesFor(t.chdr.GetTxId()), TxID: t.chdr.GetTxId(),
		Now: domain.FormatTimestamp(t.timestamp.UnixNano()), Brand: r.brand, Note: ev.Note}
	switch act {
	case domain.ActOffer:
		req.To = ev.To
		if exp, ok := strings.CutPrefix(ev.Details, "expires="); ok {
			now, err1 := domain.ParseTimestamp(req.Now)
			end, err2 := domain.ParseTimestamp(exp)
			if err1 == nil && err2 == nil {
				req.OfferTTL = (end - now) / 1_000_000_000
			}
		}
	case domain.ActDecommission, domain.ActHold, domain.ActRecallItem:
		req.Reason = ev.Details
	case domain.ActCancel, domain.ActRelease, domain.ActWithdrawRecall:
		if v, ok := strings.CutPrefix(ev.Details, majorityPrefix); ok {
			req.Authority, req.Vote = domain.ByMajority, v
		}
	case domain.ActHandOver:
		// the majority's removal of the owner: the proposal is named, not
		// checked (a limit: verify does not read proposals)
		req.From, req.Authority = ev.From, domain.ByMajority
		req.Vote = ev.Details[strings.LastIndex(ev.Details, " by proposal ")+len(" by proposal "):]
	case domain.ActPack, domain.ActUnpack:
		// The container as the same signed transaction wrote it: a pack or
		// unpack that does not write its unit's record (the unit owner's
		// key) has no owner here, and the decision refuses it.
		req.Unit = &domain.UnitRef{Seq: ev.UnitSeq}
		if sscc, err := domain.ParseSSCC(ev.Unit); err == nil {
			req.Unit.ID = domain.UnitID(sscc)
			if w := t.write(r.l.ChaincodeName(), domain.ItemKey(req.Unit.ID)); w != nil && !w.GetIsDelete() {
				var u domain.Item
				if strictJSON(w.GetValue(), &u) == nil && u.Seq == ev.UnitSeq {
					req.Unit.Owner = u.Owner
				}
			}
		}
	case domain.ActCreateUnit:
		req.BrandPrefix = r.brandPrefix
	case domain.ActFill, domain.ActEmpty:
		r.unitRequest(&req, ev, t, id)
	case domain.ActRegister:
		req.New = &domain.Item{GTIN: id.GTIN, Serial: id.Serial}
		if w := t.write(r.l.ChaincodeName(), domain.ItemKey(id)); w != nil {
			var it domain.Item
			if err := strictJSON(w.GetValue(), &it); err == nil {
				req.New = &domain.Item{GTIN: it.GTIN, Serial: it.Serial, Lot: it.Lot, Expiry: it.Expiry, Description: it.Description}
			}
		}
	}
	return req, nil
}

// replay decides every event in sequence order. Events the binding or
// order checks reject are still replayed, so that each failure is named
// where it happens.
func (r *run) replay(id domain.ItemID, events []domain.CustodyEvent) map[uint64]*expectation {
	out := make(map[uint64]*expectation, len(events))
	st := domain.CustodyState{ID: id}
	for _, ev := range events {
		x := &expectation{}
		out[ev.Seq] = x
		e := r.txs[ev.TxID]
		if e == nil || e.parsed == nil {
			x.err = fmt.Errorf("transaction %s unavailable", ev.TxID)
			continue
		}
		if ev.Type == domain.EventInspected {
			// The old layout's inspection: any member, no state change.
			x.legacy = true
			x.detail = "INSPECTED (legacy inspection event): no change"
			st.Seq, st.LastEventAt = ev.Seq, ev.Timestamp
			continue
		}
		req, err := r.request(ev, e.parsed, id)
		if err != nil {
			x.err = err
			continue
		}
		before := describeState(st)
		d, derr := domain.Decide(st, req)
		var regErr error
		if req.Act == domain.ActRegister {
			regErr = r.registrant(req.Actor.MSP)
		}
		switch {
		case derr != nil:
			x.err = fmt.Errorf("the custody decision refuses %s by %s in state %s: %s", req.Act, req.Actor.MSP, before, derr.Error())
		case regErr != nil:
			x.err = regErr
		case d.Event != ev:
			x.err = fmt.Errorf("the event differs from the custody decision's: %s", diffEvents(d.Event, ev))
		default:
			x.decision = d
			st = st.After(d)
			x.detail = fmt.Sprintf("%s by %s: %s -> %s", req.Act, req.Actor.MSP, before, describeState(st))
			continue
		}
		// A failed event is reported; the replay goes on from the state its
		// committed writes left, so that each failure is named once.
		st = stateFromWrites(st, id, ev, e.parsed, r.l.ChaincodeName())
	}
	return out
}

// stateFromWrites advances the replay past an event it could not decide:
// the item, hold, recall and offer records as the transaction wrote them.
func stateFromWrites(st domain.CustodyState, id domain.ItemID, ev domain.CustodyEvent, t *endorserTx, ns string) domain.CustodyState {
	st.Seq, st.LastEventAt = ev.Seq, ev.Timestamp
	if w := t.write(ns, domain.ItemKey(id)); w != nil && !w.GetIsDelete() {
		var it domain.Item
		if json.Unmarshal(w.GetValue(), &it) == nil {
			st.Item = &it
			if it.OfferSeq == 0 {
				st.Offer = nil
			} else if ow := t.write(ns, domain.OfferKey(id, it.OfferSeq)); ow != nil {
				var o domain.Offer
				if json.Unmarshal(ow.GetValue(), &o) == nil {
					st.Offer = &o
				}
			}
		}
	}
	if w := t.write(ns, domain.HoldKey(id)); w != nil {
		st.Hold = nil
		var h domain.Hold
		if !w.GetIsDelete() && json.Unmarshal(w.GetValue(), &h) == nil {
			st.Hold = &h
		}
	}
	if w := t.write(ns, domain.RecallItemKey(id)); w != nil {
		var rs []domain.Recall
		for _, rc := range st.Recalls {
			if rc.Scope != domain.RecallScopeItem {
				rs = append(rs, rc)
			}
		}
		var rc domain.Recall
		if !w.GetIsDelete() && json.Unmarshal(w.GetValue(), &rc) == nil {
			rs = append(rs, rc)
		}
		st.Recalls = rs
	}
	return st
}

// registrant checks that the registering org owns the GTIN's company
// prefix: a candidate prefix of the GTIN claimed by it and approved (ACTIVE,
// or REVOKED since). The records come from the ledger's GetPrefix, as the
// answering peer serves them (--peers compares them too).
func (r *run) registrant(msp string) error {
	var seen []string
	for _, p := range r.prefixes {
		if p == nil {
			continue
		}
		if p.Owner == msp && (p.Status == domain.PrefixActive || p.Status == domain.PrefixRevoked) {
			return nil
		}
		seen = append(seen, fmt.Sprintf("%s %s by %s", p.Prefix, p.Status, p.Owner))
	}
	if len(seen) == 0 {
		return fmt.Errorf("registrant %s: the GTIN has no claimed company prefix", msp)
	}
	return fmt.Errorf("registrant %s does not own the GTIN's company prefix (%s)", msp, strings.Join(seen, "; "))
}

func describeState(s domain.CustodyState) string {
	if s.Item == nil {
		return "unregistered"
	}
	parts := []string{string(s.Item.Status), "owner " + s.Item.Owner}
	if s.Item.OfferedTo != "" {
		parts = append(parts, "offered to "+s.Item.OfferedTo)
	}
	if s.Hold != nil {
		parts = append(parts, "held by "+s.Hold.By)
	}
	if rc := s.ItemRecall(); rc != nil {
		parts = append(parts, "recalled by "+rc.By)
	}
	return "[" + strings.Join(parts, ", ") + "]"
}

// kvSet returns the transaction's read-write set in namespace (nil when
// absent or undecodable), decoded once.
func (t *endorserTx) kvSet(namespace string) *kvrwset.KVRWSet {
	t.kvOnce.Do(func() {
		for _, ns := range t.txRWSet.GetNsRwset() {
			if ns.GetNamespace() != namespace {
				continue
			}
			kv := &kvrwset.KVRWSet{}
			if err := proto.Unmarshal(ns.GetRwset(), kv); err == nil {
				t.kv = kv
			}
		}
	})
	return t.kv
}

// writeIndex maps the set's writes and key-level policy writes by key, once
// per transaction (a batch transaction is checked once per item).
func (t *endorserTx) writeIndex(kv *kvrwset.KVRWSet) (map[string]*kvrwset.KVWrite, map[string][]byte) {
	t.idxOnce.Do(func() {
		t.writes = map[string]*kvrwset.KVWrite{}
		for _, w := range kv.GetWrites() {
			t.writes[w.GetKey()] = w
		}
		t.meta = map[string][]byte{}
		for _, m := range kv.GetMetadataWrites() {
			for _, e := range m.GetEntries() {
				if e.GetName() == validationParameter {
					t.meta[m.GetKey()] = e.GetValue()
				}
			}
		}
	})
	return t.writes, t.meta
}

func (t *endorserTx) write(namespace, key string) *kvrwset.KVWrite {
	for _, w := range t.kvSet(namespace).GetWrites() {
		if w.GetKey() == key {
			return w
		}
	}
	return nil
}

// itemKeyOf tells whether a key belongs to the item: its item, counter,
// hold and item-recall keys, and every event and offer key.
func itemKeyOf(id domain.ItemID, key string) bool {
	switch key {
	case domain.ItemKey(id), domain.CounterKey(id), domain.HoldKey(id), domain.RecallItemKey(id), domain.PackedKey(id):
		return true
	}
	for _, obj := range []string{domain.ObjEvent, domain.ObjOffer} {
		if p, err := domain.CompositeKey(obj, id.GTIN, id.Serial); err == nil && strings.HasPrefix(key, p) {
			return true
		}
	}
	return false
}

// checkDecisionWrites checks that the write set holds every write of the
// decision (same value or delete; the key-level policy where the decision
// sets one) and no other write or policy change of the item's own keys.
func (t *endorserTx) checkDecisionWrites(id domain.ItemID, d *domain.Decision, namespace string, orgs []string) (string, error) {
	kv := t.kvSet(namespace)
	if kv == nil {
		return "", fmt.Errorf("no write set for chaincode %s", namespace)
	}
	writes, meta := t.writeIndex(kv)
	var problems []string
	expected := map[string]bool{}
	policies := map[string]bool{}
	for _, kw := range d.Writes {
		expected[kw.Key] = true
		w := writes[kw.Key]
		name := string(kw.Kind) + " " + printableKey(kw.Key)
		switch {
		case w == nil:
			problems = append(problems, "no write of "+name)
			continue
		case kw.Delete && !w.GetIsDelete():
			problems = append(problems, name+" is written, the decision deletes it")
		case !kw.Delete && w.GetIsDelete():
			problems = append(problems, name+" is deleted, the decision writes it")
		case kw.Kind == domain.KeyCounter && !kw.Delete && domain.SameCounter(w.GetValue(), kw.Value):
			// the same sequence (and time, when both carry one): older chaincode wrote the sequence alone
		case !kw.Delete && !bytes.Equal(w.GetValue(), kw.Value):
			problems = append(problems, fmt.Sprintf("%s holds %s, the decision writes %s", name, w.GetValue(), kw.Value))
		}
		if kw.SetPolicy && kw.Policy != nil {
			policies[kw.Key] = true
			env, ok := meta[kw.Key]
			if !ok {
				problems = append(problems, fmt.Sprintf("%s: no key-level policy written, the decision sets %s", name, kw.Policy))
			} else if err := samePolicy(env, *kw.Policy, orgs); err != nil && (kw.Earlier == nil || samePolicy(env, *kw.Earlier, orgs) != nil) {
				// (Earlier: what chaincode before the current rules set, e.g.
				// event keys before they were sealed.)
				problems = append(problems, fmt.Sprintf("%s: key-level policy %v, the decision sets %s", name, err, kw.Policy))
			}
		}
	}
	own := t.itemIndex(kv, id)
	for _, k := range own.writes {
		if !expected[k] {
			problems = append(problems, "also writes "+printableKey(k)+", which the decision does not")
		}
	}
	for _, k := range uniqueStrings(append([]string(nil), own.meta...)) {
		if !policies[k] {
			problems = append(problems, "also changes the key-level policy of "+printableKey(k)+", which the decision does not")
		}
	}
	if len(problems) > 0 {
		sort.Strings(problems)
		return "", fmt.Errorf("%s", strings.Join(problems, "; "))
	}
	return fmt.Sprintf("writes the decision's %d keys", len(d.Writes)), nil
}

// validationParameter is the metadata entry holding a key-level policy
// (Fabric's pb.MetaDataKeys_VALIDATION_PARAMETER).
const validationParameter = "VALIDATION_PARAMETER"

// samePolicy compares a written key-level policy (a SignaturePolicyEnvelope)
// with the decision's by what they accept: for every set of the channel's
// peer organizations, both must agree whether it satisfies them. That is
// independent of how the policy tree is spelled.
func samePolicy(envBytes []byte, want domain.KeyPolicy, orgs []string) error {
	env := &common.SignaturePolicyEnvelope{}
	if err := proto.Unmarshal(envBytes, env); err != nil {
		return fmt.Errorf("undecodable: %v", err)
	}
	var ids []string
	for i, p := range env.GetIdentities() {
		if p.GetPrincipalClassification() != mspproto.MSPPrincipal_ROLE {
			return fmt.Errorf("principal %d is not an MSP role", i)
		}
		role := &mspproto.MSPRole{}
		if err := proto.Unmarshal(p.GetPrincipal(), role); err != nil {
			return fmt.Errorf("principal %d: %v", i, err)
		}
		if role.GetRole() != mspproto.MSPRole_PEER && role.GetRole() != mspproto.MSPRole_MEMBER {
			return fmt.Errorf("principal %d is %s of %s, not a peer", i, role.GetRole(), role.GetMspIdentifier())
		}
		ids = append(ids, role.GetMspIdentifier())
	}
	all := append(append(append([]string(nil), orgs...), want.AllOf...), want.Orgs...)
	all = uniqueStrings(append(all, ids...))
	if len(all) > 12 {
		return fmt.Errorf("names %d organizations", len(all))
	}
	for mask := 0; mask < 1<<len(all); mask++ {
		var set []string
		for i, o := range all {
			if mask&(1<<i) != 0 {
				set = append(set, o)
			}
		}
		got := evalPolicy(env.GetRule(), ids, set)
		if got != want.SatisfiedBy(set) {
			return fmt.Errorf("accepts endorsements of [%s]: %v", strings.Join(set, ", "), got)
		}
	}
	return nil
}

func evalPolicy(p *common.SignaturePolicy, ids []string, have []string) bool {
	switch t := p.GetType().(type) {
	case *common.SignaturePolicy_SignedBy:
		i := int(t.SignedBy)
		if i < 0 || i >= len(ids) {
			return false
		}
		for _, h := range have {
			if h == ids[i] {
				return true
			}
		}
		return false
	case *common.SignaturePolicy_NOutOf_:
		n := 0
		for _, r := range t.NOutOf.GetRules() {
			if evalPolicy(r, ids, have) {
				n++
			}
		}
		return n >= int(t.NOutOf.GetN())
	}
	return false
}

func uniqueStrings(in []string) []string {
	sort.Strings(in)
	out := in[:0]
	for i, s := range in {
		if s != "" && (i == 0 || s != in[i-1]) {
			out = append(out, s)
		}
	}
	return out
}
