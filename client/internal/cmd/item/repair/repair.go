// Package repair implements `prov item repair-counter`.
package repair

import (
	"context"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/provledger/provenance/chaincode/domain"
	"github.com/provledger/provenance/client/internal/cmdutil"
	"github.com/provledger/provenance/client/internal/render"
)

// Options of item repair-counter.
type Options struct {
	cmdutil.Env
	ID string
}

// NewCmd builds the command; runF replaces Run in tests.
func NewCmd(f *cmdutil.Factory, runF func(*Options) error) *cobra.Command {
	opts := &Options{}
	cmd := &cobra.Command{
		Use:   "repair-counter ID",
		Short: "Set an item's event counter to its last custody event",
		Long: `Set the event counter of an item (or unit) to the last custody event the
ledger holds. The counter numbers the item's next event and has no key-level
policy, so a colluding majority of organizations can rewrite it: set back,
every custody act on the item is then refused at endorsement ("state based
endorsement policy cannot be satisfied": its event would overwrite a sealed
one); set ahead, the next act lands behind a gap. prov verify fails such an
item with event-order ("the item's event counter names seq N ...").

The repair reads the item's event keys, which no one can rewrite, and needs
the endorsement of a majority of organizations, like any write of the
counter; any member of an organization with a role may submit it. It writes
no custody event. A counter that is already right is refused (exit 1).`,
		Example: `  prov item repair-counter 01/09506000134352/21/ABC123 -p manufacturer`,
		Args:    cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.ID, opts.Env = args[0], f.Env()
			if runF != nil {
				return runF(opts)
			}
			return Run(cmd.Context(), opts)
		},
	}
	return cmd
}

// Run executes item repair-counter.
func Run(ctx context.Context, opts *Options) error {
	id, err := cmdutil.ParseID(opts.ID)
	if err != nil {
		return err
	}
	act := render.Act[domain.CounterRepair]{Action: "repair-counter", Items: []string{id.Key()},
		Headline: func(r *domain.CounterRepair) string {
			return fmt.Sprintf("Event counter of %s set to seq %d (%s); it was %q", r.Item, r.Seq, r.At, r.Was)
		}}
	return act.Submit(ctx, opts.Env, "RepairCounter", id.Key())
}
