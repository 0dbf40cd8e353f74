package bulk

import (
	"errors"
	"fmt"
	"io"
	"sort"
	"strings"

	"github.com/provledger/provenance/chaincode/domain"
	"github.com/provledger/provenance/client/gateway"
	"github.com/provledger/provenance/client/internal/cmdutil"
)

// Committed is one transaction of a run.
type Committed struct {
	TxID  string   `json:"txId"`
	Block uint64   `json:"block"`
	Items []string `json:"items"`
}

// Skipped is an item with nothing left to do.
type Skipped struct {
	Line   int    `json:"line,omitempty"`
	ID     string `json:"id"`
	Reason string `json:"reason"`
}

// Failed is an item that was refused or not attempted.
type Failed struct {
	Line  int         `json:"line,omitempty"`
	ID    string      `json:"id"`
	Code  domain.Code `json:"code,omitempty"`
	Error string      `json:"error"`
	TxID  string      `json:"txId,omitempty"`

	err error
}

// Result is the summary of a run; its JSON is the -o json output, printed
// also when the run fails half-way.
type Result struct {
	Action string `json:"action"`
	To     string `json:"to,omitempty"`
	Reason string `json:"reason,omitempty"`
	Note   string `json:"note,omitempty"`
	DryRun bool   `json:"dryRun,omitempty"`
	// Items lists every committed item; Planned what a dry run would send.
	Items        []string    `json:"items"`
	Planned      []string    `json:"planned,omitempty"`
	Transactions []Committed `json:"transactions"`
	Skipped      []Skipped   `json:"skipped"`
	Failed       []Failed    `json:"failed"`
}

func newResult(action string, p Params) *Result {
	return &Result{Action: action, To: p.To, Reason: p.Reason, Note: p.Note,
		Items: []string{}, Transactions: []Committed{}, Skipped: []Skipped{}, Failed: []Failed{}}
}

// sortLists orders skipped and failed items by input line (arguments, line
// 0, keep their order).
func (r *Result) sortLists() {
	sort.SliceStable(r.Skipped, func(i, j int) bool { return r.Skipped[i].Line < r.Skipped[j].Line })
	SortFailed(r.Failed)
}

// SortFailed orders failures by input line.
func SortFailed(fs []Failed) {
	sort.SliceStable(fs, func(i, j int) bool { return fs[i].Line < fs[j].Line })
}

// Unreadable returns the inputs that failed locally.
func Unreadable(in []Input) []Failed {
	out := []Failed{}
	for _, x := range in {
		if x.Err != nil {
			out = append(out, failedOf(x, x.Err))
		}
	}
	return out
}

// Cause is the error behind the failure (the refusal itself when known).
func (f Failed) Cause() error {
	if f.err != nil {
		return f.err
	}
	return errors.New(f.Error)
}

// FailedOf records x as failed with err (its code, message, transaction).
func FailedOf(x Input, err error) Failed { return failedOf(x, err) }

func failedOf(x Input, err error) Failed {
	id := x.Key
	if id == "" {
		id = x.Raw
	}
	f := Failed{Line: x.Line, ID: id, Code: gateway.CodeOf(err), Error: firstLine(err.Error()), TxID: gateway.TxIDOf(err), err: err}
	var le *gateway.Error
	var na notAttemptedError
	switch {
	case errors.As(err, &na):
		f.Code, f.TxID = "", ""
	case errors.As(err, &le) && le.Code != "":
		f.Error = le.Message
	}
	return f
}

func firstLine(s string) string {
	s, _, _ = strings.Cut(s, "\n")
	return s
}

// listMax is how many committed or planned IDs the table lists.
const listMax = 20

// Print writes the table summary. past is e.g. "Offered", verb "offer",
// suffix e.g. " to DistributorMSP".
func (r *Result) Print(w io.Writer, past, verb, suffix string) {
	n := len(r.Items)
	switch {
	case r.DryRun:
		fmt.Fprintf(w, "Would %s %s%s (dry run: nothing submitted)\n", verb, cmdutil.Plural(len(r.Planned), "item"), suffix)
		listIDs(w, r.Planned)
	case len(r.Transactions) == 1:
		t := r.Transactions[0]
		fmt.Fprintf(w, "%s %s%s (transaction %s, block %d)\n", past, cmdutil.Plural(n, "item"), suffix, t.TxID, t.Block)
		listIDs(w, r.Items)
	case len(r.Transactions) > 1:
		fmt.Fprintf(w, "%s %s%s in %s\n", past, cmdutil.Plural(n, "item"), suffix, cmdutil.Plural(len(r.Transactions), "transaction"))
		for _, t := range r.Transactions {
			fmt.Fprintf(w, "  transaction %s, block %d: %s\n", t.TxID, t.Block, cmdutil.Plural(len(t.Items), "item"))
		}
		listIDs(w, r.Items)
	default:
		fmt.Fprintf(w, "%s 0 items%s\n", past, suffix)
	}
	if len(r.Skipped) > 0 {
		fmt.Fprintf(w, "Skipped %s:\n", cmdutil.Plural(len(r.Skipped), "item"))
		for _, s := range r.Skipped {
			fmt.Fprintf(w, "  %s: %s\n", at(s.Line, s.ID), s.Reason)
		}
	}
	PrintFailed(w, r.Failed)
}

// PrintFailed lists failures with their input lines.
func PrintFailed(w io.Writer, fs []Failed) {
	if len(fs) == 0 {
		return
	}
	fmt.Fprintf(w, "Failed %s:\n", cmdutil.Plural(len(fs), "item"))
	for _, f := range fs {
		tx := ""
		if f.TxID != "" && !strings.Contains(f.Error, f.TxID) {
			tx = " (transaction " + f.TxID + ")"
		}
		fmt.Fprintf(w, "  %s: %s%s\n", at(f.Line, f.ID), f.Error, tx)
	}
}

func listIDs(w io.Writer, ids []string) {
	if len(ids) > listMax {
		return
	}
	for _, id := range ids {
		fmt.Fprintf(w, "  %s\n", id)
	}
}

func at(line int, id string) string {
	if line > 0 {
		return fmt.Sprintf("line %d: %s", line, id)
	}
	return id
}
