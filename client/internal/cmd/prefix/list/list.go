// Package list implements `prov prefix list`.
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

// Options of prefix list.
type Options struct {
	cmdutil.Env
	Status   string
	Limit    int
	Bookmark string
}

// NewCmd builds the command; runF replaces Run in tests.
func NewCmd(f *cmdutil.Factory, runF func(*Options) error) *cobra.Command {
	opts := &Options{}
	cmd := &cobra.Command{
		Use:   "list",
		Short: "List prefix claims",
		Example: `  prov prefix list
  prov prefix list --status PENDING -o json`,
		Args: cmdutil.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Env = f.Env()
			opts.Status = strings.ToUpper(opts.Status)
			switch domain.PrefixStatus(opts.Status) {
			case "", domain.PrefixPending, domain.PrefixActive, domain.PrefixRejected, domain.PrefixRevoked:
			default:
				return cmdutil.Usagef("invalid --status %q: want PENDING, ACTIVE, REJECTED or REVOKED", opts.Status)
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
	cmd.Flags().StringVar(&opts.Status, "status", "", "only claims in this `status`: PENDING, ACTIVE, REJECTED, REVOKED")
	cmd.Flags().IntVar(&opts.Limit, "limit", 100, "page size")
	cmd.Flags().StringVar(&opts.Bookmark, "bookmark", "", "continue after a previous page")
	_ = cmd.RegisterFlagCompletionFunc("status", cmdutil.FixedCompletion("PENDING", "ACTIVE", "REJECTED", "REVOKED"))
	return cmd
}

// Run executes prefix list.
func Run(ctx context.Context, opts *Options) error {
	l, err := opts.Ledger()
	if err != nil {
		return err
	}
	page, err := ledger.Evaluate[domain.PrefixPage](ctx, l, "ListPrefixes", opts.Status, strconv.Itoa(opts.Limit), cmdutil.DecodeBookmark(opts.Bookmark))
	if err != nil {
		return err
	}
	if page.Prefixes == nil {
		page.Prefixes = []domain.Prefix{}
	}
	page.Bookmark = cmdutil.EncodeBookmark(page.Bookmark)
	if opts.Format == cmdutil.FormatJSON {
		return cmdutil.PrintJSON(opts.IO.Out, page)
	}
	if len(page.Prefixes) == 0 {
		fmt.Fprintln(opts.IO.ErrOut, "no prefix claims")
		return nil
	}
	if err := render.Prefixes(opts.IO.Out, page.Prefixes); err != nil {
		return err
	}
	if page.Bookmark != "" {
		fmt.Fprintf(opts.IO.ErrOut, "more claims: --bookmark %s\n", page.Bookmark)
	}
	return nil
}
