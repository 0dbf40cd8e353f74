package domain

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"
)

// This file is the one decision of what may happen to an item: the chaincode
// calls Decide for every custody act on every item of a transaction and
// writes exactly Decision.Writes; prov verify replays Decide over an item's
// history and checks each committed transaction against the decision.
//
// What a verifier can rebuild from an item's custody history (its events,
// read in sequence order) alone, deriving everything from EARLIER events and
// never from the event under check:
//
//   - CustodyState.Item's Owner, Manufacturer, Status, OfferedTo, OfferSeq
//     (REGISTERED.To is the manufacturer and first owner; ACCEPTED.To the new
//     owner; OFFERED.To the recipient and its Seq the open offer; NextStatus
//     the status), Seq and LastEventAt (the previous event's Timestamp);
//   - Hold (HELD: By = To, Reason = Details; RELEASED removes it), the
//     item-scope recall (RECALLED: By = From, RECALL_WITHDRAWN removes it) and
//     the open Offer (OFFERED: From, To, Seq, At = Timestamp, ExpiresAt from
//     Details "expires=...");
//   - Request.Actor's MSP and ID (the transaction creator's certificate: MSP ID
//     and cid-style ID), Role (the certificate's prov.role attribute, which
//     the chaincode requires to equal the MSP's role) and Admin (NodeOU admin
//     in the certificate), TxID and Now (the event's Timestamp = the
//     transaction's timestamp).
//
// What it cannot rebuild from the history alone: lot and GTIN recalls (they
// write no item event: read the recall keys), Request.Brand (the prefix
// keys), Request.Roles (the orgroles key), and whether a majority vote really
// passed (Authority ByMajority: the event's Details name the vote).

// Act is a custody act on one item.
type Act string

// Custody acts.
const (
	ActRegister       Act = "register"
	ActOffer          Act = "offer"
	ActAccept         Act = "accept"
	ActReject         Act = "reject"
	ActCancel         Act = "cancel"
	ActReportStolen   Act = "report-stolen"
	ActDecommission   Act = "decommission"
	ActHold           Act = "hold"
	ActRelease        Act = "release"
	ActRecallItem     Act = "recall"
	ActWithdrawRecall Act = "withdraw-recall"
	// ActHandOver: the successor a majority named for a removed organization
	// (Request.From) takes over its item (by the removal proposal: ByMajority).
	ActHandOver Act = "hand-over"
	// Logistic units (units.go): ActCreateUnit makes a unit record,
	// ActFill / ActEmpty count contents into / out of it, ActPack /
	// ActUnpack put an item or unit into / take it out of Request.Unit.
	ActCreateUnit Act = "create-unit"
	ActFill       Act = "fill"
	ActEmpty      Act = "empty"
	ActPack       Act = "pack"
	ActUnpack     Act = "unpack"
)

// Authority is what entitles the actor to the act.
type Authority string

// Authorities. ByExpiredOffer is never an input: Decide reports it (in
// Decision.Authority) when an owner's cancel comes after the offer expired.
const (
	ByOwnRight     Authority = "own"
	ByExpiredOffer Authority = "expired-offer"
	ByMajority     Authority = "majority" // a majority vote passed (cancel offer, release hold, withdraw recall)
)

// Actor is the verified submitter of a transaction.
type Actor struct {
	MSP   string
	ID    string
	Name  string // certificate subject CN, for messages
	Role  Role
	Admin bool
}

// CustodyState is one item as a transaction sees it before the act.
type CustodyState struct {
	ID          ItemID
	Item        *Item    // nil when not registered (overlay fields ignored)
	Seq         uint64   // last custody event's sequence
	LastEventAt string   // last custody event's timestamp, "" when none
	Hold        *Hold    // the customs hold, nil when none
	Recalls     []Recall // recalls that apply, broadest first (gtin, lot, item scope)
	Offer       *Offer   // the open offer (the key Item.OfferSeq names), nil when none or unknown
	Packed      *Packing // the unit it is inside (its ObjPacked key), nil when loose
}

// ItemRecall returns the item-scope recall, nil when none.
func (s *CustodyState) ItemRecall() *Recall {
	for i := range s.Recalls {
		if s.Recalls[i].Scope == RecallScopeItem {
			return &s.Recalls[i]
		}
	}
	return nil
}

// Recall scopes.
const (
	RecallScopeItem = "item"
	RecallScopeLot  = "lot"
	RecallScopeGTIN = "gtin"
)

