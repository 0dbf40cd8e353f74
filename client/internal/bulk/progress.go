package bulk

import (
	"fmt"
	"io"
	"strings"
)

// Progress is a one-line bar on a terminal's stderr; a nil *Progress does
// nothing, so pipes, CI logs and -o json stay clean.
type Progress struct {
	w     io.Writer
	total int
	n     int
}

// NewProgress returns a bar over total items, or nil when not on a terminal.
func NewProgress(w io.Writer, tty bool, total int) *Progress {
	if !tty || total < 2 {
		return nil
	}
	return &Progress{w: w, total: total}
}

// Add counts n more items done.
func (p *Progress) Add(n int) {
	if p == nil {
		return
	}
	p.n += n
	const width = 30
	fill := 0
	if p.total > 0 {
		fill = min(p.n, p.total) * width / p.total
	}
	fmt.Fprintf(p.w, "\r[%s%s] %d/%d items", strings.Repeat("#", fill), strings.Repeat(" ", width-fill), p.n, p.total)
}

// Done ends the bar's line.
func (p *Progress) Done() {
	if p == nil {
		return
	}
	fmt.Fprintln(p.w)
}
