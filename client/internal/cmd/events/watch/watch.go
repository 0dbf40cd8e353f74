// Package watch implements `prov events watch`.
package watch

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/hyperledger/fabric-gateway/pkg/client"
	"github.com/spf13/cobra"

	"github.com/provledger/provenance/chaincode/domain"
	"github.com/provledger/provenance/client/internal/cmdutil"
	"github.com/provledger/provenance/client/internal/ledger"
)

// Options of events watch.
type Options struct {
	IO         *cmdutil.IOStreams
	Events     func() (ledger.EventSource, error)
	Format     string
	FromBlock  uint64
	HasFrom    bool
	Checkpoint string
	Limit      int           // stop after this many events; 0: never
	MinBackoff time.Duration // reconnect delays double from here
	MaxBackoff time.Duration
	Sleep      func(context.Context, time.Duration) error
}

// NewCmd builds the command; runF replaces Run in tests.
func NewCmd(f *cmdutil.Factory, runF func(*Options) error) *cobra.Command {
	opts := &Options{IO: f.IO, Events: f.Events, MinBackoff: time.Second, MaxBackoff: 15 * time.Second, Sleep: ledger.Sleep}
	cmd := &cobra.Command{
		Use:   "watch",
		Short: "Stream custody events as they commit",
		Long: `Print the chaincode's custody events: one line per transaction with its
block, transaction ID, event type and items (-o json: one JSON object per
line). Without --from-block the stream starts at the next block to commit
(the chain height when the command starts).

With --checkpoint FILE the position after each printed event is saved, and
a later run with the same file resumes right after it (--from-block only
applies while the file holds no position yet). If the peer goes
away the watcher reconnects, with growing delays, and resumes where it
stopped. Stop it with Ctrl-C, or after --limit events.`,
		Example: `  prov events watch
  prov events watch --from-block 0 --limit 10 -o json
  prov events watch --checkpoint ~/.prov-events.json`,
		Args: cmdutil.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Format = f.Output
			opts.HasFrom = cmd.Flags().Changed("from-block")
			if opts.Limit < 0 {
				return cmdutil.Usagef("--limit must not be negative")
			}
			if runF != nil {
				return runF(opts)
			}
			return Run(cmd.Context(), opts)
		},
	}
	cmd.Flags().Uint64Var(&opts.FromBlock, "from-block", 0, "start at this block `number`")
	cmd.Flags().StringVar(&opts.Checkpoint, "checkpoint", "", "save and resume the position in `FILE`")
	cmd.Flags().IntVar(&opts.Limit, "limit", 0, "stop after this many events (0: run until interrupted)")
	cmd.Flags().DurationVar(&opts.MaxBackoff, "max-backoff", opts.MaxBackoff, "longest wait between reconnection attempts")
	return cmd
}

// Line is the -o json shape of one event.
type Line struct {
	Block uint64           `json:"block"`
	TxID  string           `json:"txId"`
	Name  string           `json:"name"`
	Type  domain.EventType `json:"type,omitempty"`
	Items []string         `json:"items,omitempty"`
}

// Run executes events watch.
func Run(ctx context.Context, opts *Options) error {
	src, err := opts.Events()
	if err != nil {
		return err
	}
	var cp *client.FileCheckpointer
	if opts.Checkpoint != "" {
		if cp, err = client.NewFileCheckpointer(opts.Checkpoint); err != nil {
			return fmt.Errorf("checkpoint %s: %w", opts.Checkpoint, err)
		}
		defer cp.Close()
	}
	var pos *ledger.Position
	switch {
	case cp != nil && (cp.BlockNumber() > 0 || cp.TransactionID() != ""):
		pos = &ledger.Position{Block: cp.BlockNumber(), TxID: cp.TransactionID()}
	case opts.HasFrom:
		pos = &ledger.Position{Block: opts.FromBlock}
	}
	if opts.Sleep == nil {
		opts.Sleep = ledger.Sleep
	}
	if opts.MinBackoff <= 0 {
		opts.MinBackoff = time.Second
	}
	if opts.MaxBackoff < opts.MinBackoff {
		opts.MaxBackoff = opts.MinBackoff
	}
	seen := 0
	delay := opts.MinBackoff
	for {
		var events <-chan ledger.Event
		if pos == nil {
			// "from the next commit": pin it to a block number now, so a
			// reconnect resumes there instead of skipping what it missed
			var h uint64
			if h, err = src.Height(ctx); err == nil {
				pos = &ledger.Position{Block: h}
				if cp != nil {
					if err := cp.CheckpointTransaction(h, ""); err != nil {
						return fmt.Errorf("checkpoint %s: %w", opts.Checkpoint, err)
					}
				}
			}
		}
		if pos != nil {
			events, err = src.ChaincodeEvents(ctx, pos)
		}
		if err == nil {
			for ev := range events {
				delay = opts.MinBackoff // the stream works again
				if err := printEvent(opts, ev); err != nil {
					return err
				}
				pos = &ledger.Position{Block: ev.Block, TxID: ev.TxID}
				if cp != nil {
					if err := cp.CheckpointTransaction(ev.Block, ev.TxID); err != nil {
						return fmt.Errorf("checkpoint %s: %w", opts.Checkpoint, err)
					}
				}
				seen++
				if opts.Limit > 0 && seen >= opts.Limit {
					return nil
				}
			}
		}
		if ctx.Err() != nil {
			return nil // interrupted: a normal way to stop watching
		}
		why := "event stream ended"
		if err != nil {
			why = firstLine(err.Error())
		}
		fmt.Fprintf(opts.IO.ErrOut, "%s; reconnecting in %s\n", why, delay)
		if opts.Sleep(ctx, delay) != nil {
			return nil
		}
		delay = min(delay*2, opts.MaxBackoff)
	}
}

func printEvent(opts *Options, ev ledger.Event) error {
	var payload domain.ChaincodeEvent
	_ = json.Unmarshal(ev.Payload, &payload) // other event names may carry other payloads
	if opts.Format == cmdutil.FormatJSON {
		b, err := json.Marshal(Line{Block: ev.Block, TxID: ev.TxID, Name: ev.Name, Type: payload.Type, Items: payload.Items})
		if err != nil {
			return err
		}
		_, err = fmt.Fprintf(opts.IO.Out, "%s\n", b)
		return err
	}
	_, err := fmt.Fprintln(opts.IO.Out, FormatLine(ev, payload))
	return err
}

// FormatLine is the text form of one event.
func FormatLine(ev ledger.Event, p domain.ChaincodeEvent) string {
	what := string(p.Type)
	if what == "" {
		what = ev.Name
	}
	items := strings.Join(p.Items, " ")
	if len(p.Items) > 3 {
		items = fmt.Sprintf("%s %s ... (%d items)", p.Items[0], p.Items[1], len(p.Items))
	}
	return fmt.Sprintf("block %d  tx %s  %s  %s", ev.Block, ev.TxID, what, items)
}

func firstLine(s string) string {
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		return s[:i]
	}
	return s
}
