package domain

import (
	"strconv"
	"strings"
)

// Logistic units in the custody decision. A unit is a custody subject (see
// sscc.go): offer, accept, reject, cancel, hold, release, report-stolen and
// hand-over go through Decide on the unit's own keys, one step for all it
// contains, whatever it contains. Packing and unpacking are decided here:
//
//   - pack: the container (loose, ACTIVE, not held, owned by the actor;
//     created in the same transaction when new, by the owner of its SSCC's
//     company prefix) gets one PACKED event counting the contents; each
//     content (loose, ACTIVE, not held, the actor's) gets a PACKED event
//     naming the container and a packing key. Its item key is not written:
//     packing writes no existing key with a key-level policy per content,
//     so its cost does not grow with them the way an offer's does.
//   - unpack: the container's UNPACKED event, and per content an UNPACKED
//     event, the packing key deleted and, when the container changed hands
//     since packing, the item key rewritten to the container's owner.
//   - a packed item or unit refuses every act but release, recall and
//     withdraw-recall (PACKED): it moves only with its container.
//
// What a verifier cannot rebuild from a content's history alone: the
// container's state (read its history) and, for a container's PACKED /
// UNPACKED event, the count, depth and lots (the transaction's writes).

// UnitRef is the container of a pack or unpack as the content's decision
// sees it: the container's ID, its owner and its event of this transaction.
type UnitRef struct {
	ID    ItemID
	Owner string
	Seq   uint64
}

// actOnPacked lists the acts a packed item or unit still takes: its own
// hold and recall keys, and leaving its container.
func actOnPacked(a Act) bool {
	return a == ActRelease || a == ActRecallItem || a == ActWithdrawRecall || a == ActUnpack
}

// PackingPolicy is a packing key's policy: the owner of record at packing
// AND a majority. Unpacking deletes the key, so it needs that owner's peers
// (which it needs anyway: the item key, still that owner's, is rewritten to
// the container's owner) and a majority.
func PackingPolicy(owner string, roles []OrgRole) KeyPolicy {
	maj := majorityOf(roles)
	return KeyPolicy{AllOf: []string{owner}, Orgs: maj.Orgs, Threshold: maj.Threshold, AndMajority: true}
}

// DecidePack decides packing contents into unit: the unit's decisions
// (creation when unit.Item is nil, then ActFill) first, then one ActPack
// per content, in order. r carries the actor and transaction; r.Brand must
// be the owner of the unit's SSCC company prefix when the unit is new.
func DecidePack(unit CustodyState, contents []CustodyState, r Request) ([]*Decision, *Error) {
	if !unit.ID.IsUnit() {
		return nil, Errorf(CodeInvalidArgument, "%s is not a logistic unit (want an SSCC)", unit.ID.Key())
	}
	if err := checkContents(unit, contents); err != nil {
		return nil, err
	}
	var out []*Decision
	u := unit
	if u.Item == nil {
		rc := r
		rc.Act = ActCreateUnit
		d, err := Decide(u, rc)
		if err != nil {
			return nil, err
		}
		out, u = append(out, d), u.After(d)
	}
	depth := 0
	var lots []string
	for _, c := range contents {
		if c.Item == nil {
			return nil, Errorf(CodeNotFound, "%s is not registered", c.ID.Key())
		}
		if d := c.Item.Depth + 1; c.ID.IsUnit() && d > depth {
			depth = d
		} else if !c.ID.IsUnit() && depth < 1 {
			depth = 1
		}
		lots = mergeSorted(lots, contentLots(c))
	}
	if depth > MaxUnitDepth {
		return nil, Errorf(CodeInvalidArgument, "unit %s would nest %d levels deep; at most %d", unit.ID.Key(), depth, MaxUnitDepth)
	}
	rf := r
	rf.Act, rf.Count, rf.Depth, rf.Lots = ActFill, len(contents), depth, lots
	d, err := Decide(u, rf)
	if err != nil {
		return nil, err
	}
	out = append(out, d)
	ref := &UnitRef{ID: unit.ID, Owner: d.Item.Owner, Seq: d.Event.Seq}
	for _, c := range contents {
		rc := r
		rc.Act, rc.Unit = ActPack, ref
		d, err := Decide(c, rc)
		if err != nil {
			return nil, err
		}
		out = append(out, d)
	}
	return out, nil
}

// DecideUnpack decides taking contents out of unit: the unit's ActEmpty,
// then one ActUnpack per content.
func DecideUnpack(unit CustodyState, contents []CustodyState, r Request) ([]*Decision, *Error) {
	if !unit.ID.IsUnit() {
		return nil, Errorf(CodeInvalidArgument, "%s is not a logistic unit (want an SSCC)", unit.ID.Key())
	}
	if unit.Item == nil {
		return nil, Errorf(CodeNotFound, "unit %s is not registered", unit.ID.Key())
	}
	if err := checkContents(unit, contents); err != nil {
		return nil, err
	}
	re := r
	re.Act, re.Count = ActEmpty, len(contents)
	d, err := Decide(unit, re)
	if err != nil {
		return nil, err
	}
	out := []*Decision{d}
	ref := &UnitRef{ID: unit.ID, Owner: d.Item.Owner, Seq: d.Event.Seq}
	for _, c := range contents {
		rc := r
		rc.Act, rc.Unit = ActUnpack, ref
		d, err := Decide(c, rc)
		if err != nil {
			return nil, err
		}
		out = append(out, d)
	}
	return out, nil
}

