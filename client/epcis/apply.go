package epcis

import (
	"context"
	"encoding/json"
	"fmt"
	"sort"
	"strings"

	"github.com/provledger/provenance/chaincode/domain"
	"github.com/provledger/provenance/client/gateway"
	"github.com/provledger/provenance/client/internal/bulk"
	"github.com/provledger/provenance/client/internal/cmdutil"
	"github.com/provledger/provenance/client/internal/ledger"
)

// Import is what one run did. A run signs only the events whose signer is
// the importer's MSP (prov:submitterMsp, or the owning_party source of a
// shipment and destination of a receipt); the others are Left for their
// organizations' runs. Each item's events go in sequence: an item's event
// whose place in its record (prov:seq) the ledger has reached already counts
// as Already and is not submitted again, so a re-run is idempotent.
type Import struct {
	MSP          string           `json:"msp"`
	Applied      []Done           `json:"applied"`
	Already      []Done           `json:"already"`
	Left         []Pending        `json:"left"`
	Refused      []Refusal        `json:"refused"`
	Transactions []bulk.Committed `json:"transactions"`
}

// Done is one item's part of an event, applied now or before.
type Done struct {
	Index   int    `json:"index"`
	EventID string `json:"eventID"`
	Item    string `json:"item"`
	Act     Act    `json:"act"`
	TxID    string `json:"txId,omitempty"`
}

// Pending is an event left for another organization (or waiting for one).
type Pending struct {
	Index   int    `json:"index"`
	EventID string `json:"eventID"`
	Item    string `json:"item"`
	Act     Act    `json:"act"`
	Signer  string `json:"signer"`
	Waiting int    `json:"waitingFor,omitempty"` // index of the earlier event it waits for
}

// Apply submits the steps the importer may sign, item by item in sequence,
// batching equal acts into one transaction, until nothing more can go.
// Refused events are listed; an error other than a refusal (peer down) stops
// the run and is returned with what was done so far.
func Apply(ctx context.Context, l gateway.Ledger, steps []Step, refused []Refusal) (*Import, error) {
	me := l.MSPID()
	out := &Import{MSP: me, Applied: []Done{}, Already: []Done{}, Left: []Pending{}, Refused: append([]Refusal{}, refused...), Transactions: []bulk.Committed{}}
	byItem := map[string][]Step{}
	var keys []string
	var sights, classes []Step
	for _, s := range steps {
		if s.Act == ActSighting {
			sights = append(sights, s)
			continue
		}
		if s.Act == ActRecallLot {
			classes = append(classes, s)
			continue
		}
		if _, ok := byItem[s.Item]; !ok {
			keys = append(keys, s.Item)
		}
		byItem[s.Item] = append(byItem[s.Item], s)
	}
	blocked := map[string]bool{}
	for {
		items, err := ledger.GetItems(ctx, l, keys)
		if err != nil {
			return out, err
		}
		var todo []Step
		for i, k := range keys {
			if blocked[k] {
				continue
			}
			var cur uint64
			if items[i] != nil {
				cur = items[i].Seq
			}
			st := byItem[k]
			for len(st) > 0 && st[0].Seq <= cur {
				if st[0].Act == ActRegister && items[i].Manufacturer != signer(st[0], me) {
					out.Refused = append(out.Refused, Refusal{st[0].Index, st[0].EventID, fmt.Sprintf("%s is registered by %s on this ledger, not %s", k, items[i].Manufacturer, signer(st[0], me))})
					blocked[k] = true
					break
				}
				out.Already = append(out.Already, done(st[0], ""))
				st = st[1:]
			}
			byItem[k] = st
			if blocked[k] || len(st) == 0 {
				continue
			}
			if st[0].Seq != cur+1 {
				out.Refused = append(out.Refused, Refusal{st[0].Index, st[0].EventID, fmt.Sprintf("%s is at event %d on this ledger; the document's next event for it is number %d", k, cur, st[0].Seq)})
				blocked[k] = true
				continue
			}
			if signer(st[0], me) != me {
				continue
			}
			todo = append(todo, st[0])
		}
		if len(todo) == 0 {
			break
		}
		for _, g := range groups(todo) {
			if err := out.submit(ctx, l, g, blocked); err != nil {
				return out, err
			}
		}
		for _, s := range todo {
			if !blocked[s.Item] {
				byItem[s.Item] = byItem[s.Item][1:]
			}
		}
	}
	for _, k := range keys {
		for j, s := range byItem[k] {
			if blocked[k] {
				break
			}
			p := Pending{Index: s.Index, EventID: s.EventID, Item: s.Item, Act: s.Act, Signer: signer(s, me)}
			if j > 0 {
				p.Waiting = byItem[k][0].Index
			}
			out.Left = append(out.Left, p)
		}
	}
	if err := out.classRecalls(ctx, l, classes, steps, byItem, blocked); err != nil {
		return out, err
	}
	if err := out.sightings(ctx, l, sights); err != nil {
		return out, err
	}
	sort.Slice(out.Refused, func(a, b int) bool { return out.Refused[a].Index < out.Refused[b].Index })
	return out, nil
}

