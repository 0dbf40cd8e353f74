// Package verifier is prov's seam to the custody-record verifier in
// client/verify: the verify command depends on the Verifier interface, so it
// runs against a fake in tests.
package verifier

import (
	"context"

	"github.com/provledger/provenance/client/verify"
)

// Step is one check of a verification (client/verify's own type).
type Step = verify.Step

// Report is the verification of one item.
type Report = verify.Report

// Options tune a verification.
type Options struct {
	Chain bool // also check the previous-hash chain from the genesis block
	// GenesisHash pins the channel's genesis block header hash
	// (verify.Options.GenesisHash); nil trusts the genesis block as served.
	GenesisHash []byte
	// Peers asks other organizations' peers to confirm what the answering
	// peer served: AllPeers, or organization names / MSP IDs (verify.Peer).
	Peers []string
}

// Verifier verifies items' custody records against the ledger.
type Verifier interface {
	Verify(ctx context.Context, id string, opts Options) (*Report, error)
}

// LedgerSource is a Verifier that also hands out the ledger it reads, so
// that an audit reads histories and blocks through the same cache.
type LedgerSource interface {
	Ledger() verify.Ledger
}
