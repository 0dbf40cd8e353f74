// Package verifier is prov's seam to the custody-record verifier in
// client/verify: the verify command depends on the Verifier interface, so it
// runs against a fake in tests.
package verifier

import "context"

// Step is one check of a verification.
type Step struct {
	Check   string `json:"check"`
	Subject string `json:"subject"`
	OK      bool   `json:"ok"`
	Detail  string `json:"detail,omitempty"`
}

// Report is the verification of one item.
type Report struct {
	Item  string `json:"item"`
	OK    bool   `json:"ok"`
	Steps []Step `json:"steps"`
}

// Options tune a verification.
type Options struct {
	Chain bool // also check the previous-hash chain from the genesis block
}

// Verifier verifies items' custody records against the ledger.
type Verifier interface {
	Verify(ctx context.Context, id string, opts Options) (*Report, error)
}
