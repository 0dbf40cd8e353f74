// Package propose implements `prov org propose`.
package propose

import (
	"context"
	"encoding/json"
	"strings"

	"github.com/spf13/cobra"

	"github.com/provledger/provenance/chaincode/domain"
	"github.com/provledger/provenance/client/internal/cmd/org/shared"
	"github.com/provledger/provenance/client/internal/cmdutil"
)

// Options of org propose.
type Options struct {
	cmdutil.Env
	Kind    string
	Subject string
	Role    string   // add-org, change-role
	Items   string   // remove-org: freeze or handover
	To      string   // remove-org handover successor
	Roles   []string // role-set: MSP=role entries
	Payload string   // any kind: the raw JSON payload
}

// NewCmd builds the command; runF replaces Run in tests.
func NewCmd(f *cmdutil.Factory, runF func(*Options) error) *cobra.Command {
	opts := &Options{}
	cmd := &cobra.Command{
		Use:   "propose KIND [SUBJECT]",
		Short: "File a majority proposal (org admin)",
		Long: `File a proposal; your organization's approval counts. It takes effect when
admins of a majority of the voting organizations approved it (the
organizations with a role; for role-set, the organizations the set names).
Kinds:
  role-set --roles MSP=role,...        the first role set (no roles in effect yet)
  add-org MSP --role ROLE              give a new organization a role
  change-role MSP --role ROLE          change an organization's role
  remove-org MSP [--items freeze|handover --to MSP]
                                       take an organization's role away; its
                                       items stay frozen or go to the successor
  assign-successor MSP --to MSP        name who takes over a removed org's items
  release-hold ID                      lift a customs hold by majority
  cancel-offer ID                      end an open offer the recipient ignores
  withdraw-recall ID|01/GTIN[/10/LOT]  withdraw a recall without its issuer
  KIND SUBJECT --payload JSON          any other kind, payload as JSON
Needs an admin identity: --user admin.`,
		Example: `  prov org propose add-org WholesalerMSP --role distributor --user admin
  prov org propose remove-org WholesalerMSP --items handover --to DistributorMSP --user admin
  prov org propose release-hold 01/09506000134352/21/ABC123 --user admin
  prov org propose role-set --roles ManufacturerMSP=manufacturer,DistributorMSP=distributor,CustomsMSP=customs --user admin`,
		Args: cobra.RangeArgs(1, 2),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Env, opts.Kind = f.Env(), args[0]
			if len(args) == 2 {
				opts.Subject = args[1]
			}
			if err := opts.build(); err != nil {
				return err
			}
			if runF != nil {
				return runF(opts)
			}
			return Run(cmd.Context(), opts)
		},
	}
	cmd.Flags().StringVar(&opts.Role, "role", "", "the `role` for add-org and change-role: manufacturer, distributor or customs")
	cmd.Flags().StringVar(&opts.Items, "items", domain.RemovalFreeze, "remove-org: what happens to the organization's items: freeze or handover")
	cmd.Flags().StringVar(&opts.To, "to", "", "remove-org --items handover, assign-successor: the successor `MSP`")
	cmd.Flags().StringSliceVar(&opts.Roles, "roles", nil, "role-set: the set as `MSP=role` entries")
	cmd.Flags().StringVar(&opts.Payload, "payload", "", "the proposal's payload as `JSON` (instead of the kind's flags)")
	_ = cmd.RegisterFlagCompletionFunc("role", cmdutil.FixedCompletion("manufacturer", "distributor", "customs"))
	_ = cmd.RegisterFlagCompletionFunc("items", cmdutil.FixedCompletion(domain.RemovalFreeze, domain.RemovalHandOver))
	return cmd
}

