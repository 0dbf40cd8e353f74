package idfile

import (
	"strings"
	"testing"
)

func TestReadPlainAndCSV(t *testing.T) {
	rows, err := Read(strings.NewReader("\ufeff# declaration 42\n\nhttps://id.gs1.org/01/09506000134352/21/A1\r\n (01)09506000134352(21)A2 \n"), Options{})
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != 2 || rows[0].Line != 3 || rows[1].Line != 4 || rows[1].ID != "(01)09506000134352(21)A2" {
		t.Fatalf("plain rows = %+v", rows)
	}

	rows, err = Read(strings.NewReader("ID,qty\n# c\n01/09506000134352/21/A1,3\n\"bad,\n"), Options{})
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != 2 || rows[0].ID != "01/09506000134352/21/A1" || rows[0].Cols["qty"] != "3" || rows[0].Line != 3 {
		t.Fatalf("csv rows = %+v", rows)
	}
	if rows[1].Err == nil || rows[1].Line != 4 {
		t.Fatalf("bad CSV row not reported: %+v", rows[1])
	}

	rows, err = Read(strings.NewReader("gtin,serial\n9506000134352,S1\n12,S2\n"), Options{})
	if err != nil {
		t.Fatal(err)
	}
	if rows[0].ID != "01/09506000134352/21/S1" || rows[0].Err != nil || rows[1].Err == nil {
		t.Fatalf("gtin,serial rows = %+v", rows)
	}
	if got := IDs(rows); len(got) != 1 {
		t.Fatalf("IDs = %v", got)
	}
}

func TestReadRefusals(t *testing.T) {
	for name, in := range map[string]string{
		"empty":          "# only a comment\n\n",
		"unknown column": "id,lto\nx,1\n",
		"id and gtin":    "id,gtin,serial\n",
		"gtin alone":     "gtin,lot\n",
		"twice":          "id,id\n",
	} {
		if _, err := Read(strings.NewReader(in), Options{Columns: []string{"lot"}, Strict: true}); err == nil {
			t.Errorf("%s: no error", name)
		}
	}
	if _, err := Read(strings.NewReader("id,declared_by\nx,y\n"), Options{}); err != nil {
		t.Errorf("lenient read refused an extra column: %v", err)
	}
}
