package render

import (
	"context"
	"fmt"
	"io"

	"github.com/provledger/provenance/client/internal/cmdutil"
	"github.com/provledger/provenance/client/internal/ledger"
)

// Act is a leaf command's one transaction whose answer is a record (a
// prefix, a proposal, a recall): how that record shows after the act.
type Act[T any] struct {
	Action   string          // the JSON "action"
	Items    []string        // the JSON "items" (the IDs acted on), if any
	Headline func(*T) string // the table's first line, before "(transaction T, block B)"
	Show     func(io.Writer, *T) error
}

// Submit connects, submits fn(args...) and decodes the committed answer as
// T (ledger.Submit), then shows it: under -o json as a TxResult with the
// record as result, else the headline with the transaction, then Show
// (when set).
func (a Act[T]) Submit(ctx context.Context, e cmdutil.Env, fn string, args ...string) error {
	l, err := e.Ledger()
	if err != nil {
		return err
	}
	rec, res, err := ledger.Submit[T](ctx, l, fn, args...)
	if err != nil {
		return err
	}
	if e.Format == cmdutil.FormatJSON {
		out := NewTxResult(a.Action, res, a.Items)
		out.Result = rec
		return cmdutil.PrintJSON(e.IO.Out, out)
	}
	fmt.Fprintf(e.IO.Out, "%s (transaction %s, block %d)\n", a.Headline(&rec), res.TxID, res.Block)
	if a.Show == nil {
		return nil
	}
	return a.Show(e.IO.Out, &rec)
}

// Query connects, evaluates fn(args...) and prints the record it returns:
// its own JSON under -o json, else show.
func Query[T any](ctx context.Context, e cmdutil.Env, show func(io.Writer, *T) error, fn string, args ...string) error {
	l, err := e.Ledger()
	if err != nil {
		return err
	}
	rec, err := ledger.Evaluate[T](ctx, l, fn, args...)
	if err != nil {
		return err
	}
	if e.Format == cmdutil.FormatJSON {
		return cmdutil.PrintJSON(e.IO.Out, rec)
	}
	return show(e.IO.Out, &rec)
}
