package contract

import (
	"fmt"
	"strings"

	"github.com/hyperledger/fabric-chaincode-go/v2/shim"

	"github.com/provledger/provenance/chaincode/domain"
)

// Ledger key layout (composite keys unless noted). See chaincode/README.md.
const (
	rolesKey = "orgroles" // simple key: the []OrgRole set

	objItem    = "item"   // [gtin, serial] -> Item (key-level policy: owner, + recipient in transit)
	objCounter = "seq"    // [gtin, serial] -> last event sequence, decimal (no key-level policy)
	objEvent   = "event"  // [gtin, serial, seq%010d] -> CustodyEvent, written once
	objHold    = "hold"   // [gtin, serial] -> Hold (key-level policy: the holding customs org)
	objRecall  = "recall" // [gtin] | [gtin, "10", lot] | [gtin, "21", serial] -> Recall (prefix owner)
	objPrefix  = "prefix" // [prefix] -> Prefix (no key-level policy: governed by majority)
	idxOwner   = "owner~item"
	idxGTIN    = "gtin~item"   // [gtin, lot, serial]: serves GTIN and lot lookups
	idxStatus  = "status~item" // [status, gtin, serial]

	// Prefix governance indexes (value: see prefixes.go).
	idxPrefixDigits = "prefix~digits"  // [d1, d2, ..., dn]: one attribute per digit of a claimed prefix
	idxPendingClaim = "pending~prefix" // [owner, prefix] -> the claim's ExpiresAt

	// GS1 application identifiers used as recall-key discriminators.
	aiLot    = "10"
	aiSerial = "21"
)

// indexValue is what index keys hold: Fabric treats an empty value as a
// delete, so one zero byte (a function: no package-level mutable state).
func indexValue() []byte { return []byte{0x00} }

func key(stub shim.ChaincodeStubInterface, obj string, attrs ...string) (string, error) {
	k, err := stub.CreateCompositeKey(obj, attrs)
	if err != nil {
		return "", fmt.Errorf("composite key %s%v: %w", obj, attrs, err)
	}
	return k, nil
}

func itemKey(stub shim.ChaincodeStubInterface, id domain.ItemID) (string, error) {
	return key(stub, objItem, id.GTIN, id.Serial)
}

func counterKey(stub shim.ChaincodeStubInterface, id domain.ItemID) (string, error) {
	return key(stub, objCounter, id.GTIN, id.Serial)
}

func eventKey(stub shim.ChaincodeStubInterface, id domain.ItemID, seq uint64) (string, error) {
	return key(stub, objEvent, id.GTIN, id.Serial, fmt.Sprintf("%010d", seq))
}

func holdKey(stub shim.ChaincodeStubInterface, id domain.ItemID) (string, error) {
	return key(stub, objHold, id.GTIN, id.Serial)
}

func recallGTINKey(stub shim.ChaincodeStubInterface, gtin string) (string, error) {
	return key(stub, objRecall, gtin)
}

func recallLotKey(stub shim.ChaincodeStubInterface, gtin, lot string) (string, error) {
	return key(stub, objRecall, gtin, aiLot, lot)
}

func recallItemKey(stub shim.ChaincodeStubInterface, id domain.ItemID) (string, error) {
	return key(stub, objRecall, id.GTIN, aiSerial, id.Serial)
}

func prefixKey(stub shim.ChaincodeStubInterface, prefix string) (string, error) {
	return key(stub, objPrefix, prefix)
}

// prefixDigitsKey is the digit-by-digit index key of a claimed prefix: a
// partial-composite-key query on the digits of p finds p and every longer
// claimed prefix inside it.
func prefixDigitsKey(stub shim.ChaincodeStubInterface, prefix string) (string, error) {
	return key(stub, idxPrefixDigits, strings.Split(prefix, "")...)
}

func pendingClaimKey(stub shim.ChaincodeStubInterface, owner, prefix string) (string, error) {
	return key(stub, idxPendingClaim, owner, prefix)
}

// indexKeys returns the three index keys of an item in a given owner/status.
func indexKeys(stub shim.ChaincodeStubInterface, it *domain.Item) (owner, gtin, status string, err error) {
	if owner, err = key(stub, idxOwner, it.Owner, it.GTIN, it.Serial); err != nil {
		return
	}
	if gtin, err = key(stub, idxGTIN, it.GTIN, it.Lot, it.Serial); err != nil {
		return
	}
	status, err = key(stub, idxStatus, string(it.Status), it.GTIN, it.Serial)
	return
}

// checkBookmark refuses a bookmark outside the queried index range: the peer
// starts the range at the bookmark, so a foreign one would page through
// other keys.
func checkBookmark(stub shim.ChaincodeStubInterface, obj string, attrs []string, bookmark string) error {
	if bookmark == "" {
		return nil
	}
	prefix, err := key(stub, obj, attrs...)
	if err != nil {
		return err
	}
	if !strings.HasPrefix(bookmark, prefix) {
		return domain.Errorf(domain.CodeInvalidArgument, "bookmark %q does not belong to this query", bookmark)
	}
	return nil
}