func signer(s Step, me string) string {
	if s.Actor == "" {
		return me
	}
	return s.Actor
}

func done(s Step, tx string) Done {
	return Done{Index: s.Index, EventID: s.EventID, Item: s.Item, Act: s.Act, TxID: tx}
}

// groups batches steps that one transaction can carry.
func groups(todo []Step) [][]Step {
	var out [][]Step
	at := map[string]int{}
	for _, s := range todo {
		k := string(s.Act) + "\x00" + s.To + "\x00" + s.Reason
		switch s.Act {
		case ActRegister, ActOffer, ActAccept, ActReject, ActCancel, ActHold, ActRelease:
		default:
			k += "\x00" + s.Item // one item per transaction
		}
		i, ok := at[k]
		max := cmdutil.CustodyBatch
		if s.Act == ActRegister {
			max = domain.MaxBatch
		}
		if !ok || len(out[i]) >= max {
			at[k] = len(out)
			out = append(out, nil)
			i = len(out) - 1
		}
		out[i] = append(out[i], s)
	}
	return out
}

func call(g []Step) (string, []string) {
	ids := make([]string, len(g))
	for i, s := range g {
		ids[i] = s.Item
	}
	arg, _ := json.Marshal(ids)
	s := g[0]
	switch s.Act {
	case ActRegister:
		in := make([]domain.ItemInput, len(g))
		for i, x := range g {
			in[i] = domain.ItemInput{ID: x.Item, Lot: x.Lot, Expiry: x.Expiry}
		}
		b, _ := json.Marshal(in)
		return "RegisterItems", []string{string(b)}
	case ActOffer:
		return "OfferTransfer", []string{string(arg), s.To}
	case ActAccept:
		return "AcceptTransfer", []string{string(arg)}
	case ActReject:
		return "RejectTransfer", []string{string(arg)}
	case ActCancel:
		return "CancelTransfer", []string{string(arg)}
	case ActHold:
		return "HoldItems", []string{string(arg), s.Reason}
	case ActRelease:
		return "ReleaseItems", []string{string(arg)}
	case ActRecall:
		return "RecallItem", []string{s.Item, s.Reason}
	case ActWithdrawRecall:
		return "WithdrawRecall", []string{s.Item}
	case ActStolen:
		return "ReportStolen", []string{s.Item}
	case ActDecommission:
		return "Decommission", []string{s.Item, s.Reason}
	}
	panic("epcis: no call for act " + string(s.Act))
}

// submit sends one group; a refused batch of several is retried item by
// item so that each refusal names its own event.
func (o *Import) submit(ctx context.Context, l gateway.Ledger, g []Step, blocked map[string]bool) error {
	fn, args := call(g)
	res, err := l.Submit(ctx, fn, args...)
	if err == nil {
		items := make([]string, len(g))
		for i, s := range g {
			items[i] = s.Item
			o.Applied = append(o.Applied, done(s, res.TxID))
		}
		o.Transactions = append(o.Transactions, bulk.Committed{TxID: res.TxID, Block: res.Block, Items: items})
		return nil
	}
	if gateway.CodeOf(err) == "" {
		return err
	}
	if len(g) == 1 {
		o.Refused = append(o.Refused, Refusal{g[0].Index, g[0].EventID, firstLine(err)})
		blocked[g[0].Item] = true
		return nil
	}
	for _, s := range g {
		if err := o.submit(ctx, l, []Step{s}, blocked); err != nil {
			return err
		}
	}
	return nil
}

func firstLine(err error) string {
	s, _, _ := strings.Cut(err.Error(), "\n")
	return s
}

