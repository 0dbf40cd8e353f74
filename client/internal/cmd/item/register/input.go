package register

import (
	"io"

	"github.com/provledger/provenance/chaincode/domain"
	"github.com/provledger/provenance/client/internal/idfile"
)

// Entry is one item read from the input, with its line for messages.
type Entry struct {
	Line  int
	Input domain.ItemInput
	Err   error // the row itself is malformed (reported as failed)
}

// ReadEntries reads a register file through idfile (the one reader of ID
// lists): CSV with a header naming the columns (id | gtin,serial; optional
// lot, expiry, description; any other column is refused), or plain lines of
// one ID each (Digital Links typically). Blank lines and # comments are
// ignored; every entry keeps its file line.
func ReadEntries(r io.Reader) ([]Entry, error) {
	rows, err := idfile.Read(r, idfile.Options{Columns: []string{"lot", "expiry", "description"}, Strict: true})
	if err != nil {
		return nil, err
	}
	out := make([]Entry, len(rows))
	for i, row := range rows {
		out[i] = Entry{Line: row.Line, Err: row.Err, Input: domain.ItemInput{ID: row.ID,
			Lot: row.Cols["lot"], Expiry: row.Cols["expiry"], Description: row.Cols["description"]}}
	}
	return out, nil
}
