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
	txID, at, _, err = txClock(stub)
	return txID, at, err
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
// timestamp) as RFC 3339 in UTC without a fraction ("2026-01-31T00:00:00Z"):
// fixed length, so such strings compare in time order (domain.Prefix.Expired
// relies on it).
func formatUnix(sec int64) string {
	return (&timestamppb.Timestamp{Seconds: sec}).AsTime().UTC().Format(time.RFC3339Nano)
}

// formatUnixNano renders a history entry's timestamp as RFC 3339 in UTC with
// nanoseconds, as custody events spell transaction times.
func formatUnixNano(sec int64, nanos int32) string {
	return (&timestamppb.Timestamp{Seconds: sec, Nanos: nanos}).AsTime().UTC().Format(time.RFC3339Nano)
}
