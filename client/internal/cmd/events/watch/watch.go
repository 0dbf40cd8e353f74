// Package watch implements `prov events watch`.
package watch

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/hyperledger/fabric-gateway/pkg/client"
	"github.com/spf13/cobra"

	"github.com/provledger/provenance/chaincode/domain"
	"github.com/provledger/provenance/client/gateway"
	"github.com/provledger/provenance/client/internal/cmdutil"
)

// Options of events watch.
type Options struct {
	IO         *cmdutil.IOStreams
	Events     func() (gateway.EventSource, error)
	Format     string
	FromBlock  uint64
	HasFrom    bool
	Checkpoint string
	Limit      int           // stop after this many events; 0: never
	MinBackoff time.Duration // reconnect delays double from here
	MaxBackoff time.Duration
	Sleep      func(context.Context, time.Duration) error
	Filter     Filter
}

// Filter selects events; every set field must match.
type Filter struct {
	Types []domain.EventType // any of these types
	Item  *domain.Identifier // touches this item, or a lot/GTIN recall covering it
	GTIN  string             // touches an item of this GTIN, or its recall scope
	Org   string             // submitted by this MSP
}

// NewCmd builds the command; runF replaces Run in tests.
func NewCmd(f *cmdutil.Factory, runF func(*Options) error) *cobra.Command {
	opts := &Options{IO: f.IO, Events: f.Events, MinBackoff: time.Second, MaxBackoff: 15 * time.Second, Sleep: gateway.Sleep}
	var types []string
	var item, gtin, org string
	cmd := &cobra.Command{
		Use:   "watch",
		Short: "Stream custody events as they commit",
		Long: `Print the chaincode's custody events: one line per transaction with its
block, transaction ID, time, submitting organization, event type and the
items it touched, or the scope of a lot or GTIN recall (-o json: JSON
Lines, one object per event, for scripts to follow). Events written by a
chaincode older than these fields carry no time or organization.

Filters (all that are given must match): --type (repeat or comma-list),
--item (its events, and recalls of its GTIN or lot), --gtin, --org (the
submitting organization; me: yours). Without --from-block the stream starts
at the next block to commit (the chain height when the command starts).

With --checkpoint FILE the position after each printed event is saved, and
a later run with the same file resumes right after it (--from-block only
applies while the file holds no position yet). If the peer goes
away the watcher reconnects, with growing delays, and resumes where it
stopped. Stop it with Ctrl-C, or after --limit events.`,
		Example: `  prov events watch
  prov events watch --from-block 0 --limit 10 -o json
  prov events watch --type OFFERED,ACCEPTED --org me -p distributor
  prov events watch --gtin 09506000134352 --from-block 0 -o json | jq .items
  prov events watch --item 01/09506000134352/21/ABC123 --type RECALLED,HELD
  prov events watch --checkpoint ~/.prov-events.json`,
		Args: cmdutil.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Format = f.Output
			opts.HasFrom = cmd.Flags().Changed("from-block")
			if opts.Limit < 0 {
				return cmdutil.Usagef("--limit must not be negative")
			}
			if err := opts.Filter.parse(types, item, gtin, org, f); err != nil {
				return err
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
	cmd.Flags().StringSliceVar(&types, "type", nil, "only events of these `types` (REGISTERED, OFFERED, ACCEPTED, ...)")
	cmd.Flags().StringVar(&item, "item", "", "only events of this item `ID` (and recalls of its GTIN or lot)")
	cmd.Flags().StringVar(&gtin, "gtin", "", "only events of items of this `GTIN` (and its recalls)")
	cmd.Flags().StringVar(&org, "org", "", "only events submitted by this `org` (MSP ID; me: yours)")
	_ = cmd.RegisterFlagCompletionFunc("type", cmdutil.FixedCompletion(eventTypeNames()...))
	return cmd
}

func eventTypeNames() []string {
	var out []string
	for _, t := range knownEventTypes() {
		out = append(out, string(t))
	}
	return out
}

func knownEventTypes() []domain.EventType {
	return []domain.EventType{domain.EventRegistered, domain.EventOffered, domain.EventAccepted, domain.EventRejected,
		domain.EventCancelled, domain.EventRecalled, domain.EventRecallWithdrawn, domain.EventStolen, domain.EventHeld,
		domain.EventReleased, domain.EventDecommissioned, domain.EventInspected, domain.EventHandedOver}
}

// parse checks the filter flags before anything is dialled.
func (fl *Filter) parse(types []string, item, gtin, org string, f *cmdutil.Factory) error {
	for _, t := range types {
		et := domain.EventType(strings.ToUpper(strings.TrimSpace(t)))
		ok := false
		for _, k := range knownEventTypes() {
			ok = ok || k == et
		}
		if !ok {
			return cmdutil.Usagef("unknown --type %q: want one of %s", t, strings.Join(eventTypeNames(), ", "))
		}
		fl.Types = append(fl.Types, et)
	}
	if item != "" {
		id, err := cmdutil.ParseID(item)
		if err != nil {
			return err
		}
		fl.Item = &id
	}
	if gtin != "" {
		g, err := cmdutil.ParseGTIN(gtin)
		if err != nil {
			return err
		}
		fl.GTIN = g
	}
	fl.Org = org
	if strings.EqualFold(org, "me") {
		r, _, err := f.Identity()
		if err != nil {
			return err
		}
		fl.Org = r.MSPID
	}
	return nil
}

// Match reports whether an event passes the filter.
func (fl Filter) Match(p domain.ChaincodeEvent) bool {
	if len(fl.Types) > 0 && !slices.Contains(fl.Types, p.Type) {
		return false
	}
	if fl.Org != "" && p.SubmitterMSP != fl.Org {
		return false
	}
	if fl.GTIN != "" && !touchesGTIN(p, fl.GTIN) {
		return false
	}
	if fl.Item != nil {
		key := fl.Item.Key()
		lotScope := "01/" + fl.Item.GTIN + "/10/" + fl.Item.Lot
		if !slices.Contains(p.Items, key) && p.Scope != "01/"+fl.Item.GTIN && (fl.Item.Lot == "" || p.Scope != lotScope) {
			return false
		}
	}
	return true
}

func touchesGTIN(p domain.ChaincodeEvent, gtin string) bool {
	if p.Scope == "01/"+gtin || strings.HasPrefix(p.Scope, "01/"+gtin+"/") {
		return true
	}
	for _, it := range p.Items {
		if strings.HasPrefix(it, "01/"+gtin+"/") {
			return true
		}
	}
	return false
}

// Line is the -o json shape of one event (a JSON Lines record).
type Line struct {
	Block uint64           `json:"block"`
	TxID  string           `json:"txId"`
	Time  string           `json:"time,omitempty"`
	Org   string           `json:"org,omitempty"` // submitting MSP
	Name  string           `json:"name"`
	Type  domain.EventType `json:"type,omitempty"`
	Items []string         `json:"items,omitempty"`
	Scope string           `json:"scope,omitempty"` // a lot or GTIN recall's 01/{gtin}[/10/{lot}]
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
	var pos *gateway.Position
	switch {
	case cp != nil && (cp.BlockNumber() > 0 || cp.TransactionID() != ""):
		pos = &gateway.Position{Block: cp.BlockNumber(), TxID: cp.TransactionID()}
	case opts.HasFrom:
		pos = &gateway.Position{Block: opts.FromBlock}
	}
	if opts.Sleep == nil {
		opts.Sleep = gateway.Sleep
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
		var events <-chan gateway.Event
		if pos == nil {
			// "from the next commit": pin it to a block number now, so a
			// reconnect resumes there instead of skipping what it missed
			var h uint64
			if h, err = src.Height(ctx); err == nil {
				pos = &gateway.Position{Block: h}
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
				printed, err := printEvent(opts, ev)
				if err != nil {
					return err
				}
				pos = &gateway.Position{Block: ev.Block, TxID: ev.TxID}
				if cp != nil {
					if err := cp.CheckpointTransaction(ev.Block, ev.TxID); err != nil {
						return fmt.Errorf("checkpoint %s: %w", opts.Checkpoint, err)
					}
				}
				if printed {
					seen++
				}
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

// printEvent prints ev if it passes the filter and says whether it did.
func printEvent(opts *Options, ev gateway.Event) (bool, error) {
	var payload domain.ChaincodeEvent
	_ = json.Unmarshal(ev.Payload, &payload) // other event names may carry other payloads
	if !opts.Filter.Match(payload) {
		return false, nil
	}
	if opts.Format == cmdutil.FormatJSON {
		b, err := json.Marshal(Line{Block: ev.Block, TxID: ev.TxID, Time: payload.Timestamp, Org: payload.SubmitterMSP,
			Name: ev.Name, Type: payload.Type, Items: payload.Items, Scope: payload.Scope})
		if err != nil {
			return false, err
		}
		_, err = fmt.Fprintf(opts.IO.Out, "%s\n", b)
		return true, err
	}
	_, err := fmt.Fprintln(opts.IO.Out, FormatLine(ev, payload))
	return true, err
}

// FormatLine is the text form of one event.
func FormatLine(ev gateway.Event, p domain.ChaincodeEvent) string {
	what := string(p.Type)
	if what == "" {
		what = ev.Name
	}
	items := strings.Join(p.Items, " ")
	if len(p.Items) > 3 {
		items = fmt.Sprintf("%s %s ... (%d items)", p.Items[0], p.Items[1], len(p.Items))
	}
	if p.Scope != "" {
		items = strings.TrimSpace("scope " + p.Scope + " " + items)
	}
	s := fmt.Sprintf("block %d  tx %s", ev.Block, ev.TxID)
	for _, f := range []string{p.Timestamp, p.SubmitterMSP} {
		if f != "" { // absent in events of an older chaincode
			s += "  " + f
		}
	}
	return fmt.Sprintf("%s  %s  %s", s, what, items)
}

func firstLine(s string) string {
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		return s[:i]
	}
	return s
}
