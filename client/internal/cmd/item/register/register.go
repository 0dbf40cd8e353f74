// Package register implements `prov item register`.
package register

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"sync"

	"github.com/spf13/cobra"

	"github.com/provledger/provenance/chaincode/domain"
	"github.com/provledger/provenance/client/gateway"
	"github.com/provledger/provenance/client/internal/bulk"
	"github.com/provledger/provenance/client/internal/cmdutil"
	"github.com/provledger/provenance/client/internal/idfile"
	"github.com/provledger/provenance/client/internal/ledger"
)

// Options of item register.
type Options struct {
	IO          *cmdutil.IOStreams
	Ledger      func() (gateway.Ledger, error)
	Format      string
	ID          string
	Lot         string
	Expiry      string
	Description string
	File        string // "-" is standard input
	BatchSize   int
	Parallel    int // transactions in flight
}

// NewCmd builds the command; runF replaces Run in tests.
func NewCmd(f *cmdutil.Factory, runF func(*Options) error) *cobra.Command {
	opts := &Options{IO: f.IO, Ledger: f.Ledger}
	cmd := &cobra.Command{
		Use:   "register {ID | --file FILE}",
		Short: "Register new items (manufacturers)",
		Long: `Register one item, or many from a file, as your organization's items.
The GTIN's company prefix must be ACTIVE for your organization.

A file is either CSV with a header line naming its columns
  id,lot,expiry,description        (id: any ID spelling)
  gtin,serial,lot,expiry,description
or one ID per line (GS1 Digital Links typically; a Digital Link can carry
the lot and expiry). Blank lines and # comments are ignored; --file - reads
standard input.

Items go to the ledger in batches (--batch-size, at most 1000 per
transaction), --parallel of them in flight at once. Re-running is safe: items your organization already
registered are reported as skipped, not failed. Any failed item makes the
exit code 1; the summary lists each with its line.`,
		Example: `  prov item register 01/09506000134352/21/ABC123 --lot L42 --expiry 261231
  prov item register 'https://id.gs1.org/01/09506000134352/10/L42/21/ABC124?17=261231'
  prov item register --file items.csv --batch-size 500
  prov item register --file items.csv --batch-size 500 --parallel 8
  prov item register --file links.txt -o json`,
		Args: cmdutil.RangeArgs(0, 1, "one item ID, or --file"),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Format = f.Output
			if len(args) == 1 {
				opts.ID = args[0]
			}
			if err := opts.check(); err != nil {
				return err
			}
			if runF != nil {
				return runF(opts)
			}
			return Run(cmd.Context(), opts)
		},
	}
	cmd.Flags().StringVar(&opts.Lot, "lot", "", "batch/lot number (GS1 AI 10)")
	cmd.Flags().StringVar(&opts.Expiry, "expiry", "", "expiry date `YYMMDD` (GS1 AI 17)")
	cmd.Flags().StringVar(&opts.Description, "description", "", "free text")
	cmd.Flags().StringVarP(&opts.File, "file", "f", "", "register the items listed in `FILE` (CSV or one ID per line; - for stdin)")
	cmdutil.BatchSizeFlag(cmd, &opts.BatchSize, domain.MaxBatch)
	cmd.Flags().IntVar(&opts.Parallel, "parallel", 1, fmt.Sprintf("transactions in flight at once (1 to %d)", maxParallel))
	return cmd
}

func (o *Options) check() error {
	switch {
	case o.ID == "" && o.File == "":
		return cmdutil.Usagef("missing item ID or --file")
	case o.ID != "" && o.File != "":
		return cmdutil.Usagef("give an item ID or --file, not both")
	case o.File != "" && (o.Lot != "" || o.Expiry != "" || o.Description != ""):
		return cmdutil.Usagef("--lot, --expiry and --description apply to a single ID; put them in the file's columns")
	}
	if o.Parallel < 1 || o.Parallel > maxParallel {
		return cmdutil.Usagef("--parallel must be 1 to %d", maxParallel)
	}
	return cmdutil.CheckBatchSize(o.BatchSize)
}

// maxParallel bounds --parallel: beyond a few transactions in flight the
// network, not the client, is the limit.
const maxParallel = 16

// Failure is one item that was not registered.
type Failure = bulk.Failed

// Tx is one RegisterItems transaction.
type Tx struct {
	TxID  string `json:"txId"`
	Block uint64 `json:"block"`
	Items int    `json:"items"`
}

// Summary is the outcome of a register run; its JSON is the -o json output.
type Summary struct {
	Registered   []string  `json:"registered"`
	Skipped      []string  `json:"skipped"`
	Failed       []Failure `json:"failed"`
	Transactions []Tx      `json:"transactions"`
}