func checkContents(unit CustodyState, contents []CustodyState) *Error {
	if len(contents) == 0 {
		return Errorf(CodeInvalidArgument, "unit %s: no contents given", unit.ID.Key())
	}
	if len(contents) > MaxBatch {
		return Errorf(CodeBatchTooLarge, "unit %s: %d contents given, at most %d per transaction", unit.ID.Key(), len(contents), MaxBatch)
	}
	for _, c := range contents {
		if c.ID == unit.ID {
			return Errorf(CodeInvalidArgument, "unit %s cannot contain itself", unit.ID.Key())
		}
	}
	return nil
}

// contentLots is the recall scopes a content brings into its container.
func contentLots(c CustodyState) []string {
	if c.ID.IsUnit() {
		return c.Item.Lots
	}
	if c.Item.Lot == "" {
		return []string{"01/" + c.ID.GTIN}
	}
	return []string{"01/" + c.ID.GTIN + "/10/" + c.Item.Lot}
}

// LotScopes splits a unit's lot entry into the recall keys that apply to
// it: the GTIN's, and the lot's when it names one.
func LotScopes(entry string) []string {
	if len(entry) < 17 || entry[:3] != "01/" {
		return nil
	}
	gtin := entry[3:17]
	keys := []string{RecallGTINKey(gtin)}
	if len(entry) > 21 && entry[17:21] == "/10/" {
		keys = append(keys, RecallLotKey(gtin, entry[21:]))
	}
	return keys
}

// MaxUnitLots bounds the lots a unit records (its record is written on
// every move, so it must stay small).
const MaxUnitLots = 256

func decideCreateUnit(s CustodyState, r Request) (*Decision, *Error) {
	key := s.ID.Key()
	if !s.ID.IsUnit() {
		return nil, Errorf(CodeInvalidArgument, "%s is not a logistic unit", key)
	}
	if s.Item != nil {
		return nil, Errorf(CodeAlreadyExists, "unit %s already exists (created by %s)", key, s.Item.Manufacturer)
	}
	if r.Brand != r.Actor.MSP {
		return nil, Errorf(CodePrefixNotActive, "unit %s: its SSCC's company prefix %s is owned by %s, not %s; only the prefix owner creates its SSCCs",
			key, orDash(r.BrandPrefix), orDash(r.Brand), r.Actor.MSP)
	}
	if _, err := ParseTimestamp(r.Now); err != nil {
		return nil, Errorf(CodeInvalidArgument, "unit %s: transaction %s", key, err.(*Error).Msg)
	}
	b := newBuilder(s, r)
	b.event(EventRegistered, "", r.Actor.MSP, "logistic unit")
	n := Item{ID: key, GTIN: s.ID.GTIN, Serial: s.ID.Serial, Manufacturer: r.Actor.MSP, Owner: r.Actor.MSP, Status: StatusActive}
	b.stamp(&n)
	b.putItem(&n)
	return b.finish(), nil
}

