package bulk

import (
	"context"
	"encoding/json"
	"regexp"

	"github.com/provledger/provenance/client/gateway"
	"github.com/provledger/provenance/client/internal/ledger"
)

// Submitter sends one batch: the chaincode function and its arguments
// after the ID list.
type Submitter struct {
	L        gateway.Ledger
	Fn       string
	Extra    []string
	Size     int
	FailFast bool
	Bar      *Progress
}

// Execute submits todo in batches of s.Size into res. A batch the chaincode
// refuses is split to find the refused items, so that the good ones still
// commit: an item the refusal names is taken out and the rest resent, else
// the batch is halved. With FailFast the first refusal stops the run. Any
// other error (peer down, timeout, failed commit) stops the run and is
// returned; items not attempted are listed as failed either way.
func (s *Submitter) Execute(ctx context.Context, todo []Input, res *Result) error {
	chunks := ledger.Chunks(todo, s.Size)
	for i, c := range chunks {
		stop, err := s.send(ctx, c, res)
		if stop || err != nil {
			var rest []Input
			for _, later := range chunks[i+1:] {
				rest = append(rest, later...)
			}
			notAttempted(res, rest, err)
			return err
		}
	}
	return nil
}

// send submits one batch and, on a refusal, its parts. It reports whether
// the run must stop (FailFast) and any error that is not a refusal.
func (s *Submitter) send(ctx context.Context, batch []Input, res *Result) (bool, error) {
	keys := make([]string, len(batch))
	for i, x := range batch {
		keys[i] = x.Key
	}
	arg, _ := json.Marshal(keys)
	r, err := s.L.Submit(ctx, s.Fn, append([]string{string(arg)}, s.Extra...)...)
	if err == nil {
		items := keys
		var written []string
		if json.Unmarshal(r.Payload, &written) == nil && len(written) == len(keys) {
			items = written
		}
		res.Transactions = append(res.Transactions, Committed{TxID: r.TxID, Block: r.Block, Items: items})
		res.Items = append(res.Items, items...)
		s.Bar.Add(len(batch))
		return false, nil
	}
	if gateway.CodeOf(err) == "" {
		notAttempted(res, batch, err)
		return true, err
	}
	if len(batch) == 1 {
		res.Failed = append(res.Failed, failedOf(batch[0], err))
		s.Bar.Add(1)
		return s.FailFast, nil
	}
	if s.FailFast {
		named := namedIn(err.Error(), batch)
		for i, x := range batch {
			if i == named || named < 0 {
				res.Failed = append(res.Failed, failedOf(x, err))
			} else {
				res.Failed = append(res.Failed, failedOf(x, errNotAttempted(err)))
			}
		}
		return true, nil
	}
	if i := namedIn(err.Error(), batch); i >= 0 {
		res.Failed = append(res.Failed, failedOf(batch[i], err))
		s.Bar.Add(1)
		rest := append(append([]Input{}, batch[:i]...), batch[i+1:]...)
		return s.send(ctx, rest, res)
	}
	half := len(batch) / 2
	if stop, err := s.send(ctx, batch[:half], res); stop || err != nil {
		notAttempted(res, batch[half:], err)
		return stop, err
	}
	return s.send(ctx, batch[half:], res)
}

// namedIn returns the index of the one item of batch that msg names (the
// chaincode's refusals name the item: "item 01/.../21/X is ..."), or -1.
func namedIn(msg string, batch []Input) int {
	found := -1
	for i, x := range batch {
		re := regexp.MustCompile(regexp.QuoteMeta(x.Key) + `($|\s|[:,;)]($|\s))`)
		if re.MatchString(msg) {
			if found >= 0 {
				return -1
			}
			found = i
		}
	}
	return found
}

type notAttemptedError struct{ cause error }

func (e notAttemptedError) Error() string {
	if e.cause == nil {
		return "not attempted: the run stopped"
	}
	return "not attempted: " + firstLine(e.cause.Error())
}

func errNotAttempted(cause error) error { return notAttemptedError{cause} }

func notAttempted(res *Result, rest []Input, cause error) {
	for _, x := range rest {
		res.Failed = append(res.Failed, failedOf(x, errNotAttempted(cause)))
	}
}
