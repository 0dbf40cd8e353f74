// Package idfile reads lists of item IDs from files or stdin: the one reader
// behind every command's --file (custody commands, register, audit, export).
//
// Two shapes are accepted, told apart by the first non-comment line:
//   - plain: one ID per line, in any spelling the domain parses;
//   - CSV: a header line naming the columns, with an "id" column or a
//     "gtin" and "serial" pair (the ID is then 01/{gtin}/21/{serial}).
//
// Blank lines and lines starting with # are skipped in both; a UTF-8 byte
// order mark and CRLF line ends are tolerated. Every row keeps its 1-based
// line number so messages name the file line, not a batch position. A
// malformed row does not stop the read: it comes back with Err set, so one
// run reports every bad row.
package idfile

import (
	"bufio"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/provledger/provenance/chaincode/domain"
)

// Row is one record of an ID list.
type Row struct {
	Line int               // 1-based line in the input
	ID   string            // the ID as written (or built from gtin,serial)
	Cols map[string]string // CSV columns other than id/gtin/serial (trimmed); nil for plain lines
	Err  error             // the row itself is malformed
}

// Options say which CSV columns a command understands.
type Options struct {
	// Columns lists the extra CSV columns accepted besides id, gtin and
	// serial. With Strict, any other column is an error (a typo in a
	// header must not silently drop data); without it, others are kept in
	// Cols and may be ignored by the caller (declarations carry columns of
	// their own).
	Columns []string
	Strict  bool
}

// Open returns the reader for a --file argument: "-" is stdin.
func Open(path string, stdin io.Reader) (io.ReadCloser, error) {
	if path == "-" {
		return io.NopCloser(stdin), nil
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("open ID file: %w", err)
	}
	return f, nil
}

// ReadFile opens path ("-" for stdin) and reads it.
func ReadFile(path string, stdin io.Reader, o Options) ([]Row, error) {
	rc, err := Open(path, stdin)
	if err != nil {
		return nil, err
	}
	defer rc.Close()
	rows, err := Read(rc, o)
	if err != nil && path != "-" {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return rows, err
}

// Read reads an ID list. It fails only when the input cannot be read, holds
// no IDs, or its CSV header is unusable; bad rows come back with Err set.
func Read(r io.Reader, o Options) ([]Row, error) {
	lines, err := readLines(r)
	if err != nil {
		return nil, err
	}
	first := -1
	for i, l := range lines {
		if !skip(l) {
			first = i
			break
		}
	}
	if first < 0 {
		return nil, errors.New("input holds no IDs")
	}
	if header, ok := csvHeader(lines[first]); ok {
		return readCSV(lines, first, header, o)
	}
	var out []Row
	for i, l := range lines {
		if skip(l) {
			continue
		}
		out = append(out, Row{Line: i + 1, ID: strings.TrimSpace(l)})
	}
	return out, nil
}

// IDs returns the IDs of rows without errors, in order.
func IDs(rows []Row) []string {
	out := make([]string, 0, len(rows))
	for _, r := range rows {
		if r.Err == nil {
			out = append(out, r.ID)
		}
	}
	return out
}

func readLines(r io.Reader) ([]string, error) {
	br := bufio.NewReader(r)
	var lines []string
	for {
		s, err := br.ReadString('\n')
		if s != "" || err == nil {
			if len(lines) == 0 {
				s = strings.TrimPrefix(s, "\ufeff")
			}
			lines = append(lines, strings.TrimRight(s, "\r\n"))
		}
		if errors.Is(err, io.EOF) {
			return lines, nil
		}
		if err != nil {
			return nil, fmt.Errorf("read input: %w", err)
		}
	}
}

func skip(l string) bool {
	t := strings.TrimSpace(l)
	return t == "" || strings.HasPrefix(t, "#")
}

// csvHeader recognises a header line: comma-separated names that include id
// or gtin (a lone "id" line is a header too).
func csvHeader(line string) ([]string, bool) {
	if !strings.Contains(line, ",") && strings.TrimSpace(strings.ToLower(line)) != "id" {
		return nil, false
	}
	rec, err := csv.NewReader(strings.NewReader(line)).Read()
	if err != nil {
		return nil, false
	}
	cols := make([]string, len(rec))
	hasKey := false
	for i, c := range rec {
		cols[i] = strings.ToLower(strings.TrimSpace(c))
		if cols[i] == "id" || cols[i] == "gtin" {
			hasKey = true
		}
	}
	return cols, hasKey
}

func readCSV(lines []string, headerLine int, cols []string, o Options) ([]Row, error) {
	known := map[string]bool{"id": true, "gtin": true, "serial": true}
	for _, c := range o.Columns {
		known[c] = true
	}
	idx := map[string]int{}
	for i, c := range cols {
		if o.Strict && !known[c] {
			return nil, fmt.Errorf("line %d: unknown column %q (want id or gtin,serial%s)", headerLine+1, c, extra(o.Columns))
		}
		if _, dup := idx[c]; dup {
			return nil, fmt.Errorf("line %d: column %q twice", headerLine+1, c)
		}
		idx[c] = i
	}
	_, hasID := idx["id"]
	_, hasGTIN := idx["gtin"]
	_, hasSerial := idx["serial"]
	switch {
	case hasID && (hasGTIN || hasSerial):
		return nil, fmt.Errorf("line %d: use either an id column or gtin and serial columns", headerLine+1)
	case hasGTIN != hasSerial:
		return nil, fmt.Errorf("line %d: gtin and serial columns go together", headerLine+1)
	}
	var out []Row
	for i := headerLine + 1; i < len(lines); i++ {
		if skip(lines[i]) {
			continue
		}
		row := Row{Line: i + 1}
		r := csv.NewReader(strings.NewReader(lines[i]))
		r.FieldsPerRecord = -1
		rec, err := r.Read()
		switch {
		case err != nil:
			row.Err = fmt.Errorf("bad CSV: %w", err)
		case len(rec) > len(cols):
			row.Err = fmt.Errorf("%d fields, header has %d", len(rec), len(cols))
		}
		if row.Err != nil {
			out = append(out, row)
			continue
		}
		get := func(col string) string {
			if j, ok := idx[col]; ok && j < len(rec) {
				return strings.TrimSpace(rec[j])
			}
			return ""
		}
		for _, c := range cols {
			if c != "id" && c != "gtin" && c != "serial" {
				if row.Cols == nil {
					row.Cols = map[string]string{}
				}
				row.Cols[c] = get(c)
			}
		}
		if hasID {
			row.ID = get("id")
		} else {
			gtin, serial := get("gtin"), get("serial")
			if g, err := domain.ParseGTIN(gtin); err == nil {
				gtin = g
			} else {
				row.Err = err
			}
			row.ID = "01/" + gtin + "/21/" + serial
		}
		if row.ID == "" && row.Err == nil {
			row.Err = errors.New("empty id")
		}
		out = append(out, row)
	}
	return out, nil
}

func extra(cols []string) string {
	if len(cols) == 0 {
		return ""
	}
	return "; " + strings.Join(cols, ", ")
}
