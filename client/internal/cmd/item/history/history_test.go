package history

import (
	"bytes"
	"encoding/json"
	"strconv"
	"testing"

	"github.com/provledger/provenance/chaincode/domain"
	"github.com/provledger/provenance/client/internal/cmdtest"
	"github.com/provledger/provenance/client/internal/cmdutil"
	"github.com/provledger/provenance/client/internal/ledger/ledgertest"
)

// The fake pages 2 events at a time out of 5.
func fake() *ledgertest.Fake {
	return ledgertest.New("M").On("GetHistory", func(args []string) (any, error) {
		from, _ := strconv.Atoi(args[1])
		limit, _ := strconv.Atoi(args[2])
		if from == 0 {
			from = 1
		}
		page := domain.HistoryPage{}
		for s := from; s <= 5 && len(page.Events) < min(limit, 2); s++ {
			page.Events = append(page.Events, domain.CustodyEvent{Item: args[0], Seq: uint64(s), Type: domain.EventInspected})
		}
		if last := from + len(page.Events); last <= 5 {
			page.NextSeq = uint64(last)
		}
		return page, nil
	})
}

func TestHistoryPaging(t *testing.T) {
	tests := []struct {
		argv []string
		want int
	}{
		{[]string{"01/09506000134352/21/A"}, 5},
		{[]string{"01/09506000134352/21/A", "--limit", "3"}, 3},
		{[]string{"01/09506000134352/21/A", "--from-seq", "4"}, 2},
	}
	for _, tt := range tests {
		l := fake()
		f, ios := cmdtest.Factory(l)
		f.Output = cmdutil.FormatJSON
		if err := cmdtest.Exec(NewCmd(f, nil), tt.argv...); err != nil {
			t.Fatal(err)
		}
		var out struct {
			Item   string
			Events []domain.CustodyEvent
		}
		json.Unmarshal(ios.Out.(*bytes.Buffer).Bytes(), &out)
		if len(out.Events) != tt.want || out.Item != "01/09506000134352/21/A" {
			t.Errorf("%v: %d events, want %d", tt.argv, len(out.Events), tt.want)
		}
	}
	f, _ := cmdtest.Factory(fake())
	if err := cmdtest.Exec(NewCmd(f, nil), "x", "--limit", "-1"); cmdutil.ExitCode(err) != 2 {
		t.Errorf("negative limit: %v", err)
	}
}
