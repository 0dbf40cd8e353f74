package domain

import (
	"fmt"
	"strings"
	"unicode/utf8"
)

// Ledger key layout. Composite keys are spelled exactly as the Fabric shim's
// CreateCompositeKey spells them ("\x00" + objectType + "\x00" + each
// attribute + "\x00"), so that the chaincode, prov verify and the tests build
// them without a shim. chaincode/README.md lists every key with its value and
// key-level policy.
const (
	RolesKey = "orgroles" // simple key: the []OrgRole set

	ObjItem     = "item"     // [gtin, serial] -> Item
	ObjCounter  = "seq"      // [gtin, serial] -> last event sequence and time (counter.go)
	ObjEvent    = "event"    // [gtin, serial, seq %010d] -> CustodyEvent, written once
	ObjHold     = "hold"     // [gtin, serial] -> Hold
	ObjRecall   = "recall"   // [gtin] | [gtin, "10", lot] | [gtin, "21", serial] -> Recall
	ObjOffer    = "offer"    // [gtin, serial, seq %010d of the OFFERED event] -> Offer
	ObjSighting = "sighting" // [gtin, serial, time %020d ns, txID] -> Sighting
	ObjPrefix   = "prefix"   // [prefix] -> Prefix
	ObjPacked   = "packed"   // [gtin, serial] -> Packing while inside a unit (units: ["00", sscc])
	// IdxUnitContent lists a unit's direct contents: [sscc, gtin, serial].
	IdxUnitContent = "unit~content"
	// Prefix governance indexes (values: see contract/prefixes.go).
	IdxPrefixDigits = "prefix~digits"  // [d1, d2, ..., dn]: one attribute per digit of a claimed prefix
	IdxPendingClaim = "pending~prefix" // [owner, prefix] -> the claim's ExpiresAt
	IdxOwner        = "owner~item"
	IdxGTIN         = "gtin~item"   // [gtin, lot, serial]: serves GTIN and lot lookups
	IdxStatus       = "status~item" // [status, gtin, serial]
	IdxOfferedTo    = "offer~to"    // [recipient MSP, gtin, serial]: while IN_TRANSIT
	IdxHeld         = "hold~item"   // [customs MSP, gtin, serial]: while on hold

	// GS1 application identifiers used as recall-key discriminators.
	AILot    = "10"
	AISerial = "21"
)

// compositeKeyNS starts every composite key; maxKeyRune may not appear in one
// (the shim reserves U+10FFFF as the end of partial-key ranges).
const (
	compositeKeyNS = "\x00"
	maxKeyRune     = utf8.MaxRune
)

// CompositeKey builds a composite key byte-identical to the Fabric shim's
// CreateCompositeKey: the object type and every attribute must be valid UTF-8
// without U+0000 or U+10FFFF.
func CompositeKey(objectType string, attrs ...string) (string, error) {
	if err := checkKeyPart(objectType); err != nil {
		return "", fmt.Errorf("composite key object type: %w", err)
	}
	var b strings.Builder
	b.WriteString(compositeKeyNS + objectType + "\x00")
	for i, a := range attrs {
		if err := checkKeyPart(a); err != nil {
			return "", fmt.Errorf("composite key %s attribute %d: %w", objectType, i+1, err)
		}
		b.WriteString(a)
		b.WriteByte(0)
	}
	return b.String(), nil
}

// SplitCompositeKey undoes CompositeKey.
func SplitCompositeKey(key string) (objectType string, attrs []string, err error) {
	if len(key) < 2 || !strings.HasPrefix(key, compositeKeyNS) || !strings.HasSuffix(key, "\x00") {
		return "", nil, fmt.Errorf("%q is not a composite key", key)
	}
	parts := strings.Split(key[1:len(key)-1], "\x00")
	return parts[0], parts[1:], nil
}

func checkKeyPart(s string) error {
	if !utf8.ValidString(s) {
		return fmt.Errorf("not valid UTF-8: %x", s)
	}
	for i, r := range s {
		if r == 0 || r == maxKeyRune {
			return fmt.Errorf("contains %#U at byte %d", r, i)
		}
	}
	return nil
}

// mustKey builds a key from parts that were validated when the ItemID was
// parsed (GS1 digits and character set 82 never contain U+0000 or U+10FFFF);
// an ItemID built by hand with such characters gets an impossible key "".
func mustKey(objectType string, attrs ...string) string {
	k, err := CompositeKey(objectType, attrs...)
	if err != nil {
		return ""
	}
	return k
}

// SeqAttr spells an event sequence as a key attribute (%010d: keys sort by sequence).
func SeqAttr(seq uint64) string { return fmt.Sprintf("%010d", seq) }

// ItemKey is the item record's key.
func ItemKey(id ItemID) string { return mustKey(ObjItem, id.GTIN, id.Serial) }

