package bulk

import (
	"context"
	"encoding/json"

	"github.com/provledger/provenance/client/gateway"
	"github.com/provledger/provenance/client/internal/cmdutil"
	"github.com/provledger/provenance/client/internal/ledger"
)

// SubmitChunks sends fn(args(idsJSON)...) for each chunk of at most size
// keys, in order, and returns what committed before any error: for acts
// without a ledger pre-read (inspections, packing), whose refusals are not
// split. args places the chunk's JSON list among the function's arguments.
func SubmitChunks(ctx context.Context, l gateway.Ledger, fn string, keys []string, size int, args func(ids string) []string) ([]Committed, error) {
	var done []Committed
	for _, chunk := range ledger.Chunks(keys, size) {
		arg, _ := json.Marshal(chunk)
		res, err := l.Submit(ctx, fn, args(string(arg))...)
		if err != nil {
			return done, err
		}
		done = append(done, Committed{TxID: res.TxID, Block: res.Block, Items: chunk})
	}
	return done, nil
}

// ReportCommitted prints the summary of committed transactions of a command
// without a plan (pack, unpack, inspect) in the custody commands' table and
// JSON shape, also when err stopped it half-way; it returns err.
func ReportCommitted(ios *cmdutil.IOStreams, format, action string, p Params, done []Committed, err error, past, suffix string) error {
	if err != nil && len(done) == 0 {
		return err
	}
	res := newResult(action, p)
	res.Transactions = append(res.Transactions, done...)
	for _, c := range done {
		res.Items = append(res.Items, c.Items...)
	}
	if format == cmdutil.FormatJSON {
		if perr := cmdutil.PrintJSON(ios.Out, res); perr != nil {
			return perr
		}
	} else {
		res.Print(ios.Out, past, action, suffix)
	}
	return err
}