// Run executes item register.
func Run(ctx context.Context, opts *Options) error {
	var entries []Entry
	if opts.File != "" {
		rc, err := idfile.Open(opts.File, opts.IO.In)
		if err != nil {
			return err
		}
		defer rc.Close()
		if entries, err = ReadEntries(rc); err != nil {
			return fmt.Errorf("%s: %w", opts.File, err)
		}
	} else {
		entries = []Entry{{Input: domain.ItemInput{ID: opts.ID, Lot: opts.Lot, Expiry: opts.Expiry, Description: opts.Description}}}
	}
	l, err := opts.Ledger()
	if err != nil {
		return err
	}
	bar := bulk.NewProgress(opts.IO.ErrOut, opts.File != "" && opts.IO.StderrTTY && opts.Format != cmdutil.FormatJSON, len(entries))
	sum, fatal := RegisterParallel(ctx, l, entries, opts.BatchSize, opts.Parallel, bar)
	bar.Done()

	if opts.File == "" && fatal == nil && len(sum.Failed) == 1 {
		// a single ID: its refusal is the error, as for any other command
		return sum.Failed[0].Cause()
	}
	if opts.Format == cmdutil.FormatJSON {
		if err := cmdutil.PrintJSON(opts.IO.Out, sum); err != nil {
			return err
		}
	} else {
		PrintSummary(opts.IO.Out, sum, l.MSPID())
	}
	if fatal != nil {
		return fatal
	}
	if len(sum.Failed) > 0 {
		return &cmdutil.SilentError{Code: cmdutil.ExitFailed}
	}
	return nil
}

// Register sends entries in batches, one transaction at a time; see
// RegisterParallel.
func Register(ctx context.Context, l gateway.Ledger, entries []Entry, batchSize int, bar *bulk.Progress) (*Summary, error) {
	return RegisterParallel(ctx, l, entries, batchSize, 1, bar)
}

// RegisterParallel sends entries in batches, up to parallel transactions in
// flight. Each batch is first looked up with GetItems: items this MSP
// already registered are skipped (safe re-runs), items another MSP
// registered fail without a transaction. A refusal fails its batch and the
// run goes on; any other error (peer down, timeout) starts no further batch
// (the ones in flight finish) and is returned as fatal, the batches not
// started counted as failed. The summary lists batches in input order
// whatever order they committed in.
func RegisterParallel(ctx context.Context, l gateway.Ledger, entries []Entry, batchSize, parallel int, bar *bulk.Progress) (*Summary, error) {
	sum := &Summary{Registered: []string{}, Skipped: []string{}, Failed: []Failure{}, Transactions: []Tx{}}
	seen := map[string]int{}
	var valid []Entry
	var keys []string
	for _, e := range entries {
		if e.Err != nil {
			sum.Failed = append(sum.Failed, failure(e, e.Input.ID, e.Err))
			continue
		}
		id, err := domain.ParseItemInput(e.Input) // an impossible expiry fails its row, not its batch
		if err != nil {
			sum.Failed = append(sum.Failed, failure(e, e.Input.ID, err))
			continue
		}
		if line, dup := seen[id.Key()]; dup {
			sum.Failed = append(sum.Failed, Failure{Line: e.Line, ID: id.Key(), Code: domain.CodeInvalidArgument,
				Error: fmt.Sprintf("INVALID_ARGUMENT: duplicate of line %d", line)})
			continue
		}
		seen[id.Key()] = e.Line
		valid = append(valid, e)
		keys = append(keys, id.Key())
	}
	bar.Add(len(entries) - len(valid))

	batches := (len(valid) + batchSize - 1) / batchSize
	var (
		outs  = make([]*Summary, batches) // per batch, merged in input order; nil: not started
		fatal = make([]error, batches)
		mu    sync.Mutex // bar, outs, fatal and stop
		stop  bool
		wg    sync.WaitGroup
	)
	sem := make(chan struct{}, max(parallel, 1))
	for i := range batches {
		start, end := i*batchSize, min((i+1)*batchSize, len(valid))
		sem <- struct{}{}
		mu.Lock()
		stopped := stop
		mu.Unlock()
		if stopped {
			<-sem
			break
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			out, err := registerBatch(ctx, l, valid[start:end], keys[start:end])
			mu.Lock()
			defer mu.Unlock()
			outs[i], fatal[i] = out, err
			stop = stop || err != nil
			bar.Add(end - start)
		}()
	}
	wg.Wait()
	var first error
	for i, out := range outs {
		if out == nil { // not started after a fatal error
			start := i * batchSize
			failRest(sum, valid[start:], keys[start:], first)
			break
		}
		sum.Registered = append(sum.Registered, out.Registered...)
		sum.Skipped = append(sum.Skipped, out.Skipped...)
		sum.Failed = append(sum.Failed, out.Failed...)
		sum.Transactions = append(sum.Transactions, out.Transactions...)
		if first == nil {
			first = fatal[i]
		}
	}
	return sum, first
}