// Request is an act with its actor and parameters.
type Request struct {
	Act       Act
	Actor     Actor
	Authority Authority // "" means ByOwnRight
	Vote      string    // the passed vote's reference, for ByMajority
	Roles     []OrgRole // the ledger's org roles
	TxID      string
	Now       string // the transaction's timestamp (RFC 3339, UTC)
	To        string // offer recipient
	From      string // the removed organization whose item is handed over (ActHandOver)
	Reason    string // decommission, hold or recall reason
	Note      string // free text stored on the event (CustodyEvent.Note)
	OfferTTL  int64  // offer expiry in seconds; 0 means DefaultOfferTTL
	// Brand is the MSP that owns the item's brand: the owner of its GTIN's
	// active company prefix ("" when none). It may recall the item, and a
	// recalled item may still be offered to it.
	Brand string
	// BrandPrefix names the company prefix Brand owns, for messages.
	BrandPrefix string
	// New is the item to register (ActRegister): ID, GTIN, Serial, Lot,
	// Expiry, Description; the rest is filled by Decide.
	New *Item
	// Unit is the container of ActPack / ActUnpack; Count, Depth and Lots
	// are what ActFill / ActEmpty add to or remove from a unit (see
	// DecidePack).
	Unit  *UnitRef
	Count int
	Depth int
	Lots  []string
}

// KeyKind names a kind of ledger key.
type KeyKind string

// Key kinds a custody decision writes.
const (
	KeyItem    KeyKind = "item"
	KeyIndex   KeyKind = "index"
	KeyHold    KeyKind = "hold"
	KeyRecall  KeyKind = "recall"
	KeyOffer   KeyKind = "offer"
	KeyEvent   KeyKind = "event"
	KeyCounter KeyKind = "seq"
	// KeySighting is an inspection's own key; no custody decision writes it.
	KeySighting KeyKind = "sighting"
	// KeyPacked is an item's or unit's packing key (units.go).
	KeyPacked KeyKind = "packed"
)

// KeyPolicy is a key-level (state-based) endorsement policy: the peers of
// every org in AllOf, or, when Orgs is set, alternatively Threshold of the
// peers of Orgs (a majority override). The chaincode builds it as a
// SignaturePolicyEnvelope: AND(AllOf...) or OutOf(1, AND(AllOf...),
// OutOf(Threshold, Orgs...)).
type KeyPolicy struct {
	AllOf     []string `json:"allOf"`
	Orgs      []string `json:"orgs,omitempty"`
	Threshold int      `json:"threshold,omitempty"`
	// AndMajority makes the majority of Orgs required as well as AllOf
	// (AND(AND(AllOf), OutOf(Threshold, Orgs))) instead of an alternative.
	AndMajority bool `json:"andMajority,omitempty"`
	// Sealed is a policy no endorsement satisfies (OutOf(1) of no
	// principal): the key, once written, can never be written, deleted or
	// given another policy again. The other fields are empty.
	Sealed bool `json:"sealed,omitempty"`
}

// SealedPolicy is the policy of a key written once (KeyPolicy.Sealed).
func SealedPolicy() KeyPolicy { return KeyPolicy{Sealed: true} }

// Encoded returns the form in which an AndMajority policy is written as a
// signature policy. Fabric's evaluation consumes each signature once, so
// "AND(A, B) AND 2 of (A, B, C)" written literally would need four distinct
// endorsers; its equivalent counts the AllOf orgs towards the majority:
// AND(AllOf) AND (Threshold - |AllOf in Orgs|) of (Orgs without AllOf), or
// just AND(AllOf) when they already make the majority. Other policies are
// returned as they are.
func (p KeyPolicy) Encoded() KeyPolicy {
	if !p.AndMajority || p.Sealed {
		return p
	}
	all := uniqueSorted(p.AllOf)
	var rest []string
	need := p.Threshold
	for _, o := range uniqueSorted(p.Orgs) {
		if contains(all, o) {
			need--
		} else {
			rest = append(rest, o)
		}
	}
	if need <= 0 || len(rest) == 0 {
		return KeyPolicy{AllOf: all}
	}
	return KeyPolicy{AllOf: all, Orgs: rest, Threshold: need, AndMajority: true}
}

// SatisfiedBy reports whether endorsements by these orgs' peers satisfy p.
func (p KeyPolicy) SatisfiedBy(endorsers []string) bool {
	if p.Sealed {
		return false
	}
	have := uniqueSorted(endorsers)
	all := len(p.AllOf) > 0
	for _, o := range p.AllOf {
		all = all && contains(have, o)
	}
	n := 0
	for _, o := range p.Orgs {
		if contains(have, o) {
			n++
		}
	}
	maj := len(p.Orgs) > 0 && n >= p.Threshold
	if p.AndMajority {
		return all && maj
	}
	return all || maj
}

// String renders the policy, e.g. "AND(CustomsMSP.peer) OR 2 of 3".
func (p KeyPolicy) String() string {
	if p.Sealed {
		return "sealed (written once)"
	}
	s := Policy{AllOf: p.AllOf}.String()
	if len(p.Orgs) > 0 {
		op := " OR "
		if p.AndMajority {
			op = " AND "
		}
		s += fmt.Sprintf("%s%d of (%s)", op, p.Threshold, strings.Join(p.Orgs, ", "))
	}
	return s
}

