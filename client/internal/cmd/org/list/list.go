// Package list implements `prov org list`.
package list

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	"github.com/spf13/cobra"

	"github.com/provledger/provenance/chaincode/domain"
	"github.com/provledger/provenance/client/internal/cmdutil"
	"github.com/provledger/provenance/client/internal/ledger"
	"github.com/provledger/provenance/client/internal/render"
)

// Options of org list.
type Options struct {
	cmdutil.Env
	Status   string // proposals in this status (default PENDING)
	Kind     string
	Limit    int
	Bookmark string
}

// Listing is the -o json shape.
type Listing struct {
	Orgs      []domain.OrgRole  `json:"orgs"`
	Proposals []domain.Proposal `json:"proposals"`
	Bookmark  string            `json:"bookmark"`
}

// NewCmd builds the command; runF replaces Run in tests.
func NewCmd(f *cmdutil.Factory, runF func(*Options) error) *cobra.Command {
	opts := &Options{}
	cmd := &cobra.Command{
		Use:   "list",
		Short: "List the organizations, their roles and pending proposals",
		Example: `  prov org list
  prov org list --status APPROVED --kind remove-org -o json`,
		Args: cmdutil.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Env = f.Env()
			opts.Status = strings.ToUpper(opts.Status)
			known := false
			names := []string{}
			for _, s := range domain.ProposalStatuses() {
				known = known || string(s) == opts.Status
				names = append(names, string(s))
			}
			if !known {
				return cmdutil.Usagef("invalid --status %q: want %s", opts.Status, strings.Join(names, ", "))
			}
			if opts.Limit < 1 || opts.Limit > domain.MaxPageSize {
				return cmdutil.Usagef("--limit must be 1 to %d", domain.MaxPageSize)
			}
			if runF != nil {
				return runF(opts)
			}
			return Run(cmd.Context(), opts)
		},
	}
	cmd.Flags().StringVar(&opts.Status, "status", string(domain.ProposalPending), "proposals in this `status`: PENDING, APPROVED, REJECTED, EXPIRED")
	cmd.Flags().StringVar(&opts.Kind, "kind", "", "only proposals of this `kind` (role-set, add-org, change-role, remove-org, ...)")
	cmd.Flags().IntVar(&opts.Limit, "limit", 100, "page size of the proposals")
	cmd.Flags().StringVar(&opts.Bookmark, "bookmark", "", "continue after a previous page of proposals")
	_ = cmd.RegisterFlagCompletionFunc("status", cmdutil.FixedCompletion("PENDING", "APPROVED", "REJECTED", "EXPIRED"))
	return cmd
}

// Run executes org list.
func Run(ctx context.Context, opts *Options) error {
	l, err := opts.Ledger()
	if err != nil {
		return err
	}
	out := Listing{Orgs: []domain.OrgRole{}, Proposals: []domain.Proposal{}}
	if out.Orgs, err = ledger.Evaluate[[]domain.OrgRole](ctx, l, "GetOrgRoles"); err != nil {
		return err
	}
	if out.Orgs == nil {
		out.Orgs = []domain.OrgRole{}
	}
	page, err := ledger.Evaluate[domain.ProposalPage](ctx, l, "ListProposals", opts.Status, opts.Kind, strconv.Itoa(opts.Limit), cmdutil.DecodeBookmark(opts.Bookmark))
	if err != nil {
		return err
	}
	if page.Proposals != nil {
		out.Proposals = page.Proposals
	}
	out.Bookmark = cmdutil.EncodeBookmark(page.Bookmark)
	if opts.Format == cmdutil.FormatJSON {
		return cmdutil.PrintJSON(opts.IO.Out, out)
	}
	if len(out.Orgs) == 0 {
		fmt.Fprintln(opts.IO.Out, "no org roles in effect yet (a role-set proposal needs a majority of the organizations it names)")
	} else if err := render.OrgRoles(opts.IO.Out, out.Orgs); err != nil {
		return err
	}
	fmt.Fprintln(opts.IO.Out)
	if len(out.Proposals) == 0 {
		fmt.Fprintf(opts.IO.Out, "no %s proposals\n", strings.ToLower(opts.Status))
		return nil
	}
	if err := render.Proposals(opts.IO.Out, out.Proposals); err != nil {
		return err
	}
	if out.Bookmark != "" {
		fmt.Fprintf(opts.IO.ErrOut, "more proposals: --bookmark %s\n", out.Bookmark)
	}
	return nil
}
