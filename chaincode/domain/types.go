package domain

// Role is what an organization does in the supply chain. An MSP's role is
// ledger state (see OrgRole); a client's certificate carries the same role in
// its RoleAttribute.
type Role string

// The three roles of the supply chain.
const (
	RoleManufacturer Role = "manufacturer"
	RoleDistributor  Role = "distributor"
	RoleCustoms      Role = "customs"
)

// RoleAttribute is the Fabric CA attribute (registered with :ecert) that
// names a client's role in its enrollment certificate.
const RoleAttribute = "prov.role"

// Status is an item's custody status as stored on the item's own key.
// Holds and recalls live on keys of their own (see Item.Hold, Item.Recall).
type Status string

// Item statuses.
const (
	StatusActive         Status = "ACTIVE"         // held by its owner
	StatusInTransit      Status = "IN_TRANSIT"     // offered, not yet accepted or rejected
	StatusStolen         Status = "STOLEN"         // reported stolen by its owner
	StatusDecommissioned Status = "DECOMMISSIONED" // terminal
)

// EventType names a custody event.
type EventType string

// Custody event types.
const (
	EventRegistered      EventType = "REGISTERED"
	EventOffered         EventType = "OFFERED"
	EventAccepted        EventType = "ACCEPTED"
	EventRejected        EventType = "REJECTED"
	EventCancelled       EventType = "CANCELLED"
	EventRecalled        EventType = "RECALLED"
	EventStolen          EventType = "STOLEN"
	EventHeld            EventType = "HELD"
	EventReleased        EventType = "RELEASED"
	EventDecommissioned  EventType = "DECOMMISSIONED"
	EventInspected       EventType = "INSPECTED" // legacy: inspections are sightings on keys of their own now
	EventRecallWithdrawn EventType = "RECALL_WITHDRAWN"
	// EventHandedOver: the successor named by the majority that removed the
	// owner organization takes over its item (From: removed org, To: successor).
	EventHandedOver EventType = "HANDED_OVER"
	// EventPacked / EventUnpacked: on an item or unit, it went into / came
	// out of the logistic unit named by CustodyEvent.Unit; on the unit
	// itself, contents were added / removed (Details counts them).
	EventPacked   EventType = "PACKED"
	EventUnpacked EventType = "UNPACKED"
)

// OrgRole binds an MSP ID to its role; the set is written once at deployment
// by the InitOrgRoles governance transaction.
type OrgRole struct {
	MSP  string `json:"msp"`
	Role Role   `json:"role"`
}

// Item is the ledger's view of one serialized item. Field order is fixed so
// that every peer serializes it identically. (The metadata:",optional" tags
// tell contract-api that omitempty fields are not required in the return
// schema it validates results against.)
type Item struct {
	ID           string  `json:"id"` // canonical key, see ItemID.Key
	GTIN         string  `json:"gtin"`
	Serial       string  `json:"serial"`
	Lot          string  `json:"lot,omitempty" metadata:",optional"`
	Expiry       string  `json:"expiry,omitempty" metadata:",optional"` // YYMMDD (GS1 AI 17)
	Description  string  `json:"description,omitempty" metadata:",optional"`
	Manufacturer string  `json:"manufacturer"` // MSP that registered it
	Owner        string  `json:"owner"`        // MSP that holds custody
	Status       Status  `json:"status"`
	OfferedTo    string  `json:"offeredTo,omitempty" metadata:",optional"` // recipient MSP while IN_TRANSIT
	OfferSeq     uint64  `json:"offerSeq,omitempty" metadata:",optional"`  // the open offer's OFFERED event (its offer key)
	Reason       string  `json:"reason,omitempty" metadata:",optional"`    // decommission reason
	Seq          uint64  `json:"seq"`                                      // sequence of the last custody event
	UpdatedTx    string  `json:"updatedTx"`
	UpdatedAt    string  `json:"updatedAt"`                             // RFC 3339, transaction timestamp
	Hold         *Hold   `json:"hold,omitempty" metadata:",optional"`   // filled on reads from the hold key
	Recall       *Recall `json:"recall,omitempty" metadata:",optional"` // filled on reads from the recall keys
	Offer        *Offer  `json:"offer,omitempty" metadata:",optional"`  // filled on reads from the open offer's key
	// LastEventAt is the time of event Seq, filled on reads: UpdatedAt is the
	// item key's last write, which holds and recalls do not touch.
	LastEventAt string `json:"lastEventAt,omitempty" metadata:",optional"`
	// Logistic units only (ID "00/{sscc}"): how many items and units it
	// holds directly, its nesting depth (1: items only), and the recall
	// scopes of everything ever packed into it since it was last empty
	// ("01/{gtin}" or "01/{gtin}/10/{lot}", sorted), so that a lot recall
	// shows on every unit that contains the lot.
	Contents int      `json:"contents,omitempty" metadata:",optional"`
	Depth    int      `json:"depth,omitempty" metadata:",optional"`
	Lots     []string `json:"lots,omitempty" metadata:",optional"`
	// Containers is filled on reads of a packed item or unit: the units it
	// is inside, innermost first; Owner, Status, Offer and Hold are then
	// the outermost unit's (a packed item moves only with its unit).
	Containers []string `json:"containers,omitempty" metadata:",optional"`
}