// KeyWrite is one write of a decision: the key, its new value (or a
// delete), and the key-level policy the key carries afterwards.
type KeyWrite struct {
	Kind   KeyKind
	Key    string
	Value  []byte
	Delete bool
	// Policy is the key's key-level policy after the write (nil: none).
	// SetPolicy says whether this write sets it (a new key, or a change);
	// otherwise the committed policy is kept.
	Policy    *KeyPolicy
	SetPolicy bool
	// Earlier is the policy chaincode before the current custody rules set
	// with this write (nil: the same as Policy); prov verify accepts it in
	// transactions of that chaincode. The chaincode never writes it.
	Earlier *KeyPolicy
}

// Decision is what an allowed act does to an item.
type Decision struct {
	Event     CustodyEvent
	Authority Authority // what entitled the act (ByExpiredOffer for a cancel after expiry)
	Item      *Item     // the item record afterwards (written when ItemWritten)
	// ItemWritten says whether the item key is written.
	ItemWritten bool
	Hold        *Hold    // the hold afterwards (nil: none)
	Recall      *Recall  // the item-scope recall written, nil when none is
	Offer       *Offer   // the offer record written, nil when the offer key is not written
	Packed      *Packing // the packing afterwards (nil: loose)
	Writes      []KeyWrite
	// Endorsement is what the transaction needs from endorsers for this
	// item: the policies, before the write, of every existing key it writes
	// with a key-level policy, and the chaincode-level MAJORITY for new keys
	// and keys without one (every decision appends a new event key).
	Endorsement Policy
}

