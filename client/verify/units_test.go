package verify

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/hyperledger/fabric-protos-go-apiv2/ledger/rwset/kvrwset"

	"github.com/provledger/provenance/chaincode/domain"
)

// testUnit is an SSCC under the fixture's company prefix 9506000.
var testUnit = func() string {
	body := "1" + "9506000" + "000000042"
	d, _ := domain.CheckDigit(body)
	return domain.UnitID(fmt.Sprintf("%s%d", body, d)).Key()
}()

type fixUnit struct {
	state  domain.CustodyState
	events []domain.CustodyEvent
}

func (f *fixture) unit(key string) *fixUnit {
	if f.units == nil {
		f.units = map[string]*fixUnit{}
	}
	u := f.units[key]
	if u == nil {
		id, err := subjectOf(key)
		if err != nil {
			f.t.Fatal(err)
		}
		u = &fixUnit{state: domain.CustodyState{ID: id}}
		f.units[key] = u
	}
	return u
}

// unitTx commits one transaction made of the decisions decide returns for
// the fixture's item and units, as the genuine chaincode writes them (one
// write per key, the last, in key order, as Fabric's rwset builder does),
// endorsed by every org's peer unless o says otherwise. o.noEventWrite
// leaves the test item's event out of the write set (its history still
// names it).
func (f *fixture) unitTx(o txOpts, decide func(domain.Request) ([]*domain.Decision, *domain.Error)) {
	f.t.Helper()
	if o.creator == nil {
		o.creator = f.users[mspMan]
	}
	if o.namespace == "" {
		o.namespace = testChaincode
	}
	if o.endorsers == nil {
		o.endorsers = []*signer{f.peers[mspMan], f.peers[mspDist], f.peers[mspCust]}
	}
	f.clock = f.clock.Add(1500 * time.Millisecond)
	nonce := make([]byte, 24)
	_, _ = rand.Read(nonce)
	sum := sha256.Sum256(concat(nonce, o.creator.serialized()))
	txID := hex.EncodeToString(sum[:])
	tx := &endorserTx{creator: &identity{mspID: o.creator.msp, cert: o.creator.cert}}
	req := domain.Request{Actor: actorOf(tx), Roles: f.roles, TxID: txID, Now: domain.FormatTimestamp(f.clock.UnixNano()), Brand: mspMan}
	ds, derr := decide(req)
	if derr != nil {
		f.t.Fatalf("fixture: the custody decision refuses: %v", derr)
	}
	writes := map[string]*kvrwset.KVWrite{}
	metas := map[string]*kvrwset.KVMetadataWrite{}
	for _, d := range ds {
		if k := d.Event.Item; k == testItem {
			f.state = f.state.After(d)
			f.events = append(f.events, d.Event)
		} else {
			u := f.unit(k)
			u.state = u.state.After(d)
			u.events = append(u.events, d.Event)
		}
		for _, kw := range d.Writes {
			if o.noEventWrite && kw.Kind == domain.KeyEvent && d.Event.Item == testItem {
				continue
			}
			writes[kw.Key] = &kvrwset.KVWrite{Key: kw.Key, Value: kw.Value, IsDelete: kw.Delete}
			if kw.SetPolicy && kw.Policy != nil {
				metas[kw.Key] = &kvrwset.KVMetadataWrite{Key: kw.Key, Entries: []*kvrwset.KVMetadataEntry{
					{Name: validationParameter, Value: policyEnvelope(*kw.Policy)}}}
			}
		}
	}
	keys := make([]string, 0, len(writes))
	for k := range writes {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var ws []*kvrwset.KVWrite
	var ms []*kvrwset.KVMetadataWrite
	for _, k := range keys {
		ws = append(ws, writes[k])
		if m := metas[k]; m != nil {
			ms = append(ms, m)
		}
	}
	f.commit(txID, nonce, f.clock, ws, ms, o)
}

// packItem packs the test item into unit (created on first use).
func (f *fixture) packItem(unit string, o txOpts) {
	f.t.Helper()
	f.unitTx(o, func(r domain.Request) ([]*domain.Decision, *domain.Error) {
		return domain.DecidePack(f.unit(unit).state, []domain.CustodyState{f.state}, r)
	})
}

func (f *fixture) unpackItem(unit string, o txOpts) {
	f.t.Helper()
	f.unitTx(o, func(r domain.Request) ([]*domain.Decision, *domain.Error) {
		return domain.DecideUnpack(f.unit(unit).state, []domain.CustodyState{f.state}, r)
	})
}

// unitAct decides a custody act on the unit alone (offer: to).
func (f *fixture) unitAct(unit string, act domain.Act, to string, o txOpts) {
	f.t.Helper()
	f.unitTx(o, func(r domain.Request) ([]*domain.Decision, *domain.Error) {
		r.Act, r.To = act, to
		d, err := domain.Decide(f.unit(unit).state, r)
		return []*domain.Decision{d}, err
	})
}

// travel registers the item, packs it into testUnit as the manufacturer,
// ships the unit to the distributor, which unpacks it. tamper: options for
// the unit's offer and accept, by step name.
func (f *fixture) travel(tamper map[string]txOpts) {
	f.t.Helper()
	f.add(domain.EventRegistered, "", mspMan, txOpts{})
	f.packItem(testUnit, tamper["pack"])
	offer := tamper["offer"]
	f.unitAct(testUnit, domain.ActOffer, mspDist, offer)
	accept := tamper["accept"]
	if accept.creator == nil {
		accept.creator = f.users[mspDist]
	}
	f.unitAct(testUnit, domain.ActAccept, "", accept)
	unpack := tamper["unpack"]
	if unpack.creator == nil {
		unpack.creator = f.users[mspDist]
	}
	f.unpackItem(testUnit, unpack)
}

// steps maps "check subject" to the step.
func steps(rep Report) map[string]Step {
	out := map[string]Step{}
	for _, s := range rep.Steps {
		out[s.Check+" "+s.Subject] = s
	}
	return out
}

func verifyFixture(t *testing.T, f *fixture, id string) Report {
	t.Helper()
	rep, err := Item(context.Background(), f, id, Options{})
	if err != nil {
		t.Fatalf("verify %s: %v", id, err)
	}
	return rep
}

// wantFailed asserts that the report failed exactly on steps named by
// "check subject" among want (at least one of them) and on no step outside
// allowed (want plus other consequences of the same forgery).
func wantFailed(t *testing.T, rep Report, want []string, allowed ...string) {
	t.Helper()
	if rep.OK {
		t.Fatalf("%s verified; want failures %v", rep.Item, want)
	}
	ok := map[string]bool{}
	for _, w := range append(append([]string(nil), want...), allowed...) {
		ok[w] = true
	}
	got := map[string]bool{}
	for _, s := range rep.Failed() {
		name := s.Check + " " + s.Subject
		got[name] = true
		if !ok[name] {
			t.Errorf("%s: unexpected failed step %q: %s", rep.Item, name, s.Detail)
		} else {
			t.Logf("%s: failed %q: %s", rep.Item, name, s.Detail)
		}
	}
	for _, w := range want {
		if !got[w] {
			t.Errorf("%s: step %q did not fail", rep.Item, w)
		}
	}
}

// TestUnitTravelVerifies: an item packed into a unit, the unit offered and
// accepted, the item unpacked by the new owner: the item verifies with the
// unit's chain as part of its custody, and the unit verifies with its
// contents' packing events.
func TestUnitTravelVerifies(t *testing.T) {
	f := newFixture(t, "bft")
	f.travel(nil)
	rep := verifyFixture(t, f, testItem)
	if !rep.OK {
		t.Fatalf("item that travelled in a unit: %+v", rep.Failed())
	}
	st := steps(rep)
	u := "unit " + testUnit + ": "
	for _, want := range []string{
		CheckContainer + " seq 2 PACKED", CheckContainer + " seq 3 UNPACKED",
		CheckTransition + " " + u + "seq 1 REGISTERED", CheckTransition + " " + u + "seq 2 PACKED",
		CheckEndorsePolicy + " " + u + "seq 4 ACCEPTED", CheckWriteSet + " " + u + "seq 4 ACCEPTED",
		CheckUnitContents + " " + u + "seq 2 PACKED", CheckUnitContents + " " + u + "seq 5 UNPACKED",
		CheckBlockSignatures + " " + u + "seq 3 OFFERED", CheckItemBinding + " " + u + "" + testUnit,
	} {
		if s, ok := st[want]; !ok || !s.OK {
			t.Errorf("step %q: %+v (present %v)", want, s, ok)
		}
	}
	if d := st[CheckContainer+" seq 2 PACKED"].Detail; !strings.Contains(d, "same transaction") {
		t.Errorf("container step detail: %s", d)
	}

	rep = verifyFixture(t, f, testUnit)
	if !rep.OK {
		t.Fatalf("the unit: %+v", rep.Failed())
	}
	if s := steps(rep)[CheckUnitContents+" seq 2 PACKED"]; !s.OK || !strings.Contains(s.Detail, "1 contents packed") {
		t.Errorf("unit-contents of the unit's PACKED: %+v", s)
	}
	// The SSCC in another spelling is the same unit.
	if rep := verifyFixture(t, f, "(00)"+strings.TrimPrefix(testUnit, "00/")); !rep.OK || rep.Item != testUnit {
		t.Errorf("element-string spelling: %s ok=%v", rep.Item, rep.OK)
	}
}

// TestUnitForgedEvent: the unit's ACCEPTED carries only the recipient's and
// customs' endorsements (the owner's peer never endorsed it; a peer that
// says it is VALID lies). The item's verify fails on the unit's chain.
func TestUnitForgedEvent(t *testing.T) {
	f := newFixture(t, "bft")
	f.travel(map[string]txOpts{"accept": {endorsers: []*signer{f.peers[mspDist], f.peers[mspCust]}}})
	u := "unit " + testUnit + ": "
	wantFailed(t, verifyFixture(t, f, testItem), []string{CheckEndorsePolicy + " " + u + "seq 4 ACCEPTED"})
	wantFailed(t, verifyFixture(t, f, testUnit), []string{CheckEndorsePolicy + " seq 4 ACCEPTED"})

	// A unit offer whose creator signature does not verify.
	f = newFixture(t, "bft")
	f.travel(map[string]txOpts{"offer": {flipCreatorSig: true}})
	wantFailed(t, verifyFixture(t, f, testItem), []string{CheckCreatorSignature + " " + u + "seq 3 OFFERED"})
}

// TestUnitEventOtherNamespace: the unit's OFFERED was written by another
// chaincode (a namespace anyone may deploy): not a custody event of ours.
func TestUnitEventOtherNamespace(t *testing.T) {
	f := newFixture(t, "bft")
	f.travel(map[string]txOpts{"offer": {namespace: "othercc"}})
	u := "unit " + testUnit + ": "
	wantFailed(t, verifyFixture(t, f, testItem), []string{CheckWriteSet + " " + u + "seq 3 OFFERED"})
}

// TestUnitPackingEventMissing: the unit's history lacks the PACKED that took
// the item in; and, separately, a unit's PACKED transaction that does not
// write the content event it counts.
func TestUnitPackingEventMissing(t *testing.T) {
	f := newFixture(t, "bft")
	f.travel(nil)
	u := f.units[testUnit]
	u.events = append(u.events[:1:1], u.events[2:]...) // seq 2 PACKED gone
	wantFailed(t, verifyFixture(t, f, testItem),
		[]string{CheckContainer + " seq 2 PACKED", CheckEventOrder + " unit " + testUnit + ": 4 events"},
		// consequences: the replay misses the fill before the offer, and
		// the creation's transaction writes an event the history lacks
		CheckTransition+" unit "+testUnit+": seq 3 OFFERED", CheckWriteSet+" unit "+testUnit+": seq 1 REGISTERED")

	f = newFixture(t, "bft")
	f.travel(map[string]txOpts{"pack": {noEventWrite: true}})
	wantFailed(t, verifyFixture(t, f, testUnit), []string{CheckUnitContents + " seq 2 PACKED"})
	// The item's own history names an event its transaction never wrote.
	wantFailed(t, verifyFixture(t, f, testItem), []string{CheckWriteSet + " seq 2 PACKED", CheckUnitContents + " unit " + testUnit + ": seq 2 PACKED"},
		CheckTransition+" seq 2 PACKED")
}

// TestUnitContainerCycle: a unit whose history says it was packed into
// itself (a forged record) is not followed forever.
func TestUnitContainerCycle(t *testing.T) {
	f := newFixture(t, "bft")
	f.travel(nil)
	u := f.units[testUnit]
	ev := u.events[len(u.events)-1]
	ev.Seq, ev.Type, ev.Unit, ev.UnitSeq, ev.Item = ev.Seq+1, domain.EventPacked, testItem, 2, testUnit
	u.events = append(u.events, ev)
	rep, err := Item(context.Background(), f, testUnit, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if rep.OK {
		t.Fatal("a forged unit event verified")
	}
}
