package contract

import (
	"fmt"
	"strings"

	"github.com/hyperledger/fabric-chaincode-go/v2/shim"

	"github.com/provledger/provenance/chaincode/domain"
)

// The ledger key layout lives in chaincode/domain (keys.go), spelled without
// a shim and byte-identical to shim.CreateCompositeKey; these are the few
// contract-side helpers around it.

// Names the contract's other files use (prefixes.go, identity.go).
const (
	rolesKey  = domain.RolesKey
	objPrefix = domain.ObjPrefix
)

// indexValue is what index keys hold: Fabric treats an empty value as a
// delete, so one zero byte (a function: no package-level mutable state).
func indexValue() []byte { return []byte{0x00} }

// key builds a composite key (domain.CompositeKey, the shim's encoding).
func key(_ shim.ChaincodeStubInterface, obj string, attrs ...string) (string, error) {
	k, err := domain.CompositeKey(obj, attrs...)
	if err != nil {
		return "", fmt.Errorf("composite key %s%v: %w", obj, attrs, err)
	}
	return k, nil
}

func prefixKey(_ shim.ChaincodeStubInterface, prefix string) (string, error) {
	k, err := domain.PrefixKey(prefix)
	if err != nil {
		return "", fmt.Errorf("prefix key %q: %w", prefix, err)
	}
	return k, nil
}

// checkBookmark refuses a bookmark outside the queried index range: the peer
// starts the range at the bookmark, so a foreign one would page through
// other keys.
func checkBookmark(_ shim.ChaincodeStubInterface, obj string, attrs []string, bookmark string) error {
	if bookmark == "" {
		return nil
	}
	prefix, err := domain.CompositeKey(obj, attrs...)
	if err != nil {
		return domain.Errorf(domain.CodeInvalidArgument, "query %s: %v", obj, err)
	}
	if !strings.HasPrefix(bookmark, prefix) {
		return domain.Errorf(domain.CodeInvalidArgument, "bookmark %q does not belong to this query", bookmark)
	}
	return nil
}