// Decide applies a custody act to one item. It returns a refusal
// (*Error, naming the item) or the decision. It is pure: the same state and
// request always give the same decision, byte for byte.
func Decide(s CustodyState, r Request) (*Decision, *Error) {
	key := s.ID.Key()
	if r.Authority == "" {
		r.Authority = ByOwnRight
	}
	if r.Act == ActRegister {
		return decideRegister(s, r)
	}
	if r.Act == ActCreateUnit {
		return decideCreateUnit(s, r)
	}
	if r.Act == ActRecallItem {
		// The recall right does not depend on the item (nor on who holds it).
		if err := mayRecall(key, r); err != nil {
			return nil, err
		}
	}
	if s.Item == nil {
		return nil, Errorf(CodeNotFound, "item %s is not registered", key)
	}
	now, err := ParseTimestamp(r.Now)
	if err != nil {
		return nil, Errorf(CodeInvalidArgument, "item %s: transaction %s", key, err.(*Error).Msg)
	}
	if s.LastEventAt != "" {
		if last, err := ParseTimestamp(s.LastEventAt); err == nil && now < last-EventTimeTolerance*nanosPerSecond {
			return nil, Errorf(CodeBackdated, "item %s: transaction time %s is before its last custody event (%s) by more than %d s",
				key, r.Now, s.LastEventAt, EventTimeTolerance)
		}
	}
	if s.Packed != nil && !actOnPacked(r.Act) {
		return nil, Errorf(CodePacked, "%s is packed in unit %s; act on the unit, or unpack it first", key, s.Packed.Unit)
	}
	if r.Authority == ByMajority && r.Act != ActCancel && r.Act != ActRelease && r.Act != ActWithdrawRecall && r.Act != ActHandOver {
		return nil, Errorf(CodeInvalidArgument, "item %s: %s cannot be decided by a majority vote", key, r.Act)
	}
	if err := ValidateText("note", r.Note, false, MaxNoteLen); err != nil {
		return nil, Errorf(CodeInvalidArgument, "item %s: %s", key, err.(*Error).Msg)
	}
	it := s.Item
	b := newBuilder(s, r)
	switch r.Act {
	case ActOffer:
		if it.Owner != r.Actor.MSP {
			return nil, notOwnerErr(key, it)
		}
		if r.To == r.Actor.MSP {
			return nil, Errorf(CodeSelfTransfer, "%s cannot offer item %s to itself", r.Actor.MSP, key)
		}
		if roleIn(r.Roles, r.To) == "" {
			return nil, Errorf(CodeUnknownOrg, "recipient %q of item %s has no role on the ledger", r.To, key)
		}
		next, err := NextStatus(key, it.Status, EventOffered)
		if err != nil {
			return nil, err.(*Error)
		}
		if rc := s.broadestRecall(); rc != nil && !mayTakeRecalled(r, it) {
			return nil, Errorf(CodeRecalled, "item %s is recalled (%s scope, by %s: %s); it may only be offered to its brand owner %s or a customs org",
				key, rc.Scope, rc.By, rc.Reason, orDash(brandOf(r, it)))
		}
		if s.Hold != nil {
			return nil, onHoldErr(key, s.Hold)
		}
		ttl := r.OfferTTL
		if ttl == 0 {
			ttl = DefaultOfferTTL
		}
		if ttl < MinOfferTTL || ttl > MaxOfferTTL {
			return nil, Errorf(CodeInvalidArgument, "item %s: offer expiry %d s is outside %d to %d", key, ttl, MinOfferTTL, MaxOfferTTL)
		}
		seq := s.Seq + 1
		o := &Offer{Item: key, Seq: seq, From: it.Owner, To: r.To, TxID: r.TxID, At: r.Now,
			ExpiresAt: FormatTimestamp(now + ttl*nanosPerSecond)}
		b.event(EventOffered, it.Owner, r.To, "expires="+o.ExpiresAt)
		n := b.moved(next)
		n.OfferedTo, n.OfferSeq = r.To, seq
		b.putItem(n)
		b.putOffer(o, true)
	case ActAccept, ActReject:
		ev := EventAccepted
		if r.Act == ActReject {
			ev = EventRejected
		}
		next, err := NextStatus(key, it.Status, ev)
		if err != nil {
			return nil, err.(*Error)
		}
		if it.OfferedTo != r.Actor.MSP {
			return nil, Errorf(CodeNotRecipient, "item %s is offered to %s, not %s", key, it.OfferedTo, r.Actor.MSP)
		}
		if ev == EventAccepted {
			if s.Hold != nil {
				return nil, onHoldErr(key, s.Hold)
			}
			if s.offerExpired(now) {
				return nil, Errorf(CodeInvalidTransition, "item %s: the offer to %s expired at %s; only its owner %s can cancel it now",
					key, it.OfferedTo, s.Offer.ExpiresAt, it.Owner)
			}
		}
		b.event(ev, it.Owner, r.Actor.MSP, "")
		n := b.moved(next)
		if ev == EventAccepted {
			n.Owner = r.Actor.MSP
		}
		n.OfferedTo, n.OfferSeq = "", 0
		b.putItem(n)
		b.closeOffer(ev)
	case ActCancel:
		if r.Authority == ByOwnRight && it.Owner != r.Actor.MSP {
			return nil, notOwnerErr(key, it)
		}
		next, err := NextStatus(key, it.Status, EventCancelled)
		if err != nil {
			return nil, err.(*Error)
		}
		details := ""
		switch {
		case r.Authority == ByMajority:
			details = "majority vote " + r.Vote
		case s.offerExpired(now):
			b.d.Authority = ByExpiredOffer
			details = "offer expired at " + s.Offer.ExpiresAt
		}
		b.event(EventCancelled, it.Owner, it.OfferedTo, details)
		n := b.moved(next)
		n.OfferedTo, n.OfferSeq = "", 0
		b.putItem(n)
		if b.d.Authority == ByOwnRight {
			// Before expiry the recipient consents: the offer key (its policy) is written.
			b.closeOffer(EventCancelled)
		}
	case ActReportStolen:
		if it.Owner != r.Actor.MSP {
			return nil, notOwnerErr(key, it)
		}
		next, err := NextStatus(key, it.Status, EventStolen)
		if err != nil {
			return nil, err.(*Error)
		}
		if s.Hold != nil {
			return nil, onHoldErr(key, s.Hold)
		}
		b.event(EventStolen, it.Owner, it.OfferedTo, "")
		n := b.moved(next)
		n.OfferedTo, n.OfferSeq = "", 0
		b.putItem(n)
	case ActCreateUnit, ActFill, ActEmpty, ActPack, ActUnpack:
		if err := decideUnitAct(b, s, r); err != nil {
			return nil, err
		}
	case ActDecommission:
		if s.ID.IsUnit() {
			return nil, Errorf(CodeInvalidArgument, "unit %s is not decommissioned: unpack its contents and decommission those", key)
		}
		if it.Owner != r.Actor.MSP {
			return nil, notOwnerErr(key, it)
		}
		next, err := NextStatus(key, it.Status, EventDecommissioned)
		if err != nil {
			return nil, err.(*Error)
		}
		if s.Hold != nil {
			return nil, onHoldErr(key, s.Hold)
		}
		if err := ValidateDecommissionReason(r.Reason); err != nil {
			return nil, err.(*Error)
		}
		b.event(EventDecommissioned, it.Owner, "", r.Reason)
		n := b.moved(next)
		n.Reason = r.Reason
		b.putItem(n)
	case ActHold:
		if r.Actor.Role != RoleCustoms {
			return nil, Errorf(CodeWrongRole, "hold of item %s needs the customs role; %s is %s", key, r.Actor.MSP, r.Actor.Role)
		}
		if s.Hold != nil {
			return nil, Errorf(CodeOnHold, "item %s is already on hold by %s", key, s.Hold.By)
		}
		if strings.TrimSpace(r.Reason) == "" {
			return nil, Errorf(CodeInvalidArgument, "hold of item %s needs a reason", key)
		}
		b.event(EventHeld, "", r.Actor.MSP, r.Reason)
		b.putHold(&Hold{By: r.Actor.MSP, Reason: r.Reason, TxID: r.TxID, At: r.Now})
	case ActRelease:
		if s.Hold == nil {
			return nil, Errorf(CodeInvalidTransition, "item %s is not on hold", key)
		}
		details := ""
		if r.Authority == ByOwnRight {
			if r.Actor.Role != RoleCustoms {
				return nil, Errorf(CodeWrongRole, "release of item %s needs the customs role; %s is %s", key, r.Actor.MSP, r.Actor.Role)
			}
			if s.Hold.By != r.Actor.MSP {
				return nil, Errorf(CodeNotOwner, "the hold on item %s was placed by %s", key, s.Hold.By)
			}
		} else {
			details = "majority vote " + r.Vote
		}
		b.event(EventReleased, s.Hold.By, "", details)
		b.deleteHold()
	case ActRecallItem:
		if err := mayRecall(key, r); err != nil {
			return nil, err
		}
		if rc := s.ItemRecall(); rc != nil {
			return nil, Errorf(CodeAlreadyExists, "item %s is already recalled (by %s)", key, rc.By)
		}
		if strings.TrimSpace(r.Reason) == "" {
			return nil, Errorf(CodeInvalidArgument, "recall of item %s needs a reason", key)
		}
		b.event(EventRecalled, r.Actor.MSP, "", r.Reason)
		b.putRecall(&Recall{Scope: RecallScopeItem, By: r.Actor.MSP, Reason: r.Reason, TxID: r.TxID, At: r.Now})
	case ActWithdrawRecall:
		rc := s.ItemRecall()
		if rc == nil {
			return nil, Errorf(CodeNotFound, "item %s has no item recall to withdraw", key)
		}
		details := ""
		if r.Authority == ByOwnRight {
			if err := mayWithdraw(key, rc, r.Actor); err != nil {
				return nil, err
			}
		} else {
			details = "majority vote " + r.Vote
		}
		b.event(EventRecallWithdrawn, rc.By, "", details)
		b.deleteRecall(rc)
	case ActHandOver:
		if r.Authority != ByMajority {
			return nil, Errorf(CodeInvalidArgument, "item %s: a hand-over needs the majority's removal of its owner", key)
		}
		if it.Owner != r.From {
			return nil, Errorf(CodeNotOwner, "item %s is held by %s, not by the removed %s", key, it.Owner, r.From)
		}
		next, err := NextStatus(key, it.Status, EventHandedOver)
		if err != nil {
			return nil, err.(*Error)
		}
		b.event(EventHandedOver, r.From, r.Actor.MSP, "removal of "+r.From+" by proposal "+r.Vote)
		n := b.moved(next)
		n.Owner = r.Actor.MSP
		b.putItem(n)
	default:
		return nil, Errorf(CodeInvalidArgument, "item %s: unknown custody act %q", key, r.Act)
	}
	return b.finish(), nil
}

