package bulk

import (
	"fmt"
	"io"

	"github.com/provledger/provenance/chaincode/domain"
	"github.com/provledger/provenance/client/internal/cmdutil"
	"github.com/provledger/provenance/client/internal/idfile"
)

// Input is one item ID as given: an argument (Line 0) or a file row.
type Input struct {
	Line int    // file line, 0 for an argument
	Raw  string // as written
	Key  string // canonical key; "" when Err is set
	Err  error  // malformed, or a duplicate of an earlier input
}

// ReadInputs takes item IDs from args or from file ("-" for stdin), never
// both, through idfile (plain lines or CSV with id or gtin,serial columns).
// Every ID is parsed locally; bad ones come back with Err set, so one run
// reports all of them. Only an unreadable file is an error.
func ReadInputs(args []string, file string, stdin io.Reader) ([]Input, error) {
	var in []Input
	switch {
	case file != "" && len(args) > 0:
		return nil, cmdutil.Usagef("give item IDs as arguments or --file, not both")
	case file != "":
		rows, err := idfile.ReadFile(file, stdin, idfile.Options{})
		if err != nil {
			return nil, err
		}
		for _, r := range rows {
			in = append(in, Input{Line: r.Line, Raw: r.ID, Err: r.Err})
		}
	case len(args) > 0:
		for _, a := range args {
			in = append(in, Input{Raw: a})
		}
	default:
		return nil, cmdutil.Usagef("missing item IDs (arguments, or --file FILE, - for stdin)")
	}
	seen := make(map[string]int, len(in))
	for i := range in {
		x := &in[i]
		if x.Err != nil {
			continue
		}
		id, err := cmdutil.ParseID(x.Raw)
		if err != nil {
			x.Err = err
			continue
		}
		k := id.Key()
		if j, dup := seen[k]; dup {
			x.Key = k // for the message; Err keeps it out of any batch
			x.Err = domain.Errorf(domain.CodeInvalidArgument, "%s: duplicate of %s", k, where(in[j], j))
			continue
		}
		seen[k] = i
		x.Key = k
	}
	return in, nil
}

func where(x Input, i int) string {
	if x.Line > 0 {
		return fmt.Sprintf("line %d", x.Line)
	}
	return fmt.Sprintf("argument %d", i+1)
}
