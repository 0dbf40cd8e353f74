package cmdutil

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/provledger/provenance/chaincode/domain"
	"github.com/provledger/provenance/client/gateway"
)

// GetItems reads items by canonical key, domain.MaxBatch per GetItems
// query, in order; an item not on the ledger is nil.
func GetItems(ctx context.Context, l gateway.Ledger, keys []string) ([]*domain.Item, error) {
	out := make([]*domain.Item, 0, len(keys))
	for _, chunk := range Chunks(keys, domain.MaxBatch) {
		arg, _ := json.Marshal(chunk)
		b, err := l.Evaluate(ctx, "GetItems", string(arg))
		if err != nil {
			return nil, err
		}
		var items []*domain.Item
		if err := json.Unmarshal(b, &items); err != nil {
			return nil, fmt.Errorf("GetItems returned unreadable JSON: %w", err)
		}
		if len(items) != len(chunk) {
			return nil, fmt.Errorf("GetItems returned %d items for %d IDs", len(items), len(chunk))
		}
		out = append(out, items...)
	}
	return out, nil
}