func decideRegister(s CustodyState, r Request) (*Decision, *Error) {
	key := s.ID.Key()
	if s.Item != nil {
		return nil, Errorf(CodeAlreadyExists, "item %s is already registered (by %s)", key, s.Item.Manufacturer)
	}
	if r.Actor.Role != RoleManufacturer {
		return nil, Errorf(CodeWrongRole, "registration of item %s needs the manufacturer role; %s is %s", key, r.Actor.MSP, r.Actor.Role)
	}
	if r.New == nil || r.New.GTIN != s.ID.GTIN || r.New.Serial != s.ID.Serial {
		return nil, Errorf(CodeInvalidArgument, "item %s: registration record does not match the item", key)
	}
	b := newBuilder(s, r)
	b.event(EventRegistered, "", r.Actor.MSP, "")
	n := *r.New
	n.ID = key
	n.Manufacturer, n.Owner, n.Status = r.Actor.MSP, r.Actor.MSP, StatusActive
	n.OfferedTo, n.OfferSeq, n.Reason = "", 0, ""
	b.stamp(&n)
	b.putItem(&n)
	return b.finish(), nil
}

// After returns the state an item is in after decision d: the next event's
// starting point when a verifier replays a history (or the chaincode decides
// a second act on the same item).
func (s CustodyState) After(d *Decision) CustodyState {
	n := s
	n.Seq, n.LastEventAt = d.Event.Seq, d.Event.Timestamp
	if d.ItemWritten {
		it := *d.Item
		n.Item = &it
	}
	n.Hold = d.Hold
	n.Packed = d.Packed
	if d.Event.Type == EventRecalled || d.Event.Type == EventRecallWithdrawn {
		var rs []Recall
		for _, rc := range s.Recalls {
			if rc.Scope != RecallScopeItem {
				rs = append(rs, rc)
			}
		}
		if d.Recall != nil {
			rs = append(rs, *d.Recall)
		}
		n.Recalls = rs
	}
	switch {
	case d.Event.Type == EventOffered:
		n.Offer = d.Offer
	case d.ItemWritten && d.Item.OfferSeq == 0:
		n.Offer = nil
	}
	return n
}

