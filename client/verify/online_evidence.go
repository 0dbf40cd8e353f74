package verify

import (
	"context"
	"sort"
	"sync"
	"time"
)

// ItemEvidence is one item's verification while the bundle was made: Err when
// it could not run (unknown item), and then the item is not in the bundle.
type ItemEvidence struct {
	ID     string
	Report *Report
	Err    error
}

// evidenceItems bounds the items verified at once (each verification is
// parallel inside already).
const evidenceItems = 4

// Evidence verifies ids online through a recording ledger and returns the
// bundle of everything read, made by the connection's identity through the
// answering peer and the peers that confirmed it.
func (g *Online) Evidence(ctx context.Context, ids []string, opts OnlineOptions) (*Bundle, []ItemEvidence, error) {
	vo, closeAll, err := g.options(opts)
	if err != nil {
		return nil, nil, err
	}
	defer closeAll()
	rec := NewRecorder(g.l)
	// Items share blocks: each confirming peer is asked for one once too.
	for i := range vo.Peers {
		if vo.Peers[i].Ledger != nil {
			vo.Peers[i].Ledger = NewRecorder(vo.Peers[i].Ledger)
		}
	}
	out := make([]ItemEvidence, len(ids))
	sem := make(chan struct{}, evidenceItems)
	var wg sync.WaitGroup
	for i, id := range ids {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer func() { <-sem; wg.Done() }()
			rep, err := Item(ctx, rec, id, vo)
			out[i] = ItemEvidence{ID: id, Report: &rep, Err: g.translate(err)}
		}()
	}
	wg.Wait()
	meta := BundleMeta{CreatedAt: time.Now(), Chain: opts.Chain, Peers: []string{g.self}}
	if id := g.conn.Identity(); id != nil {
		meta.CreatedBy = &BundleMaker{MSPID: id.MSPID, Certificate: string(id.CertPEM)}
		if id.Cert != nil {
			meta.CreatedBy.Subject = id.Cert.Subject.String()
		}
	}
	// A peer counts as confirming when it confirmed every item.
	var items []string
	confirmed, unconfirmed := map[string]int{}, map[string]bool{}
	var order []string
	for _, e := range out {
		if e.Err != nil {
			continue
		}
		items = append(items, e.Report.Item)
		for _, p := range e.Report.Trust.Peers[1:] {
			if confirmed[p] == 0 {
				order = append(order, p)
			}
			confirmed[p]++
		}
		for _, p := range e.Report.Trust.Unconfirmed {
			unconfirmed[p] = true
		}
	}
	for _, p := range order {
		if confirmed[p] == len(items) && !unconfirmed[p] {
			meta.Peers = append(meta.Peers, p)
		} else {
			unconfirmed[p] = true
		}
	}
	for p := range unconfirmed {
		meta.Unconfirmed = append(meta.Unconfirmed, p)
	}
	sort.Strings(meta.Unconfirmed)
	if len(items) == 0 {
		return nil, out, nil
	}
	b, err := rec.Bundle(items, meta)
	return b, out, err
}
