package register

import (
	"strings"
	"testing"

	"github.com/provledger/provenance/chaincode/domain"
)

func TestReadEntries(t *testing.T) {
	tests := []struct {
		name    string
		in      string
		want    []Entry
		wantErr string
	}{
		{
			name: "csv with id",
			in:   "id,lot,expiry,description\n01/09506000134352/21/A,L1,261231,\"box, blue\"\n\n# note\n01/09506000134352/21/B,,,\n",
			want: []Entry{
				{Line: 2, Input: domain.ItemInput{ID: "01/09506000134352/21/A", Lot: "L1", Expiry: "261231", Description: "box, blue"}},
				{Line: 5, Input: domain.ItemInput{ID: "01/09506000134352/21/B"}},
			},
		},
		{
			name: "csv with gtin and serial, columns in any order, GTIN-13 padded",
			in:   "serial,gtin,lot\r\nS1,9506000134352,L9\r\n",
			want: []Entry{{Line: 2, Input: domain.ItemInput{ID: "01/09506000134352/21/S1", Lot: "L9"}}},
		},
		{
			name: "digital links, one per line",
			in:   "# batch 7\nhttps://id.gs1.org/01/09506000134352/10/L1/21/A\n  https://id.gs1.org/01/09506000134352/21/B  \n",
			want: []Entry{
				{Line: 2, Input: domain.ItemInput{ID: "https://id.gs1.org/01/09506000134352/10/L1/21/A"}},
				{Line: 3, Input: domain.ItemInput{ID: "https://id.gs1.org/01/09506000134352/21/B"}},
			},
		},
		{name: "unknown column", in: "id,colour\nx,red\n", wantErr: `unknown column "colour"`},
		{name: "id and gtin", in: "id,gtin,serial\n", wantErr: "either an id column"},
		{name: "gtin without serial", in: "gtin,lot\n", wantErr: "go together"},
		{name: "empty", in: "\n# only a comment\n", wantErr: "holds no IDs"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ReadEntries(strings.NewReader(tt.in))
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err = %v, want %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if len(got) != len(tt.want) {
				t.Fatalf("got %d entries %+v", len(got), got)
			}
			for i := range got {
				if got[i].Line != tt.want[i].Line || got[i].Input != tt.want[i].Input || got[i].Err != nil {
					t.Errorf("entry %d = %+v, want %+v", i, got[i], tt.want[i])
				}
			}
		})
	}
}

func TestReadEntriesRowErrors(t *testing.T) {
	got, err := ReadEntries(strings.NewReader("gtin,serial\n9506000134353,A\n9506000134352,B,extra\n"))
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 || domain.CodeOf(got[0].Err) != domain.CodeInvalidID || got[1].Err == nil {
		t.Errorf("got %+v", got)
	}
}