func (s *CustodyState) broadestRecall() *Recall {
	if len(s.Recalls) == 0 {
		return nil
	}
	return &s.Recalls[0]
}

// offerExpired reports whether the open offer expired at or before now. An
// unknown offer (none recorded) never expires.
func (s *CustodyState) offerExpired(now int64) bool {
	if s.Offer == nil || s.Offer.ExpiresAt == "" {
		return false
	}
	exp, err := ParseTimestamp(s.Offer.ExpiresAt)
	return err == nil && now >= exp
}

// mayTakeRecalled: a recalled item may still go back to its brand owner
// (the prefix owner, or the manufacturer that registered it) or to a customs
// org for destruction.
func mayTakeRecalled(r Request, it *Item) bool {
	return r.To == it.Manufacturer || (r.Brand != "" && r.To == r.Brand) || roleIn(r.Roles, r.To) == RoleCustoms
}

func brandOf(r Request, it *Item) string {
	if r.Brand != "" {
		return r.Brand
	}
	return it.Manufacturer
}

// mayRecall: only an admin of the brand owner (the GTIN's active prefix
// owner) recalls.
func mayRecall(what string, r Request) *Error {
	if r.Brand == "" {
		return Errorf(CodePrefixNotActive, "%s: its GTIN has no active company prefix; only a prefix owner may recall", what)
	}
	if r.Actor.MSP != r.Brand {
		return Errorf(CodeNotOwner, "%s: company prefix %s is owned by %s; only it may recall, not %s", what, orDash(r.BrandPrefix), r.Brand, r.Actor.MSP)
	}
	if !r.Actor.Admin {
		return Errorf(CodeNotAdmin, "recall of %s needs an admin of %s; %s is not one", what, r.Brand, actorName(r.Actor))
	}
	return nil
}

func mayWithdraw(what string, rc *Recall, a Actor) *Error {
	if a.MSP != rc.By {
		return Errorf(CodeNotOwner, "the recall of %s was issued by %s; %s may withdraw it only by a majority vote", what, rc.By, a.MSP)
	}
	if !a.Admin {
		return Errorf(CodeNotAdmin, "withdrawal of the recall of %s needs an admin of %s; %s is not one", what, rc.By, actorName(a))
	}
	return nil
}

// ScopeRecallDecision is a lot or GTIN recall or its withdrawal: one recall
// key, no item event (a GTIN may have millions of items).
type ScopeRecallDecision struct {
	Recall *Recall // written; nil for a withdrawal (the key is deleted)
	Write  KeyWrite
	// Endorsement needed: the chaincode MAJORITY for a new recall; for a
	// withdrawal, the recall key's policy (its issuer, or a majority).
	Endorsement KeyPolicy
}

// DecideScopeRecall decides a lot (lot != "") or GTIN recall, or with
// withdraw its withdrawal; existing is the recall on that key (nil: none).
func DecideScopeRecall(gtin, lot string, existing *Recall, withdraw bool, r Request) (*ScopeRecallDecision, *Error) {
	scope, what, k := RecallScopeGTIN, "01/"+gtin, RecallGTINKey(gtin)
	if lot != "" {
		scope, what, k = RecallScopeLot, "01/"+gtin+"/10/"+lot, RecallLotKey(gtin, lot)
	}
	maj := majorityOf(r.Roles)
	if withdraw {
		if existing == nil {
			return nil, Errorf(CodeNotFound, "%s is not recalled", what)
		}
		if r.Authority != ByMajority {
			if err := mayWithdraw(what, existing, r.Actor); err != nil {
				return nil, err
			}
		}
		return &ScopeRecallDecision{Write: KeyWrite{Kind: KeyRecall, Key: k, Delete: true},
			Endorsement: recallPolicy(existing.By, maj)}, nil
	}
	if r.Authority == ByMajority {
		return nil, Errorf(CodeInvalidArgument, "a recall of %s cannot be decided by a majority vote", what)
	}
	if err := mayRecall(what, r); err != nil {
		return nil, err
	}
	if existing != nil {
		return nil, Errorf(CodeAlreadyExists, "%s is already recalled (by %s)", what, existing.By)
	}
	if strings.TrimSpace(r.Reason) == "" {
		return nil, Errorf(CodeInvalidArgument, "recall of %s needs a reason", what)
	}
	rc := &Recall{Scope: scope, By: r.Actor.MSP, Reason: r.Reason, TxID: r.TxID, At: r.Now}
	p := recallPolicy(rc.By, maj)
	return &ScopeRecallDecision{Recall: rc, Write: KeyWrite{Kind: KeyRecall, Key: k, Value: mustMarshal(rc), Policy: &p, SetPolicy: true},
		Endorsement: KeyPolicy{Orgs: maj.Orgs, Threshold: maj.Threshold}}, nil
}