// Packing records that an item or unit is inside a logistic unit, on a key
// of its own (ObjPacked) whose key-level policy, set when it is created, is
// AND(the owner of record at packing) AND a majority.
type Packing struct {
	Unit    string `json:"unit"`    // the container's key "00/{sscc}"
	UnitSeq uint64 `json:"unitSeq"` // the container's PACKED event that took it in
	Owner   string `json:"owner"`   // owner of record when packed (its item key's policy)
	TxID    string `json:"txId"`
	At      string `json:"at"`
}

// Offer is one custody offer, stored on a key of its own (item + the
// OFFERED event's sequence) whose key-level policy is the recipient's peers:
// accepting or rejecting must write it, so no one can accept or reject in the
// recipient's name. Cancel (after expiry or by a majority vote) and a stolen
// report do not write it, so the recipient cannot block them.
type Offer struct {
	Item      string `json:"item"`
	Seq       uint64 `json:"seq"` // sequence of the OFFERED event
	From      string `json:"from"`
	To        string `json:"to"`
	TxID      string `json:"txId"`
	At        string `json:"at"`
	ExpiresAt string `json:"expiresAt"`
	// Outcome is empty while the offer is open (or when it was ended without
	// the recipient: cancelled after expiry or by a majority, stolen); the
	// recipient's ACCEPTED or REJECTED, or the owner's CANCELLED with the
	// recipient's consent, otherwise.
	Outcome EventType `json:"outcome,omitempty" metadata:",optional"`
	EndTx   string    `json:"endTx,omitempty" metadata:",optional"`
}

// CounterRepair is what RepairCounter did: the item's event counter before
// and after, set to the last event key that exists.
type CounterRepair struct {
	Item  string `json:"item"`
	Was   string `json:"was"`   // the counter's value before ("{seq} {timestamp}" or "{seq}")
	Seq   uint64 `json:"seq"`   // the last event's sequence, now the counter's
	At    string `json:"at"`    // that event's timestamp, now the counter's
	TxID  string `json:"txId"`  // the repair's transaction
	ByMSP string `json:"byMsp"` // the submitter's organization
}

// Sighting is one inspection of an item or of an unregistered but
// well-formed ID (how counterfeit serials become ledger facts), stored on a
// key of its own that no custody transaction reads or writes.
type Sighting struct {
	Item        string `json:"item"` // canonical key of the inspected ID
	ReporterMSP string `json:"reporterMsp"`
	SubmitterID string `json:"submitterId"`
	GLN         string `json:"gln"`
	Result      string `json:"result"`
	Note        string `json:"note,omitempty" metadata:",optional"` // evidence reference, bounded text
	TxID        string `json:"txId"`
	At          string `json:"at"`
}

// SightingPage is one page of an item's sightings, in time order.
type SightingPage struct {
	Sightings []Sighting `json:"sightings"`
	Bookmark  string     `json:"bookmark"`
}

// Hold is a customs hold on one item, stored on a key of its own.
type Hold struct {
	By     string `json:"by"` // customs MSP
	Reason string `json:"reason"`
	TxID   string `json:"txId"`
	At     string `json:"at"`
}

// Recall is a recall by the GTIN's prefix owner, stored on its own key for an
// item, a lot or a whole GTIN.
type Recall struct {
	Scope  string `json:"scope"` // "item", "lot" or "gtin"
	By     string `json:"by"`
	Reason string `json:"reason"`
	TxID   string `json:"txId"`
	At     string `json:"at"`
}

