// Package release implements `prov customs release`.
package release

import (
	"github.com/spf13/cobra"

	"github.com/provledger/provenance/chaincode/domain"
	"github.com/provledger/provenance/client/internal/bulk"
	"github.com/provledger/provenance/client/internal/cmdutil"
)

// Spec of customs release.
var Spec = &bulk.Spec{
	Use:   "release {ID... | --file FILE}",
	Short: "Release items from customs hold (customs)",
	Example: `  prov customs release 01/09506000134352/21/ABC123
  prov customs release --file container-7.csv`,
	Act: domain.ActRelease, Action: "release", Past: "Released", Batch: cmdutil.CustodyBatch,
	Call: func(*bulk.Params) (string, []string) { return "ReleaseItems", nil },
}

// NewCmd builds the command; runF replaces Run in tests.
func NewCmd(f *cmdutil.Factory, runF func(*bulk.Options) error) *cobra.Command {
	return bulk.NewCmd(f, Spec, runF)
}
