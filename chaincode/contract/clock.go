package contract

// This is the only file of the chaincode that may import "time", and only
// for the layout constant: the timestamp comes from the transaction (the
// same on every endorser), never from the peer's clock. The determinism lint
// (chaincode/lint_test.go) enforces both.

import (
	"fmt"
	"time"

	"github.com/hyperledger/fabric-chaincode-go/v2/shim"
)

// txInfo returns the transaction's ID and its timestamp as RFC 3339 with
// nanoseconds in UTC.
func txInfo(stub shim.ChaincodeStubInterface) (txID, at string, err error) {
	ts, err := stub.GetTxTimestamp()
	if err != nil {
		return "", "", fmt.Errorf("transaction timestamp: %w", err)
	}
	if ts == nil {
		return "", "", fmt.Errorf("transaction has no timestamp")
	}
	return stub.GetTxID(), ts.AsTime().UTC().Format(time.RFC3339Nano), nil
}