// CustodyEvent is one immutable entry of an item's custody record, stored
// under its own key (item + sequence) and never overwritten.
type CustodyEvent struct {
	Item         string    `json:"item"`
	Seq          uint64    `json:"seq"`
	Type         EventType `json:"type"`
	From         string    `json:"from,omitempty" metadata:",optional"`
	To           string    `json:"to,omitempty" metadata:",optional"`
	SubmitterMSP string    `json:"submitterMsp"`
	SubmitterID  string    `json:"submitterId"`
	TxID         string    `json:"txId"`
	Timestamp    string    `json:"timestamp"`                              // RFC 3339 with nanoseconds
	Details      string    `json:"details,omitempty" metadata:",optional"` // reason, location/result, ...
	// Note is the submitter's free text on the act (a police reference, why
	// an offer was rejected), at most MaxNoteLen bytes; absent on older events.
	Note string `json:"note,omitempty" metadata:",optional"`
	// Unit and UnitSeq name, on an item's or unit's PACKED / UNPACKED
	// event, the container and its event of the same transaction: the
	// container's events in between are part of this item's custody.
	Unit    string `json:"unit,omitempty" metadata:",optional"`
	UnitSeq uint64 `json:"unitSeq,omitempty" metadata:",optional"`
}

// PrefixStatus is the state of a GS1 company prefix claim.
type PrefixStatus string

// Prefix claim states.
const (
	PrefixPending  PrefixStatus = "PENDING"
	PrefixActive   PrefixStatus = "ACTIVE"
	PrefixRejected PrefixStatus = "REJECTED"
	PrefixRevoked  PrefixStatus = "REVOKED"
)

// Prefix is a GS1 company prefix claim and its governance votes.
type Prefix struct {
	Prefix      string       `json:"prefix"`
	Owner       string       `json:"owner"` // claimant MSP
	Licence     string       `json:"licence"`
	Status      PrefixStatus `json:"status"`
	Approvals   []string     `json:"approvals"`                                  // MSP IDs, sorted
	Rejections  []string     `json:"rejections,omitempty" metadata:",optional"`  // MSP IDs, sorted
	Revocations []string     `json:"revocations,omitempty" metadata:",optional"` // MSP IDs, sorted
	ClaimTx     string       `json:"claimTx"`
	UpdatedAt   string       `json:"updatedAt"`
	// ExpiresAt ends a PENDING claim (whole-second RFC 3339 UTC); see
	// PrefixClaimTTLSeconds.
	ExpiresAt string `json:"expiresAt,omitempty" metadata:",optional"`
	// RevokedWith names the shorter prefix whose revocation revoked this one
	// (the same owner's longer prefix inside it).
	RevokedWith string `json:"revokedWith,omitempty" metadata:",optional"`
	// Barred lists the MSPs that lost a claim on this prefix (REJECTED or
	// REVOKED) and may not claim it, or a prefix overlapping it, until a
	// majority reopens it for them (ReopenPrefix). Sorted; kept across
	// later claims by other organizations.
	Barred []string `json:"barred,omitempty" metadata:",optional"`
	// Reopens holds the open ReopenPrefix votes, one entry per barred MSP.
	Reopens []PrefixReopen `json:"reopens,omitempty" metadata:",optional"`
	// History keeps the earlier REJECTED and REVOKED claims on this prefix,
	// oldest first, when a later claim took the record's place.
	History []PrefixClaim `json:"history,omitempty" metadata:",optional"`
}

// PrefixReopen is the votes to lift one MSP's bar on a prefix.
type PrefixReopen struct {
	MSP   string   `json:"msp"`
	Votes []string `json:"votes"` // MSP IDs, sorted
}

// PrefixClaim is an earlier, decided claim on a prefix.
type PrefixClaim struct {
	Owner       string       `json:"owner"`
	Licence     string       `json:"licence"`
	Status      PrefixStatus `json:"status"`
	Approvals   []string     `json:"approvals"`
	Rejections  []string     `json:"rejections,omitempty" metadata:",optional"`
	Revocations []string     `json:"revocations,omitempty" metadata:",optional"`
	RevokedWith string       `json:"revokedWith,omitempty" metadata:",optional"`
	ClaimTx     string       `json:"claimTx"`
	UpdatedAt   string       `json:"updatedAt"`
}

// ItemPage is one page of a ListItems query.
type ItemPage struct {
	Items    []Item `json:"items"`
	Bookmark string `json:"bookmark"` // empty when there is no next page
}

// ItemCount is one step of a CountItems query: the items counted in this
// stretch of the index and where the next one starts ("" at the end).
type ItemCount struct {
	Count    int    `json:"count"`
	Bookmark string `json:"bookmark"`
}

