// Package render prints ledger records as human-readable text. JSON output
// does not come through here: it is the records' own JSON.
package render

import (
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/provledger/provenance/chaincode/domain"
	"github.com/provledger/provenance/client/gateway"
	"github.com/provledger/provenance/client/internal/cmdutil"
)

// Item prints one item as aligned key: value lines.
func Item(w io.Writer, it *domain.Item) error {
	return cmdutil.KV(w,
		"ID", it.ID,
		"GTIN", it.GTIN,
		"Serial", it.Serial,
		"Lot", it.Lot,
		"Expiry", FormatExpiry(it.Expiry),
		"Description", it.Description,
		"Status", Status(it),
		"Owner", it.Owner,
		"Offered to", it.OfferedTo,
		"Manufacturer", it.Manufacturer,
		"Reason", it.Reason,
		"Hold", HoldText(it.Hold),
		"Recall", RecallText(it.Recall),
		"Last event", LastEvent(it),
		"Last tx", it.UpdatedTx,
	)
}

// LastEvent names event Seq with its own time: UpdatedAt is when the item
// record last changed, which holds and recalls do not touch (a chaincode
// older than lastEventAt gives only that).
func LastEvent(it *domain.Item) string {
	switch {
	case it.LastEventAt != "":
		return fmt.Sprintf("#%d at %s", it.Seq, it.LastEventAt)
	case it.UpdatedAt != "":
		return fmt.Sprintf("#%d (record updated at %s)", it.Seq, it.UpdatedAt)
	}
	return fmt.Sprintf("#%d", it.Seq)
}

// Status is the item's status with its hold and recall flags, e.g.
// "ACTIVE, ON HOLD, RECALLED".
func Status(it *domain.Item) string {
	s := string(it.Status)
	if it.Hold != nil {
		s += ", ON HOLD"
	}
	if it.Recall != nil {
		s += ", RECALLED"
	}
	return s
}

// HoldText describes a hold in one line ("" for none).
func HoldText(h *domain.Hold) string {
	if h == nil {
		return ""
	}
	return fmt.Sprintf("by %s since %s: %s", h.By, h.At, h.Reason)
}

// RecallText describes a recall in one line ("" for none).
func RecallText(r *domain.Recall) string {
	if r == nil {
		return ""
	}
	return fmt.Sprintf("%s recall by %s at %s: %s", r.Scope, r.By, r.At, r.Reason)
}

// FormatExpiry shows a GS1 YYMMDD expiry as 20YY-MM-DD (DD 00 means the end
// of the month and is kept as written).
func FormatExpiry(s string) string {
	if len(s) != 6 {
		return s
	}
	if _, err := strconv.Atoi(s); err != nil {
		return s
	}
	yy, _ := strconv.Atoi(s[:2])
	// GS1 General Specifications 7.12: a two-digit year within 50 years of now;
	// a fixed window keeps the output deterministic.
	century := 2000
	if yy >= 51 {
		century = 1900
	}
	return fmt.Sprintf("%d-%s-%s", century+yy, s[2:4], s[4:6])
}

// Items prints a table of items.
func Items(w io.Writer, items []domain.Item) error {
	t := cmdutil.NewTable(w, "id", "status", "owner", "lot", "expiry", "updated")
	for i := range items {
		it := &items[i]
		t.Row(it.ID, Status(it), it.Owner, it.Lot, FormatExpiry(it.Expiry), it.UpdatedAt)
	}
	return t.Flush()
}

// History prints custody events.
func History(w io.Writer, events []domain.CustodyEvent) error {
	t := cmdutil.NewTable(w, "seq", "event", "from", "to", "by", "time", "transaction", "details")
	for _, e := range events {
		details := e.Details
		if e.Note != "" {
			details = strings.TrimPrefix(details+"; note: "+e.Note, "; ")
		}
		t.Row(strconv.FormatUint(e.Seq, 10), string(e.Type), e.From, e.To, e.SubmitterMSP, e.Timestamp, e.TxID, details)
	}
	return t.Flush()
}

// Prefix prints one prefix claim: its votes, a pending claim's expiry, the
// organizations barred from re-claiming it and the open votes to reopen it
// for them, and the earlier decided claims the record keeps.
func Prefix(w io.Writer, p *domain.Prefix) error {
	var reopens, history []string
	for _, r := range p.Reopens {
		reopens = append(reopens, fmt.Sprintf("%s by %s", r.MSP, strings.Join(r.Votes, ", ")))
	}
	for _, h := range p.History {
		s := fmt.Sprintf("%s for %s at %s (claim tx %s)", h.Status, h.Owner, h.UpdatedAt, h.ClaimTx)
		if h.RevokedWith != "" {
			s += " with " + h.RevokedWith
		}
		history = append(history, s)
	}
	return cmdutil.KV(w,
		"Prefix", p.Prefix,
		"Status", string(p.Status),
		"Owner", p.Owner,
		"Licence", p.Licence,
		"Approvals", strings.Join(p.Approvals, ", "),
		"Rejections", strings.Join(p.Rejections, ", "),
		"Revocations", strings.Join(p.Revocations, ", "),
		"Revoked with", p.RevokedWith,
		"Expires", p.ExpiresAt,
		"Barred", strings.Join(p.Barred, ", "),
		"Reopen votes", strings.Join(reopens, "; "),
		"Earlier", strings.Join(history, "; "),
		"Claim tx", p.ClaimTx,
		"Updated", p.UpdatedAt,
	)
}

// Prefixes prints a table of prefix claims; EXPIRES is a pending claim's
// expiry (ledger time of a later transaction decides).
func Prefixes(w io.Writer, ps []domain.Prefix) error {
	t := cmdutil.NewTable(w, "prefix", "status", "owner", "licence", "approvals", "expires", "updated")
	for _, p := range ps {
		t.Row(p.Prefix, string(p.Status), p.Owner, p.Licence, strings.Join(p.Approvals, ","), p.ExpiresAt, p.UpdatedAt)
	}
	return t.Flush()
}

// TxResult is the stable JSON of a submitted change.
type TxResult struct {
	Action string   `json:"action"`
	TxID   string   `json:"txId"`
	Block  uint64   `json:"block"`
	Items  []string `json:"items,omitempty"`
	To     string   `json:"to,omitempty"`
	Reason string   `json:"reason,omitempty"`
	Result any      `json:"result,omitempty"`
}

// NewTxResult fills a TxResult from a ledger result.
func NewTxResult(action string, r *gateway.Result, items []string) TxResult {
	return TxResult{Action: action, TxID: r.TxID, Block: r.Block, Items: items}
}

// Changed prints "<What> <n items> (transaction T, block B)" and the items.
func Changed(w io.Writer, what string, r *gateway.Result, items []string) error {
	fmt.Fprintf(w, "%s %s (transaction %s, block %d)\n", what, cmdutil.Plural(len(items), "item"), r.TxID, r.Block)
	for _, id := range items {
		fmt.Fprintf(w, "  %s\n", id)
	}
	return nil
}
