package epcis

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"

	"github.com/provledger/provenance/chaincode/domain"
	"github.com/provledger/provenance/client/gateway"
	"github.com/provledger/provenance/client/internal/ledger"
)

func history(ctx context.Context, l gateway.Ledger, key string) ([]domain.CustodyEvent, error) {
	var out []domain.CustodyEvent
	from := uint64(0)
	for {
		b, err := l.Evaluate(ctx, "GetHistory", key, strconv.FormatUint(from, 10), strconv.Itoa(domain.MaxPageSize))
		if err != nil {
			return nil, err
		}
		var hp domain.HistoryPage
		if err := json.Unmarshal(b, &hp); err != nil {
			return nil, fmt.Errorf("GetHistory returned unreadable JSON: %w", err)
		}
		out = append(out, hp.Events...)
		if hp.NextSeq == 0 || len(hp.Events) == 0 {
			return out, nil
		}
		from = hp.NextSeq
	}
}

func sightings(ctx context.Context, l gateway.Ledger, key string) ([]domain.Sighting, error) {
	var out []domain.Sighting
	bm := ""
	for {
		b, err := l.Evaluate(ctx, "GetSightings", key, strconv.Itoa(domain.MaxPageSize), bm)
		if err != nil {
			return nil, err
		}
		var p domain.SightingPage
		if err := json.Unmarshal(b, &p); err != nil {
			return nil, fmt.Errorf("GetSightings returned unreadable JSON: %w", err)
		}
		out = append(out, p.Sightings...)
		if p.Bookmark == "" || len(p.Sightings) == 0 {
			return out, nil
		}
		bm = p.Bookmark
	}
}

// ListKeys pages through ListItems by "gtin" or "lot" ("gtin/lot").
func ListKeys(ctx context.Context, l gateway.Ledger, by, value string) ([]string, error) {
	var out []string
	bm := ""
	for {
		b, err := l.Evaluate(ctx, "ListItems", by, value, strconv.Itoa(domain.MaxPageSize), bm)
		if err != nil {
			return nil, err
		}
		var p domain.ItemPage
		if err := json.Unmarshal(b, &p); err != nil {
			return nil, fmt.Errorf("ListItems returned unreadable JSON: %w", err)
		}
		for _, it := range p.Items {
			out = append(out, it.ID)
		}
		if p.Bookmark == "" || len(p.Items) == 0 {
			return out, nil
		}
		bm = p.Bookmark
	}
}

// Collect reads the items' records for Export. An ID that is neither
// registered nor sighted is an error (NOT_FOUND) naming it.
func Collect(ctx context.Context, l gateway.Ledger, keys []string) ([]ItemRecord, error) {
	recs, missing, err := CollectFound(ctx, l, keys)
	if err != nil {
		return nil, err
	}
	if len(missing) > 0 {
		return nil, domain.Errorf(domain.CodeNotFound, "not on the ledger (neither registered nor sighted): %v", missing)
	}
	return recs, nil
}

// CollectFound is Collect that returns the IDs neither registered nor
// sighted instead of failing on them.
func CollectFound(ctx context.Context, l gateway.Ledger, keys []string) (recs []ItemRecord, missing []string, err error) {
	items, err := ledger.GetItems(ctx, l, keys)
	if err != nil {
		return nil, nil, err
	}
	recs = make([]ItemRecord, 0, len(keys))
	for i, k := range keys {
		r := ItemRecord{Item: items[i], Key: k}
		if r.Item != nil {
			if r.Events, err = history(ctx, l, k); err != nil {
				return nil, nil, err
			}
		}
		// Sightings are of items (inspections); a unit has none.
		if id, perr := domain.ParseCustodyID(k); perr != nil || !id.IsUnit() {
			if r.Sightings, err = sightings(ctx, l, k); err != nil {
				return nil, nil, err
			}
		}
		if r.Item == nil && len(r.Sightings) == 0 {
			missing = append(missing, k)
			continue
		}
		recs = append(recs, r)
	}
	return recs, missing, nil
}
