package unit

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"github.com/provledger/provenance/chaincode/domain"
	"github.com/provledger/provenance/client/internal/cmdtest"
	"github.com/provledger/provenance/client/internal/cmdutil"
	"github.com/provledger/provenance/client/internal/ledger/ledgertest"
)

const (
	caseU   = "00/106141412345678908"
	palletU = "00/106141412345678915"
	itemA   = "01/09506000134352/21/A"
)

func ev(item string, seq uint64, typ domain.EventType, unit string, unitSeq uint64) domain.CustodyEvent {
	return domain.CustodyEvent{Item: item, Seq: seq, Type: typ, Unit: unit, UnitSeq: unitSeq}
}

// TestTravel: an item's history includes the events of the case it was in
// and of the pallet the case was in, between packing and unpacking.
func TestTravel(t *testing.T) {
	hist := map[string][]domain.CustodyEvent{
		itemA: {ev(itemA, 1, domain.EventRegistered, "", 0), ev(itemA, 2, domain.EventPacked, caseU, 2),
			ev(itemA, 3, domain.EventUnpacked, caseU, 6), ev(itemA, 4, domain.EventOffered, "", 0)},
		caseU: {ev(caseU, 1, domain.EventRegistered, "", 0), ev(caseU, 2, domain.EventPacked, "", 0),
			ev(caseU, 3, domain.EventPacked, palletU, 2), ev(caseU, 4, domain.EventUnpacked, palletU, 5),
			ev(caseU, 5, domain.EventHeld, "", 0), ev(caseU, 6, domain.EventUnpacked, "", 0), ev(caseU, 7, domain.EventOffered, "", 0)},
		palletU: {ev(palletU, 1, domain.EventRegistered, "", 0), ev(palletU, 2, domain.EventPacked, "", 0),
			ev(palletU, 3, domain.EventOffered, "", 0), ev(palletU, 4, domain.EventAccepted, "", 0), ev(palletU, 5, domain.EventUnpacked, "", 0)},
	}
	l := ledgertest.New("DistributorMSP").On("GetHistory", func(args []string) (any, error) {
		h, ok := hist[args[0]]
		if !ok {
			return nil, domain.Errorf(domain.CodeNotFound, "no %s", args[0])
		}
		return domain.HistoryPage{Events: h}, nil
	})
	steps, err := Travel(context.Background(), l, itemA)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, s := range steps {
		got = append(got, s.Subject[:2]+s.Subject[len(s.Subject)-1:]+"#"+string(rune('0'+s.Event.Seq)))
	}
	// item 1,2 | case 3 (into pallet) | pallet 3,4 (offered, accepted) | case 4 (out of pallet), 5 (held) | item 3,4
	want := "01A#1 01A#2 008#3 005#3 005#4 008#4 008#5 01A#3 01A#4"
	if strings.Join(got, " ") != want {
		t.Fatalf("travel = %v\nwant    %v", strings.Join(got, " "), want)
	}
}

func TestUnitCommands(t *testing.T) {
	l := ledgertest.New("ManufacturerMSP").
		Returns("PackUnit", []string{itemA}).
		Returns("GetItem", domain.Item{ID: palletU, Owner: "ManufacturerMSP", Status: domain.StatusActive, Contents: 10, Depth: 2}).
		Returns("GetOrgRoles", []domain.OrgRole{{MSP: "DistributorMSP", Role: domain.RoleDistributor}})
	for _, tc := range []struct {
		argv     []string
		wantCode int
		wantOut  string
		wantErr  string
	}{
		{[]string{"pack", "(00)106141412345678908", "(01)09506000134352(21)A"}, 0, "Packed 1 item into " + caseU, ""},
		{[]string{"pack", "106141412345678909", itemA}, 1, "", "check digit"},
		{[]string{"pack", caseU}, 2, "", "missing the IDs"},
		{[]string{"show", palletU}, 0, "Contents:   10\n", ""},
	} {
		f, ios := cmdtest.Factory(l)
		err := cmdtest.Exec(NewCmd(f), tc.argv...)
		if code := cmdutil.ExitCode(err); code != tc.wantCode || (tc.wantErr != "" && !strings.Contains(err.Error(), tc.wantErr)) {
			t.Fatalf("%v: err = %v (exit %d), want exit %d %q", tc.argv, err, code, tc.wantCode, tc.wantErr)
		}
		if out := ios.Out.(*bytes.Buffer).String(); !strings.Contains(out, tc.wantOut) {
			t.Fatalf("%v: out = %q, want %q", tc.argv, out, tc.wantOut)
		}
	}
	calls := l.CallsTo("PackUnit")
	if len(calls) != 1 || calls[0].Args[0] != caseU || calls[0].Args[1] != `["`+itemA+`"]` {
		t.Fatalf("PackUnit calls = %+v", calls)
	}
}
