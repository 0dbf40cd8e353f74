package list

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"

	"github.com/provledger/provenance/chaincode/domain"
	"github.com/provledger/provenance/client/internal/cmdtest"
	"github.com/provledger/provenance/client/internal/cmdutil"
	"github.com/provledger/provenance/client/internal/ledger/ledgertest"
)

func TestRecallList(t *testing.T) {
	const g = "09506000134352"
	var counts []string
	l := ledgertest.New("M").
		On("ListRecalls", func(args []string) (any, error) {
			if args[1] == "" {
				return domain.RecallPage{Recalls: []domain.RecallEntry{
					{Target: "01/" + g, Recall: domain.Recall{Scope: "gtin", By: "M", Reason: "withdrawn"}},
					{Target: "01/" + g + "/10/L1", Recall: domain.Recall{Scope: "lot", By: "M", Reason: "contamination"}}}, Bookmark: "r2"}, nil
			}
			return domain.RecallPage{Recalls: []domain.RecallEntry{{Target: "01/" + g + "/21/A", Recall: domain.Recall{Scope: "item", By: "M", Reason: "seal"}}}}, nil
		}).
		On("CountItems", func(args []string) (any, error) {
			counts = append(counts, args[0]+" "+args[1])
			return domain.ItemCount{Count: 4}, nil
		})
	f, ios := cmdtest.Factory(l)
	if err := cmdtest.Exec(NewCmd(f, nil), "--all", "--count"); err != nil {
		t.Fatal(err)
	}
	out := ios.Out.(*bytes.Buffer).String()
	for _, want := range []string{"TARGET", "ITEMS", "01/" + g + "/10/L1", "contamination", "01/" + g + "/21/A"} {
		if !strings.Contains(out, want) {
			t.Errorf("missing %q in\n%s", want, out)
		}
	}
	if strings.Join(counts, ",") != "gtin "+g+",lot "+g+"/L1" {
		t.Errorf("counts %q", counts)
	}

	f.Output = cmdutil.FormatJSON
	ios.Out.(*bytes.Buffer).Reset()
	if err := cmdtest.Exec(NewCmd(f, nil), "--limit", "2"); err != nil {
		t.Fatal(err)
	}
	var page struct {
		Recalls  []Entry
		Bookmark string
	}
	if err := json.Unmarshal(ios.Out.(*bytes.Buffer).Bytes(), &page); err != nil {
		t.Fatal(err)
	}
	if len(page.Recalls) != 2 || page.Recalls[0].Items != nil || page.Bookmark != cmdutil.EncodeBookmark("r2") {
		t.Errorf("json page %+v", page)
	}
	if err := cmdtest.Exec(NewCmd(f, nil), "--limit", "0"); cmdutil.ExitCode(err) != 2 {
		t.Errorf("--limit 0: %v", err)
	}
}