// RecallEntry is one recall in force, with the scope its key names:
// "01/{gtin}", "01/{gtin}/10/{lot}" or an item key.
type RecallEntry struct {
	Target string `json:"target"`
	Recall Recall `json:"recall"`
}

// RecallPage is one page of a ListRecalls query.
type RecallPage struct {
	Recalls  []RecallEntry `json:"recalls"`
	Bookmark string        `json:"bookmark"`
}

// UnitContentsPage is one page of a unit's direct contents (GetUnitContents).
type UnitContentsPage struct {
	Unit     string   `json:"unit"`
	Contents []string `json:"contents"` // keys of items and units
	Bookmark string   `json:"bookmark"`
}

// HistoryPage is one page of an item's custody history, by sequence.
//
// The item's counter key, which names its last event, has no key-level
// policy (every custody act advances it), so a colluding majority can
// rewrite it. Readers therefore do not take its word for where the history
// ends: a page holds every event key that exists in its window, gaps
// included, and LastSeq reports the counter, which a verifier compares with
// the events it read.
type HistoryPage struct {
	Events  []CustodyEvent `json:"events"`
	NextSeq uint64         `json:"nextSeq"` // 0 when there are no more events
	// LastSeq is the sequence the item's counter names as its last event
	// (0 from chaincode before it was reported).
	LastSeq uint64 `json:"lastSeq,omitempty"`
}

// PrefixPage is one page of a ListPrefixes query.
type PrefixPage struct {
	Prefixes []Prefix `json:"prefixes"`
	Bookmark string   `json:"bookmark"`
}

// ItemInput is one item of a RegisterItems batch. ID takes any accepted
// spelling (Digital Link, element string, EPC URI, canonical key); lot and
// expiry may come inside the ID (Digital Link, element string) or here.
type ItemInput struct {
	ID          string `json:"id"`
	Lot         string `json:"lot,omitempty" metadata:",optional"`
	Expiry      string `json:"expiry,omitempty" metadata:",optional"`
	Description string `json:"description,omitempty" metadata:",optional"`
}

// ChaincodeEvent is the payload of the one chaincode event a transaction
// emits (Fabric keeps one per transaction): every item it touched.
type ChaincodeEvent struct {
	Type  EventType `json:"type"`
	Items []string  `json:"items"`
	TxID  string    `json:"txId"`
	// Scope names a lot or GTIN recall ("01/{gtin}/10/{lot}" or "01/{gtin}"),
	// which touches no item key; Items is then empty.
	Scope string `json:"scope,omitempty" metadata:",optional"`
	// Timestamp and SubmitterMSP are the transaction's (absent in events
	// written before they were added).
	Timestamp    string `json:"timestamp,omitempty" metadata:",optional"`
	SubmitterMSP string `json:"submitterMsp,omitempty" metadata:",optional"`
}

// ChaincodeEventName is the name of that chaincode event.
const ChaincodeEventName = "custody"

// Limits.
const (
	MaxBatch       = 1000 // items per RegisterItems or transfer transaction
	MaxPageSize    = 500
	MaxCountPage   = 2000 // index entries one CountItems call reads
	MaxReasonLen   = 256
	MaxDescription = 512
	MaxLicenceLen  = 128
	MaxNoteLen     = 512 // sighting or custody event note / evidence reference
	// MaxListBytes bounds a JSON list argument before it is decoded: 1000
	// items of the longest spelling (a Digital Link URI with a host, lot and
	// expiry, well under 400 bytes) fit; a 50 MB argument is refused unread.
	MaxListBytes = 512 * 1024
	// MaxItemsBytes bounds a RegisterItems argument: 1000 items with
	// 512-byte descriptions fit.
	MaxItemsBytes = 2 * 1024 * 1024
	// MaxHistoriesEvents and MaxHistoriesBytes bound one GetHistories
	// answer: the events it reads, and the bytes of events it returns (a
	// gRPC message is 4 MiB by default); the items past either bound are
	// null, to be read with GetHistory.
	MaxHistoriesEvents = 10000
	MaxHistoriesBytes  = 2 * 1024 * 1024
	// MaxRolesBytes bounds an InitOrgRoles argument.
	MaxRolesBytes = 64 * 1024
)

// RoleSetChange is one committed write of the org-role set (GetOrgRolesHistory):
// the transaction that wrote it and the set it wrote. prov verify checks each
// against the transaction's write set and replays every event under the set
// in force at its block.
type RoleSetChange struct {
	TxID      string    `json:"txId"`
	Timestamp string    `json:"timestamp"`
	Roles     []OrgRole `json:"roles"`
}
