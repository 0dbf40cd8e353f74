// Package offer implements `prov transfer offer`.
package offer

import (
	"context"

	"github.com/spf13/cobra"

	"github.com/provledger/provenance/chaincode/domain"
	"github.com/provledger/provenance/client/gateway"
	"github.com/provledger/provenance/client/internal/bulk"
	"github.com/provledger/provenance/client/internal/cmdutil"
	"github.com/provledger/provenance/client/internal/ledger"
)

// Spec of transfer offer.
var Spec = &bulk.Spec{
	Use:   "offer {ID... | --file FILE} --to ORG",
	Short: "Offer items you hold to another organization",
	Long: `Offer items your organization holds to another organization. The items are
IN_TRANSIT until the recipient accepts or rejects them, or you cancel.
An offer expires (default 7 days, --expires): after that the recipient can
no longer accept and you cancel without it.
ORG is an MSP ID (DistributorMSP) or a short name (distributor).`,
	Example: `  prov transfer offer 01/09506000134352/21/ABC123 --to distributor
  prov transfer offer 01/09506000134352/21/A1 01/09506000134352/21/A2 --to DistributorMSP -o json
  prov transfer offer --file shipment.csv --to distributor --dry-run
  cut -d, -f1 picked.csv | prov transfer offer --file - --to distributor`,
	Act: domain.ActOffer, Action: "offer", Past: "Offered", Batch: cmdutil.CustodyBatch,
	Flags: func(cmd *cobra.Command, p *bulk.Params) {
		cmd.Flags().StringVar(&p.To, "to", "", "recipient `ORG`: MSP ID or short name (required)")
		cmd.Flags().StringVar(&p.Expires, "expires", "", "offer expiry: seconds or a `duration` with unit s, m, h, d (default 7d, at most 90d)")
		_ = cmd.RegisterFlagCompletionFunc("to", cmdutil.FixedCompletion("manufacturer", "distributor", "customs"))
	},
	Check: func(p *bulk.Params) error {
		if err := cmdutil.Required("to", p.To); err != nil {
			return err
		}
		if p.Expires != "" {
			ttl, err := domain.ParseOfferTTL(p.Expires)
			if err != nil {
				return cmdutil.Usagef("--expires: %v", err)
			}
			p.OfferTTL = ttl
		}
		return nil
	},
	Prepare: func(ctx context.Context, l gateway.Ledger, p *bulk.Params) error {
		to, err := ledger.ResolveMSP(ctx, l, p.To)
		p.To = to
		return err
	},
	Call: func(p *bulk.Params) (string, []string) {
		if p.Expires != "" {
			return "OfferTransferExpiring", []string{p.To, p.Expires}
		}
		return "OfferTransfer", []string{p.To}
	},
	Suffix: func(p *bulk.Params) string { return " to " + p.To },
}

// NewCmd builds the command; runF replaces Run in tests.
func NewCmd(f *cmdutil.Factory, runF func(*bulk.Options) error) *cobra.Command {
	return bulk.NewCmd(f, Spec, runF)
}