// HoldPolicy is a hold key's policy: the holding customs org's peers, or a
// majority of the role orgs (a majority vote can lift a hold whose customs
// org is gone).
func HoldPolicy(customs string, roles []OrgRole) KeyPolicy {
	maj := majorityOf(roles)
	return KeyPolicy{AllOf: []string{customs}, Orgs: maj.Orgs, Threshold: maj.Threshold}
}

func recallPolicy(issuer string, maj Policy) KeyPolicy {
	return KeyPolicy{AllOf: []string{issuer}, Orgs: maj.Orgs, Threshold: maj.Threshold}
}

// An event key is sealed when it is created (SealedPolicy): custody events
// are written once, and no endorsement, not even of every org, can rewrite
// or delete one. The peers enforce it at validation, whatever chaincode the
// endorsers run. Chaincode before this rule gave event keys earlierEventPolicy:
// the writer's org and the item's owner before and after the event, AND a
// majority of the role orgs. That let a colluding majority that had set an
// item's counter back (the counter has no key-level policy) trick the owner's
// next act into overwriting the last event with the parties' own
// endorsements (test/trust TestColludingMajority/CounterSetBack).

// earlierEventPolicy is the policy chaincode before sealed events gave an
// event key; prov verify still accepts it for the transactions it wrote.
func earlierEventPolicy(ev CustodyEvent, ownerBefore, ownerAfter string, roles []OrgRole) KeyPolicy {
	maj := majorityOf(roles)
	return KeyPolicy{AllOf: uniqueSorted([]string{ev.SubmitterMSP, ownerBefore, ownerAfter}),
		Orgs: maj.Orgs, Threshold: maj.Threshold, AndMajority: true}
}

// builder assembles a decision.
type builder struct {
	s CustodyState
	r Request
	d Decision
	// endorsement pieces
	allOf []string
}

func newBuilder(s CustodyState, r Request) *builder {
	return &builder{s: s, r: r, d: Decision{Authority: r.Authority, Hold: s.Hold, Packed: s.Packed}}
}

func (b *builder) event(typ EventType, from, to, details string) {
	b.d.Event = CustodyEvent{Item: b.s.ID.Key(), Seq: b.s.Seq + 1, Type: typ, From: from, To: to,
		SubmitterMSP: b.r.Actor.MSP, SubmitterID: b.r.Actor.ID, TxID: b.r.TxID, Timestamp: b.r.Now, Details: details, Note: b.r.Note}
}

func (b *builder) stamp(it *Item) {
	it.Seq = b.d.Event.Seq
	it.UpdatedTx, it.UpdatedAt = b.r.TxID, b.r.Now
	it.Hold, it.Recall, it.Offer, it.LastEventAt = nil, nil, nil, ""
}

// moved copies the item into status next, stamped.
func (b *builder) moved(next Status) *Item {
	n := *b.s.Item
	n.Status = next
	b.stamp(&n)
	return &n
}

func (b *builder) putItem(n *Item) {
	b.d.Item, b.d.ItemWritten = n, true
	old := b.s.Item
	pol := KeyPolicy{AllOf: []string{n.Owner}}
	set := old == nil || !sameOrgs(itemPolicyOf(old), pol.AllOf)
	if old != nil {
		b.allOf = append(b.allOf, itemPolicyOf(old)...)
	}
	b.d.Writes = append(b.d.Writes, KeyWrite{Kind: KeyItem, Key: ItemKey(b.s.ID), Value: mustMarshal(n), Policy: &pol, SetPolicy: set})
	no, ng, ns, nt, _ := IndexKeys(n)
	var oo, og, os, ot string
	if old != nil {
		oo, og, os, ot, _ = IndexKeys(old)
	}
	for _, pair := range [][2]string{{oo, no}, {og, ng}, {os, ns}, {ot, nt}} {
		if pair[0] == pair[1] {
			continue
		}
		if pair[0] != "" {
			b.d.Writes = append(b.d.Writes, KeyWrite{Kind: KeyIndex, Key: pair[0], Delete: true})
		}
		if pair[1] != "" {
			b.d.Writes = append(b.d.Writes, KeyWrite{Kind: KeyIndex, Key: pair[1], Value: []byte{0}})
		}
	}
}

// itemPolicyOf is the key-level policy an item key carries: its owner's
// peers (an offer no longer adds the recipient; the offer key does).
func itemPolicyOf(it *Item) []string { return []string{it.Owner} }