// registerBatch looks one batch up and registers what is new; a fatal error
// (not a refusal) is returned with the batch's items counted as failed.
func registerBatch(ctx context.Context, l gateway.Ledger, batch []Entry, bkeys []string) (*Summary, error) {
	sum := &Summary{}
	existing, err := ledger.GetItems(ctx, l, bkeys)
	if err != nil {
		failRest(sum, batch, bkeys, err)
		return sum, err
	}
	var inputs []domain.ItemInput
	var todo []int
	for i, it := range existing {
		switch {
		case it == nil:
			inputs = append(inputs, batch[i].Input)
			todo = append(todo, i)
		case it.Manufacturer == l.MSPID():
			sum.Skipped = append(sum.Skipped, bkeys[i])
		default:
			sum.Failed = append(sum.Failed, Failure{Line: batch[i].Line, ID: bkeys[i], Code: domain.CodeAlreadyExists,
				Error: fmt.Sprintf("ALREADY_EXISTS: item %s is registered by %s", bkeys[i], it.Manufacturer)})
		}
	}
	if len(inputs) == 0 {
		return sum, nil
	}
	arg, _ := json.Marshal(inputs)
	res, err := l.Submit(ctx, "RegisterItems", string(arg))
	if err != nil {
		for _, i := range todo {
			sum.Failed = append(sum.Failed, failure(batch[i], bkeys[i], err))
		}
		if gateway.CodeOf(err) == "" {
			return sum, err
		}
		return sum, nil
	}
	for _, i := range todo {
		sum.Registered = append(sum.Registered, bkeys[i])
	}
	sum.Transactions = append(sum.Transactions, Tx{TxID: res.TxID, Block: res.Block, Items: len(todo)})
	return sum, nil
}

func failure(e Entry, id string, err error) Failure {
	return bulk.FailedOf(bulk.Input{Line: e.Line, Raw: id}, err)
}

func failRest(sum *Summary, rest []Entry, keys []string, err error) {
	for i := range rest {
		sum.Failed = append(sum.Failed, Failure{Line: rest[i].Line, ID: keys[i], Error: "not attempted: " + firstLine(err.Error())})
	}
}

func firstLine(s string) string {
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		return s[:i]
	}
	return s
}

// PrintSummary prints the human summary.
func PrintSummary(w io.Writer, s *Summary, me string) {
	switch len(s.Transactions) {
	case 0:
		fmt.Fprintf(w, "Registered %s\n", cmdutil.Plural(len(s.Registered), "item"))
	case 1:
		fmt.Fprintf(w, "Registered %s (transaction %s, block %d)\n", cmdutil.Plural(len(s.Registered), "item"), s.Transactions[0].TxID, s.Transactions[0].Block)
	default:
		fmt.Fprintf(w, "Registered %s in %s\n", cmdutil.Plural(len(s.Registered), "item"), cmdutil.Plural(len(s.Transactions), "transaction"))
		for _, t := range s.Transactions {
			fmt.Fprintf(w, "  transaction %s, block %d: %s\n", t.TxID, t.Block, cmdutil.Plural(t.Items, "item"))
		}
	}
	if len(s.Registered) == 1 && len(s.Transactions) == 1 {
		fmt.Fprintf(w, "  %s\n", s.Registered[0])
	}
	if n := len(s.Skipped); n > 0 {
		fmt.Fprintf(w, "Skipped %s already registered by %s\n", cmdutil.Plural(n, "item"), me)
		if n <= 10 {
			for _, id := range s.Skipped {
				fmt.Fprintf(w, "  %s\n", id)
			}
		}
	}
	if n := len(s.Failed); n > 0 {
		fmt.Fprintf(w, "Failed %s:\n", cmdutil.Plural(n, "item"))
		for _, f := range s.Failed {
			where := f.ID
			if f.Line > 0 {
				where = fmt.Sprintf("line %d: %s", f.Line, f.ID)
			}
			tx := ""
			if f.TxID != "" {
				tx = " (transaction " + f.TxID + ")"
			}
			fmt.Fprintf(w, "  %s: %s%s\n", where, firstLine(f.Error), tx)
		}
	}
}
