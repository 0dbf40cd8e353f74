package epcis

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

const doc = `{"@context":["https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld"],"type":"EPCISDocument","schemaVersion":"2.0","creationDate":"2026-12-02T00:00:00Z","epcisBody":{"eventList":[
 {"type":"ObjectEvent","eventTime":"2026-12-01T10:00:00Z","eventTimeZoneOffset":"+00:00","epcList":["https://id.gs1.org/01/09506000134352/21/A"],"action":"ADD","bizStep":"commissioning","ilmd":{"cbvmda:lotNumber":"L1"}},
 {"type":"ObjectEvent","eventTime":"2026-12-01T11:00:00Z","eventTimeZoneOffset":"+00:00","epcList":["https://id.gs1.org/01/09506000134352/21/A"],"action":"OBSERVE","bizStep":"shipping",
  "sourceList":[{"type":"owning_party","source":"urn:provledger:msp:ManufacturerMSP"}],"destinationList":[{"type":"owning_party","destination":"urn:provledger:msp:DistributorMSP"}]},
 {"type":"ObjectEvent","eventTime":"2026-12-01T12:00:00Z","eventTimeZoneOffset":"+00:00","epcList":["https://id.gs1.org/01/09506000134352/21/A"],"action":"OBSERVE","bizStep":"receiving",
  "sourceList":[{"type":"owning_party","source":"urn:provledger:msp:ManufacturerMSP"}],"destinationList":[{"type":"owning_party","destination":"urn:provledger:msp:DistributorMSP"}]},
 {"type":"ObjectEvent","eventTime":"2026-12-01T12:00:00Z","eventTimeZoneOffset":"+00:00","epcList":["https://id.gs1.org/01/09506000134352/21/B"],"action":"OBSERVE","bizStep":"packing"}
]}}`

func TestImportCommand(t *testing.T) {
	var seq uint64
	l := ledgertest.New("ManufacturerMSP").
		On("GetItems", func(args []string) (any, error) {
			if seq == 0 {
				return []*domain.Item{nil}, nil
			}
			return []*domain.Item{{ID: "01/09506000134352/21/A", Manufacturer: "ManufacturerMSP", Seq: seq}}, nil
		}).
		On("RegisterItems", func(args []string) (any, error) {
			if !strings.Contains(args[0], `"lot":"L1"`) {
				t.Errorf("RegisterItems %s", args[0])
			}
			seq = 1
			return []string{"01/09506000134352/21/A"}, nil
		}).
		On("OfferTransfer", func(args []string) (any, error) {
			if args[1] != "DistributorMSP" {
				t.Errorf("offer to %s", args[1])
			}
			seq = 2
			return []string{}, nil
		})
	f, ios := cmdtest.Factory(l)
	ios.In = strings.NewReader(doc)
	err := cmdtest.Exec(NewCmd(f, nil), "-")
	if cmdutil.ExitCode(err) != 1 {
		t.Fatalf("exit %d (%v): a refused event exits 1", cmdutil.ExitCode(err), err)
	}
	out := ios.Out.(*bytes.Buffer).String()
	for _, want := range []string{
		"Applied 2 events as ManufacturerMSP in 2 transactions",
		"Left for other organizations: 1 event",
		"event 3 (ni:///sha-256;",
		"accept 01/09506000134352/21/A by DistributorMSP",
		"Refused 1 event:\n  event 4 (ni:///sha-256;",
		`bizStep "packing"`,
	} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	// JSON, and a re-run applies nothing.
	f, ios = cmdtest.Factory(l)
	f.Output = cmdutil.FormatJSON
	ios.In = strings.NewReader(doc)
	_ = cmdtest.Exec(NewCmd(f, nil), "-")
	var res struct {
		Applied []any `json:"applied"`
		Already []any `json:"already"`
	}
	if err := json.Unmarshal(ios.Out.(*bytes.Buffer).Bytes(), &res); err != nil || len(res.Applied) != 0 || len(res.Already) != 2 {
		t.Fatalf("re-run %s (%v)", ios.Out, err)
	}
	// --dry-run touches no ledger.
	f, ios = cmdtest.Factory(ledgertest.New("ManufacturerMSP"))
	ios.In = strings.NewReader(doc)
	err = cmdtest.Exec(NewCmd(f, nil), "-", "--dry-run")
	out = ios.Out.(*bytes.Buffer).String()
	if cmdutil.ExitCode(err) != 1 || !strings.Contains(out, "offer") || !strings.Contains(out, "DistributorMSP") || !strings.Contains(out, "refused event 4") {
		t.Fatalf("dry run exit %d:\n%s", cmdutil.ExitCode(err), out)
	}
	if err := cmdtest.Exec(NewCmd(f, nil)); cmdutil.ExitCode(err) != 2 {
		t.Fatalf("no file: exit %d", cmdutil.ExitCode(err))
	}
}
