package contract

// This is the only file of the chaincode that may import "time", and only
// for the layout constant: the timestamp comes from the transaction (the
// same on every endorser), never from the peer's clock. The determinism lint
// (chaincode/lint_test.go) enforces both.

import (
	"fmt"
	"time"

	"github.com/hyperledger/fabric-chaincode-go/v2/shim"
	"google.golang.org/protobuf/types/known/timestamppb"
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

// txClock is txInfo plus the timestamp's Unix seconds, which deadlines are
// compared in.
func txClock(stub shim.ChaincodeStubInterface) (txID, at string, sec int64, err error) {
	ts, err := stub.GetTxTimestamp()
	if err != nil {
		return "", "", 0, fmt.Errorf("transaction timestamp: %w", err)
	}
	if ts == nil {
		return "", "", 0, fmt.Errorf("transaction has no timestamp")
	}
	return stub.GetTxID(), ts.AsTime().UTC().Format(time.RFC3339Nano), ts.GetSeconds(), nil
}

// formatUnix renders Unix seconds (a deadline derived from a transaction
// timestamp) as RFC 3339 in UTC.
func formatUnix(sec int64) string {
	return (&timestamppb.Timestamp{Seconds: sec}).AsTime().UTC().Format(time.RFC3339Nano)
}
