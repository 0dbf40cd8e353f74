package register

import (
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/provledger/provenance/client/internal/ledger"
)

// progress is a one-line bar on a terminal's stderr; a nil *progress does
// nothing, so pipes and CI logs stay clean.
type progress struct {
	w     io.Writer
	total int
	n     int
}

func (p *progress) add(n int) {
	if p == nil {
		return
	}
	p.n += n
	const width = 30
	fill := 0
	if p.total > 0 {
		fill = p.n * width / p.total
	}
	fmt.Fprintf(p.w, "\r[%s%s] %d/%d items", strings.Repeat("#", fill), strings.Repeat(" ", width-fill), p.n, p.total)
}

func (p *progress) done() {
	if p == nil {
		return
	}
	fmt.Fprintln(p.w)
}

func asLedger(err error, le **ledger.Error) bool { return errors.As(err, le) }
