package unit

import (
	"context"
	"io"
	"strconv"

	"github.com/spf13/cobra"

	"github.com/provledger/provenance/chaincode/domain"
	"github.com/provledger/provenance/client/gateway"
	"github.com/provledger/provenance/client/internal/cmdutil"
	"github.com/provledger/provenance/client/internal/ledger"
)

// Step is one event of an item's travel: its own, or one of a unit it was
// inside (Subject names whose event it is).
type Step struct {
	Subject string              `json:"subject"`
	Event   domain.CustodyEvent `json:"event"`
}

func historyCmd(f *cmdutil.Factory) *cobra.Command {
	return &cobra.Command{
		Use:   "history ID",
		Short: "An item's or unit's custody history with the unit events it travelled through",
		Long: `Show the custody history of an item or unit, with the events of every unit
it was inside (nested units too), each marked with the unit's ID.

ID is an item (any spelling) or an SSCC.`,
		Args: cmdutil.ExactArgs(1, "an item ID or SSCC"),
		RunE: func(cmd *cobra.Command, args []string) error {
			ids, err := parseContents(args)
			if err != nil {
				return err
			}
			l, err := f.Ledger()
			if err != nil {
				return err
			}
			steps, err := Travel(cmd.Context(), l, ids[0])
			if err != nil {
				return err
			}
			if f.Output == cmdutil.FormatJSON {
				return cmdutil.PrintJSON(f.IO.Out, steps)
			}
			return renderSteps(f.IO.Out, steps)
		},
	}
}

// Travel returns id's history with, inside each of its unit spans, the
// unit's own travel (recursively) between the events that took id in and
// let it out.
func Travel(ctx context.Context, l gateway.Ledger, id string) ([]Step, error) {
	return travel(ctx, l, id, 0)
}

func travel(ctx context.Context, l gateway.Ledger, id string, depth int) ([]Step, error) {
	evs, err := History(ctx, l, id)
	if err != nil {
		return nil, err
	}
	spans := domain.UnitSpans(evs)
	var out []Step
	si := 0
	for _, ev := range evs {
		out = append(out, Step{Subject: id, Event: ev})
		if si >= len(spans) || ev.Type != domain.EventPacked || ev.Unit != spans[si].Unit || ev.UnitSeq != spans[si].From {
			continue
		}
		sp := spans[si]
		si++
		if depth >= domain.MaxUnitDepth {
			continue
		}
		inner, err := travel(ctx, l, sp.Unit, depth+1)
		if err != nil {
			return nil, err
		}
		in := false
		for _, s := range inner {
			own := s.Subject == sp.Unit
			if own && s.Event.Seq == sp.From {
				in = true
				continue
			}
			if own && sp.To != 0 && s.Event.Seq >= sp.To {
				break
			}
			if in {
				out = append(out, s)
			}
		}
	}
	return out, nil
}

// History reads all custody events of an item or unit.
func History(ctx context.Context, l gateway.Ledger, id string) ([]domain.CustodyEvent, error) {
	return ledger.History(ctx, l, id, 1, 0)
}

func renderSteps(w io.Writer, steps []Step) error {
	t := cmdutil.NewTable(w, "subject", "seq", "event", "from", "to", "by", "time", "unit", "details")
	for _, s := range steps {
		e := s.Event
		t.Row(s.Subject, strconv.FormatUint(e.Seq, 10), string(e.Type), e.From, e.To, e.SubmitterMSP, e.Timestamp, e.Unit, e.Details)
	}
	return t.Flush()
}