// build checks the flags against the kind and fills Subject and Payload.
func (o *Options) build() error {
	if o.Payload != "" {
		if o.Role != "" || o.To != "" || len(o.Roles) > 0 {
			return cmdutil.Usagef("--payload replaces --role, --to and --roles")
		}
		if !json.Valid([]byte(o.Payload)) {
			return cmdutil.Usagef("--payload is not valid JSON")
		}
		if o.Subject == "" {
			return cmdutil.Usagef("%s needs a SUBJECT", o.Kind)
		}
		return nil
	}
	var payload any
	switch domain.ProposalKind(o.Kind) {
	case domain.KindRoleSet:
		if o.Subject != "" && o.Subject != "roles" {
			return cmdutil.Usagef("role-set takes no SUBJECT (it is always \"roles\")")
		}
		o.Subject = "roles"
		if len(o.Roles) == 0 {
			return cmdutil.Usagef("role-set needs --roles MSP=role,...")
		}
		set := make([]domain.OrgRole, 0, len(o.Roles))
		for _, e := range o.Roles {
			msp, role, ok := strings.Cut(e, "=")
			if !ok || domain.ValidateMSPID(msp) != nil || !domain.ValidRole(domain.Role(role)) {
				return cmdutil.Usagef("--roles entry %q must be MSP=manufacturer|distributor|customs", e)
			}
			set = append(set, domain.OrgRole{MSP: msp, Role: domain.Role(role)})
		}
		domain.SortRoles(set)
		payload = set
	case domain.KindAddOrg, domain.KindChangeRole:
		if err := o.needMSP(); err != nil {
			return err
		}
		if !domain.ValidRole(domain.Role(o.Role)) {
			return cmdutil.Usagef("%s needs --role manufacturer, distributor or customs", o.Kind)
		}
		payload = domain.RolePayload{Role: domain.Role(o.Role)}
	case domain.KindRemoveOrg:
		if err := o.needMSP(); err != nil {
			return err
		}
		switch o.Items {
		case domain.RemovalFreeze:
			if o.To != "" {
				return cmdutil.Usagef("--to goes with --items handover")
			}
		case domain.RemovalHandOver:
			if domain.ValidateMSPID(o.To) != nil {
				return cmdutil.Usagef("--items handover needs --to MSP (the successor)")
			}
		default:
			return cmdutil.Usagef("--items must be freeze or handover")
		}
		payload = domain.RemovalPayload{Items: o.Items, To: o.To}
	case domain.KindAssignSuccessor:
		if err := o.needMSP(); err != nil {
			return err
		}
		if domain.ValidateMSPID(o.To) != nil {
			return cmdutil.Usagef("assign-successor needs --to MSP (the successor)")
		}
		payload = struct {
			To string `json:"to"`
		}{o.To}
	case domain.KindReleaseHold, domain.KindCancelOffer, domain.KindWithdrawRecall:
		if o.Subject == "" {
			return cmdutil.Usagef("%s needs the item ID (withdraw-recall also 01/{gtin} or 01/{gtin}/10/{lot}) as SUBJECT", o.Kind)
		}
		if o.Role != "" || o.To != "" || len(o.Roles) > 0 {
			return cmdutil.Usagef("%s takes no --role, --to or --roles", o.Kind)
		}
		o.Payload = "" // custody overrides take no payload
		return nil
	default:
		return cmdutil.Usagef("kind %q needs --payload JSON (known kinds with flags: role-set, add-org, change-role, remove-org, assign-successor, release-hold, cancel-offer, withdraw-recall)", o.Kind)
	}
	b, err := json.Marshal(payload)
	if err != nil {
		return err
	}
	o.Payload = string(b)
	return nil
}

func (o *Options) needMSP() error {
	if o.Subject == "" {
		return cmdutil.Usagef("%s needs the organization's MSP ID as SUBJECT", o.Kind)
	}
	if err := domain.ValidateMSPID(o.Subject); err != nil {
		return cmdutil.Usagef("%v", err)
	}
	if len(o.Roles) > 0 {
		return cmdutil.Usagef("--roles goes with role-set")
	}
	return nil
}

// Run files the proposal.
func Run(ctx context.Context, opts *Options) error {
	return shared.Act("propose", "Filed").Submit(ctx, opts.Env, "Propose", opts.Kind, opts.Subject, opts.Payload)
}