func (b *builder) putOffer(o *Offer, isNew bool) {
	b.d.Offer = o
	pol := KeyPolicy{AllOf: []string{o.To}}
	if !isNew {
		b.allOf = append(b.allOf, o.To)
	}
	b.d.Writes = append(b.d.Writes, KeyWrite{Kind: KeyOffer, Key: OfferKey(b.s.ID, o.Seq), Value: mustMarshal(o), Policy: &pol, SetPolicy: isNew})
}

// closeOffer writes the open offer's key with its outcome: the recipient's
// peers must endorse. Without a recorded offer (an item offered before offer
// keys existed) the key of the item's OfferSeq cannot be named and nothing is
// written.
func (b *builder) closeOffer(outcome EventType) {
	if b.s.Offer == nil {
		return
	}
	o := *b.s.Offer
	o.Outcome, o.EndTx = outcome, b.r.TxID
	b.putOffer(&o, false)
}

func (b *builder) putHold(h *Hold) {
	b.d.Hold = h
	pol := HoldPolicy(h.By, b.r.Roles)
	b.d.Writes = append(b.d.Writes, KeyWrite{Kind: KeyHold, Key: HoldKey(b.s.ID), Value: mustMarshal(h), Policy: &pol, SetPolicy: true},
		KeyWrite{Kind: KeyIndex, Key: HeldIndexKey(h.By, b.s.ID), Value: []byte{0}})
}

func (b *builder) deleteHold() {
	pol := HoldPolicy(b.s.Hold.By, b.r.Roles)
	b.d.Hold = nil
	b.d.Writes = append(b.d.Writes, KeyWrite{Kind: KeyHold, Key: HoldKey(b.s.ID), Delete: true, Policy: &pol},
		KeyWrite{Kind: KeyIndex, Key: HeldIndexKey(b.s.Hold.By, b.s.ID), Delete: true})
}

func (b *builder) putRecall(rc *Recall) {
	b.d.Recall = rc
	pol := recallPolicy(rc.By, majorityOf(b.r.Roles))
	b.d.Writes = append(b.d.Writes, KeyWrite{Kind: KeyRecall, Key: RecallItemKey(b.s.ID), Value: mustMarshal(rc), Policy: &pol, SetPolicy: true})
}

func (b *builder) deleteRecall(rc *Recall) {
	pol := recallPolicy(rc.By, majorityOf(b.r.Roles))
	b.d.Writes = append(b.d.Writes, KeyWrite{Kind: KeyRecall, Key: RecallItemKey(b.s.ID), Delete: true, Policy: &pol})
}

func (b *builder) finish() *Decision {
	ev := b.d.Event
	ownerBefore, ownerAfter := "", ""
	if b.s.Item != nil {
		ownerBefore, ownerAfter = b.s.Item.Owner, b.s.Item.Owner
	}
	if b.d.ItemWritten {
		ownerAfter = b.d.Item.Owner
	}
	sealed, earlier := SealedPolicy(), earlierEventPolicy(ev, ownerBefore, ownerAfter, b.r.Roles)
	b.d.Writes = append(b.d.Writes,
		KeyWrite{Kind: KeyEvent, Key: EventKey(b.s.ID, ev.Seq), Value: mustMarshal(ev), Policy: &sealed, SetPolicy: true, Earlier: &earlier},
		KeyWrite{Kind: KeyCounter, Key: CounterKey(b.s.ID), Value: EncodeCounter(ev.Seq, ev.Timestamp)})
	// Existing keys with an AND policy (item: owner; open offer: recipient)
	// need those orgs; hold and recall policies (issuer OR majority) and
	// every new key or key without a policy are met by the MAJORITY.
	b.d.Endorsement = withMajority(b.allOf, b.r.Roles)
	return &b.d
}

func majorityOf(roles []OrgRole) Policy { return withMajority(nil, roles) }

func roleIn(roles []OrgRole, msp string) Role {
	for _, r := range roles {
		if r.MSP == msp {
			return r.Role
		}
	}
	return ""
}

func notOwnerErr(key string, it *Item) *Error {
	return Errorf(CodeNotOwner, "item %s is held by %s", key, it.Owner)
}

func onHoldErr(key string, h *Hold) *Error {
	return Errorf(CodeOnHold, "item %s is on hold by %s: %s", key, h.By, h.Reason)
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

func actorName(a Actor) string {
	if a.Name != "" {
		return a.Name + " of " + a.MSP
	}
	return "the submitter of " + a.MSP
}

func sameOrgs(a, b []string) bool {
	x, y := uniqueSorted(a), uniqueSorted(b)
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

// Marshal is the ledger's JSON encoding of a record: struct field order, no
// HTML escaping, no trailing newline. Every peer produces the same bytes.
func Marshal(v any) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, fmt.Errorf("encode %T: %w", v, err)
	}
	return bytes.TrimRight(buf.Bytes(), "\n"), nil
}

// mustMarshal encodes the ledger's own record types, which always encode.
func mustMarshal(v any) []byte {
	b, err := Marshal(v)
	if err != nil {
		return nil
	}
	return b
}