// decideUnitAct fills b for the pack and unpack acts (Decide has checked
// registration, time and the PACKED guard).
func decideUnitAct(b *builder, s CustodyState, r Request) *Error {
	key, it := s.ID.Key(), s.Item
	switch r.Act {
	case ActFill, ActEmpty:
		if !s.ID.IsUnit() {
			return Errorf(CodeInvalidArgument, "%s is not a logistic unit", key)
		}
		if it.Owner != r.Actor.MSP {
			return Errorf(CodeNotOwner, "unit %s is held by %s", key, it.Owner)
		}
		if it.Status != StatusActive {
			return Errorf(CodeInvalidTransition, "unit %s is %s; packing and unpacking need ACTIVE", key, it.Status)
		}
		if s.Hold != nil {
			return onHoldErr(key, s.Hold)
		}
		if r.Count <= 0 {
			return Errorf(CodeInvalidArgument, "unit %s: no contents given", key)
		}
		// the event first: moved stamps the record with its sequence
		if r.Act == ActFill {
			b.event(EventPacked, "", "", strconv.Itoa(r.Count)+unitAdded)
		} else {
			b.event(EventUnpacked, "", "", strconv.Itoa(r.Count)+unitRemoved)
		}
		n := b.moved(it.Status)
		if r.Act == ActFill {
			n.Contents += r.Count
			if r.Depth > n.Depth {
				n.Depth = r.Depth
			}
			n.Lots = mergeSorted(n.Lots, r.Lots)
			if len(n.Lots) > MaxUnitLots {
				return Errorf(CodeBatchTooLarge, "unit %s would hold %d lots; at most %d", key, len(n.Lots), MaxUnitLots)
			}
		} else {
			if r.Count > n.Contents {
				return Errorf(CodeInvalidArgument, "unit %s holds %d, not %d", key, n.Contents, r.Count)
			}
			n.Contents -= r.Count
			if n.Contents == 0 {
				n.Depth, n.Lots = 0, nil
			}
		}
		b.putItem(n)
	case ActPack:
		if r.Unit == nil || r.Unit.ID == s.ID {
			return Errorf(CodeInvalidArgument, "%s: no container to pack it into", key)
		}
		if it.Owner != r.Actor.MSP || r.Unit.Owner != r.Actor.MSP {
			return Errorf(CodeNotOwner, "%s is held by %s; %s may pack only its own goods into its own units", key, it.Owner, r.Actor.MSP)
		}
		if it.Status != StatusActive {
			return Errorf(CodeInvalidTransition, "%s is %s; PACKED needs ACTIVE", key, it.Status)
		}
		if s.Hold != nil {
			return onHoldErr(key, s.Hold)
		}
		b.event(EventPacked, it.Owner, "", "")
		b.d.Event.Unit, b.d.Event.UnitSeq = r.Unit.ID.Key(), r.Unit.Seq
		p := &Packing{Unit: r.Unit.ID.Key(), UnitSeq: r.Unit.Seq, Owner: it.Owner, TxID: r.TxID, At: r.Now}
		pol := PackingPolicy(p.Owner, r.Roles)
		b.d.Packed = p
		b.d.Writes = append(b.d.Writes,
			KeyWrite{Kind: KeyPacked, Key: PackedKey(s.ID), Value: mustMarshal(p), Policy: &pol, SetPolicy: true},
			KeyWrite{Kind: KeyIndex, Key: UnitContentKey(r.Unit.ID, s.ID), Value: []byte{0}})
	case ActUnpack:
		if r.Unit == nil || s.Packed == nil || s.Packed.Unit != r.Unit.ID.Key() {
			return Errorf(CodeInvalidTransition, "%s is not packed in unit %s", key, unitName(r.Unit))
		}
		if r.Unit.Owner != r.Actor.MSP {
			return Errorf(CodeNotOwner, "unit %s is held by %s", r.Unit.ID.Key(), r.Unit.Owner)
		}
		b.event(EventUnpacked, it.Owner, r.Actor.MSP, "")
		b.d.Event.Unit, b.d.Event.UnitSeq = r.Unit.ID.Key(), r.Unit.Seq
		pol := PackingPolicy(s.Packed.Owner, r.Roles)
		b.allOf = append(b.allOf, s.Packed.Owner)
		b.d.Packed = nil
		b.d.Writes = append(b.d.Writes,
			KeyWrite{Kind: KeyPacked, Key: PackedKey(s.ID), Delete: true, Policy: &pol},
			KeyWrite{Kind: KeyIndex, Key: UnitContentKey(r.Unit.ID, s.ID), Delete: true})
		if it.Owner != r.Actor.MSP {
			n := b.moved(it.Status)
			n.Owner = r.Actor.MSP
			b.putItem(n)
		}
	}
	return nil
}

// The details of a unit's own PACKED / UNPACKED event: "N added", "N removed".
const (
	unitAdded   = " added"
	unitRemoved = " removed"
)

// UnitEventCount reads how many contents a unit's own PACKED ("N added") or
// UNPACKED ("N removed") event counts; ok is false for any other event (a
// content's PACKED names its unit in Unit and counts nothing).
func UnitEventCount(ev CustodyEvent) (n int, ok bool) {
	suffix := unitAdded
	switch {
	case ev.Unit != "":
		return 0, false
	case ev.Type == EventUnpacked:
		suffix = unitRemoved
	case ev.Type != EventPacked:
		return 0, false
	}
	num, found := strings.CutSuffix(ev.Details, suffix)
	if !found {
		return 0, false
	}
	n, err := strconv.Atoi(num)
	if err != nil || n <= 0 || strconv.Itoa(n) != num {
		return 0, false
	}
	return n, true
}

func unitName(u *UnitRef) string {
	if u == nil {
		return "-"
	}
	return u.ID.Key()
}

// mergeSorted returns the sorted union of a and b without duplicates (nil
// when empty: the record omits it).
func mergeSorted(a, b []string) []string {
	out := uniqueSorted(append(append([]string(nil), a...), b...))
	if len(out) == 0 {
		return nil
	}
	return out
}

// UnitSpan is a stretch of an item's (or unit's) custody spent inside a
// unit: from the unit's event that took it in to the one that let it out
// (0: still inside). The unit's events in between are part of its custody.
type UnitSpan struct {
	Unit     string
	From, To uint64
}

// UnitSpans reads the spans from an item's own history.
func UnitSpans(events []CustodyEvent) []UnitSpan {
	var out []UnitSpan
	for _, ev := range events {
		if ev.Unit == "" || ev.Unit == ev.Item {
			continue
		}
		switch ev.Type {
		case EventPacked:
			out = append(out, UnitSpan{Unit: ev.Unit, From: ev.UnitSeq})
		case EventUnpacked:
			if n := len(out); n > 0 && out[n-1].Unit == ev.Unit && out[n-1].To == 0 {
				out[n-1].To = ev.UnitSeq
			}
		}
	}
	return out
}
