package verifier

import (
	"context"
	"sort"
	"sync"
	"time"

	"github.com/provledger/provenance/client/verify"
)

// EvidenceMaker is a Verifier that records what it reads into an evidence
// bundle (prov evidence); the gateway Verifier is one.
type EvidenceMaker interface {
	Evidence(ctx context.Context, ids []string, opts Options) (*verify.Bundle, []Evidence, error)
}

// Evidence is one item's verification while the bundle was made: Err when
// it could not run (unknown item), and then the item is not in the bundle.
type Evidence struct {
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
func (g *gw) Evidence(ctx context.Context, ids []string, opts Options) (*verify.Bundle, []Evidence, error) {
	vo, closeAll, err := g.options(opts)
	if err != nil {
		return nil, nil, err
	}
	defer closeAll()
	rec := verify.NewRecorder(g.l)
	// Items share blocks: each confirming peer is asked for one once too.
	for i := range vo.Peers {
		if vo.Peers[i].Ledger != nil {
			vo.Peers[i].Ledger = verify.NewRecorder(vo.Peers[i].Ledger)
		}
	}
	out := make([]Evidence, len(ids))
	sem := make(chan struct{}, evidenceItems)
	var wg sync.WaitGroup
	for i, id := range ids {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer func() { <-sem; wg.Done() }()
			rep, err := verify.Item(ctx, rec, id, vo)
			out[i] = Evidence{ID: id, Report: &rep, Err: g.translate(err)}
		}()
	}
	wg.Wait()
	meta := verify.BundleMeta{CreatedAt: time.Now(), Chain: opts.Chain, Peers: []string{g.self}}
	if id := g.conn.Identity(); id != nil {
		meta.CreatedBy = &verify.BundleMaker{MSPID: id.MSPID, Certificate: string(id.CertPEM)}
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
