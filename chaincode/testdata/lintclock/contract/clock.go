// Package contract is a stand-in for chaincode/contract/clock.go, the one
// file that may import "time", and then only for time.RFC3339Nano
// (chaincode/lint_test.go TestDeterminismLintCatches).
package contract

import "time"

// Fine: formatting a timestamp taken from the transaction.
const layout = time.RFC3339Nano

// Not fine: the peer's clock, and time values of the peer's making.
func now() string { return time.Now().Format(layout) }

func zero() time.Time { return time.Time{} }