// CounterKey holds the item's last event sequence and time (EncodeCounter).
func CounterKey(id ItemID) string { return mustKey(ObjCounter, id.GTIN, id.Serial) }

// EventKey is the key of the item's custody event seq (1-based).
func EventKey(id ItemID, seq uint64) string {
	return mustKey(ObjEvent, id.GTIN, id.Serial, SeqAttr(seq))
}

// HoldKey is the key of the item's customs hold.
func HoldKey(id ItemID) string { return mustKey(ObjHold, id.GTIN, id.Serial) }

// PackedKey is the key of an item's or unit's Packing while it is inside a unit.
func PackedKey(id ItemID) string { return mustKey(ObjPacked, id.GTIN, id.Serial) }

// UnitContentKey is the contents-index key of content inside unit.
func UnitContentKey(unit, content ItemID) string {
	return mustKey(IdxUnitContent, unit.Serial, content.GTIN, content.Serial)
}

// RecallGTINKey is the key of a whole-GTIN recall.
func RecallGTINKey(gtin string) string { return mustKey(ObjRecall, gtin) }

// RecallLotKey is the key of a lot recall.
func RecallLotKey(gtin, lot string) string { return mustKey(ObjRecall, gtin, AILot, lot) }

// RecallItemKey is the key of one item's recall.
func RecallItemKey(id ItemID) string { return mustKey(ObjRecall, id.GTIN, AISerial, id.Serial) }

// OfferKey is the key of the offer opened by the item's OFFERED event seq: a
// new key per offer, carrying the recipient's key-level policy.
func OfferKey(id ItemID, seq uint64) string {
	return mustKey(ObjOffer, id.GTIN, id.Serial, SeqAttr(seq))
}

// SightingKey is the key of one inspection (sighting) of an item or an
// unregistered ID; at is the transaction time in Unix nanoseconds, so that an
// item's sightings list in time order.
func SightingKey(id ItemID, at int64, txID string) (string, error) {
	return CompositeKey(ObjSighting, id.GTIN, id.Serial, fmt.Sprintf("%020d", at), txID)
}

// SightingRange returns the object type and attributes of the partial key
// under which an item's sightings lie.
func SightingRange(id ItemID) (string, []string) {
	return ObjSighting, []string{id.GTIN, id.Serial}
}

// SightingGTINRange returns the partial key under which every sighting of a
// GTIN lies (serial order, then time): how a brand owner lists the
// sightings of its GTINs, counterfeit serials included.
func SightingGTINRange(gtin string) (string, []string) {
	return ObjSighting, []string{gtin}
}

// PrefixKey is the key of a company-prefix claim.
func PrefixKey(prefix string) (string, error) { return CompositeKey(ObjPrefix, prefix) }

// IndexKeys returns the index keys an item record implies: owner, GTIN/lot,
// status and, while it is offered, its recipient ("" when not offered).
func IndexKeys(it *Item) (owner, gtin, status, offeredTo string, err error) {
	if owner, err = CompositeKey(IdxOwner, it.Owner, it.GTIN, it.Serial); err != nil {
		return
	}
	if gtin, err = CompositeKey(IdxGTIN, it.GTIN, it.Lot, it.Serial); err != nil {
		return
	}
	if status, err = CompositeKey(IdxStatus, string(it.Status), it.GTIN, it.Serial); err != nil {
		return
	}
	if it.OfferedTo != "" {
		offeredTo, err = CompositeKey(IdxOfferedTo, it.OfferedTo, it.GTIN, it.Serial)
	}
	return
}

// HeldIndexKey is the index entry of a hold placed by customs.
func HeldIndexKey(customs string, id ItemID) string {
	return mustKey(IdxHeld, customs, id.GTIN, id.Serial)
}

// ParseItemKey reads the canonical item spelling "01/{gtin14}/21/{serial}"
// and nothing else (no lot, no other spelling, no surrounding space): the
// form the ledger writes in CustodyEvent.Item and Item.ID. A verifier uses it
// to bind an event to the asked-for item.
func ParseItemKey(s string) (ItemID, error) {
	if !strings.HasPrefix(s, "01/") || len(s) < len("01/")+14+len("/21/")+1 || s[17:21] != "/21/" {
		return ItemID{}, Errorf(CodeInvalidID, "key %s is not canonical 01/{14-digit gtin}/21/{serial}", quote(s))
	}
	id, err := ParseItem(s[3:17], s[21:])
	if err != nil {
		return ItemID{}, within("key "+quote(s), err)
	}
	if id.Key() != s {
		return ItemID{}, Errorf(CodeInvalidID, "key %s is not canonical (want %s)", quote(s), quote(id.Key()))
	}
	return id.ItemID, nil
}