// sightings records the importer's sightings that the ledger does not hold
// yet: a sighting is the same when reporter, GLN, result and note agree,
// counted (two equal sightings in the document need two on the ledger).
func (o *Import) sightings(ctx context.Context, l gateway.Ledger, steps []Step) error {
	have := map[string]map[string]int{}
	for _, s := range steps {
		by := signer(s, o.MSP)
		if have[s.Item] == nil {
			on, err := sightings(ctx, l, s.Item)
			if err != nil {
				return err
			}
			have[s.Item] = map[string]int{}
			for _, x := range on {
				have[s.Item][x.ReporterMSP+"\x00"+x.GLN+"\x00"+x.Result+"\x00"+x.Note]++
			}
		}
		k := by + "\x00" + s.GLN + "\x00" + s.Result + "\x00" + s.Note
		if have[s.Item][k] > 0 {
			have[s.Item][k]--
			o.Already = append(o.Already, done(s, ""))
			continue
		}
		if by != o.MSP {
			o.Left = append(o.Left, Pending{Index: s.Index, EventID: s.EventID, Item: s.Item, Act: s.Act, Signer: by})
			continue
		}
		res, err := l.Submit(ctx, "RecordSighting", s.Item, s.GLN, s.Result, s.Note)
		if err != nil {
			if gateway.CodeOf(err) == "" {
				return err
			}
			o.Refused = append(o.Refused, Refusal{s.Index, s.EventID, firstLine(err)})
			continue
		}
		o.Applied = append(o.Applied, done(s, res.TxID))
		o.Transactions = append(o.Transactions, bulk.Committed{TxID: res.TxID, Block: res.Block, Items: []string{s.Item}})
	}
	return nil
}

// classRecalls applies the lot and GTIN recalls the importer signs, each
// once every item of its lot or GTIN that the document names has no custody
// step left (a recall only restricts what may follow, so recalling last
// reproduces any history the document holds). A recall already in force by
// the same organization counts as Already, so a re-run submits nothing; in
// force by another organization, it is refused.
func (o *Import) classRecalls(ctx context.Context, l gateway.Ledger, classes, steps []Step,
	byItem map[string][]Step, blocked map[string]bool) error {
	if len(classes) == 0 {
		return nil
	}
	// The lot of each item that still has steps: the ledger's, else the
	// document's commissioning.
	var pending []string
	for k, st := range byItem {
		if len(st) > 0 && !blocked[k] {
			pending = append(pending, k)
		}
	}
	sort.Strings(pending)
	lots := map[string]string{}
	for _, s := range steps {
		if s.Act == ActRegister {
			lots[s.Item] = s.Lot
		}
	}
	if len(pending) > 0 {
		items, err := ledger.GetItems(ctx, l, pending)
		if err != nil {
			return err
		}
		for i, k := range pending {
			if items[i] != nil {
				lots[k] = items[i].Lot
			}
		}
	}
	var inForce map[string]domain.Recall
	for _, s := range classes {
		by := signer(s, o.MSP)
		waiting := 0
		for _, k := range pending {
			id, err := domain.ParseCustodyID(k)
			if err != nil || id.IsUnit() || id.GTIN != s.GTIN || (s.Lot != "" && lots[k] != s.Lot) {
				continue
			}
			waiting = byItem[k][0].Index
			break
		}
		if inForce == nil {
			all, err := Recalls(ctx, l)
			if err != nil {
				return err
			}
			inForce = map[string]domain.Recall{}
			for _, e := range all {
				if e.Recall.Scope == domain.RecallScopeLot || e.Recall.Scope == domain.RecallScopeGTIN {
					inForce[e.Target] = e.Recall
				}
			}
		}
		if rc, ok := inForce[s.Item]; ok {
			if rc.By != by {
				o.Refused = append(o.Refused, Refusal{s.Index, s.EventID, fmt.Sprintf("%s is recalled by %s on this ledger, not %s", s.Item, rc.By, by)})
				continue
			}
			o.Already = append(o.Already, done(s, ""))
			continue
		}
		if waiting != 0 || by != o.MSP {
			o.Left = append(o.Left, Pending{Index: s.Index, EventID: s.EventID, Item: s.Item, Act: s.Act, Signer: by, Waiting: waiting})
			continue
		}
		res, err := l.Submit(ctx, "RecallLot", s.GTIN, s.Lot, s.Reason)
		if err != nil {
			if gateway.CodeOf(err) == "" {
				return err
			}
			o.Refused = append(o.Refused, Refusal{s.Index, s.EventID, firstLine(err)})
			continue
		}
		inForce[s.Item] = domain.Recall{By: by}
		o.Applied = append(o.Applied, done(s, res.TxID))
		o.Transactions = append(o.Transactions, bulk.Committed{TxID: res.TxID, Block: res.Block, Items: []string{s.Item}})
	}
	return nil
}
