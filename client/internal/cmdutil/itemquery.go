package cmdutil

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/provledger/provenance/chaincode/domain"
	"github.com/provledger/provenance/client/gateway"
)

// CountItems counts the items of a ListItems query (by, value) with
// CountItems calls of domain.MaxCountPage index entries each, following the
// bookmarks: the chaincode reads its indexes, never every item.
func CountItems(ctx context.Context, l gateway.Ledger, by, value string) (int, error) {
	total, bookmark := 0, ""
	for {
		b, err := l.Evaluate(ctx, "CountItems", by, value, bookmark)
		if err != nil {
			return 0, err
		}
		var c domain.ItemCount
		if err := json.Unmarshal(b, &c); err != nil {
			return 0, fmt.Errorf("CountItems returned unreadable JSON: %w", err)
		}
		total += c.Count
		if c.Bookmark == "" || c.Bookmark == bookmark {
			return total, nil
		}
		bookmark = c.Bookmark
	}
}
