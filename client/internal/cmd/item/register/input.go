package register

import (
	"bufio"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/provledger/provenance/chaincode/domain"
)

// Entry is one item read from the input, with its line for messages.
type Entry struct {
	Line  int
	Input domain.ItemInput
	Err   error // the row itself is malformed (reported as failed)
}

// ReadEntries reads a register file: a CSV file with a header naming the
// columns (id | gtin,serial; optional lot, expiry, description), or plain
// lines of one ID each (Digital Links typically). Blank lines and lines
// starting with # are ignored in both.
func ReadEntries(r io.Reader) ([]Entry, error) {
	br := bufio.NewReader(r)
	var lines []string
	for {
		s, err := br.ReadString('\n')
		if s != "" || err == nil {
			lines = append(lines, strings.TrimRight(s, "\r\n"))
		}
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("read input: %w", err)
		}
	}
	first := -1
	for i, l := range lines {
		if t := strings.TrimSpace(l); t != "" && !strings.HasPrefix(t, "#") {
			first = i
			break
		}
	}
	if first < 0 {
		return nil, errors.New("input holds no items")
	}
	if header, ok := csvHeader(lines[first]); ok {
		return readCSV(lines, first, header)
	}
	var out []Entry
	for i, l := range lines {
		t := strings.TrimSpace(strings.TrimPrefix(l, "\ufeff"))
		if t == "" || strings.HasPrefix(t, "#") {
			continue
		}
		out = append(out, Entry{Line: i + 1, Input: domain.ItemInput{ID: t}})
	}
	return out, nil
}

var knownColumns = map[string]bool{"id": true, "gtin": true, "serial": true, "lot": true, "expiry": true, "description": true}

// csvHeader recognises a header line: comma-separated names that include id
// or gtin.
func csvHeader(line string) ([]string, bool) {
	line = strings.TrimPrefix(line, "\ufeff")
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

func readCSV(lines []string, headerLine int, cols []string) ([]Entry, error) {
	idx := map[string]int{}
	for i, c := range cols {
		if !knownColumns[c] {
			return nil, fmt.Errorf("line %d: unknown column %q (want id or gtin,serial; lot, expiry, description)", headerLine+1, c)
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
	get := func(rec []string, col string) string {
		if i, ok := idx[col]; ok && i < len(rec) {
			return strings.TrimSpace(rec[i])
		}
		return ""
	}
	var out []Entry
	for i := headerLine + 1; i < len(lines); i++ {
		t := strings.TrimSpace(lines[i])
		if t == "" || strings.HasPrefix(t, "#") {
			continue
		}
		e := Entry{Line: i + 1}
		r := csv.NewReader(strings.NewReader(lines[i]))
		r.FieldsPerRecord = -1
		rec, err := r.Read()
		if err != nil {
			e.Err = fmt.Errorf("bad CSV: %w", err)
			out = append(out, e)
			continue
		}
		if len(rec) > len(cols) {
			e.Err = fmt.Errorf("%d fields, header has %d", len(rec), len(cols))
			out = append(out, e)
			continue
		}
		e.Input = domain.ItemInput{Lot: get(rec, "lot"), Expiry: get(rec, "expiry"), Description: get(rec, "description")}
		if hasID {
			e.Input.ID = get(rec, "id")
		} else {
			gtin, serial := get(rec, "gtin"), get(rec, "serial")
			if g, err := domain.ParseGTIN(gtin); err == nil {
				gtin = g
			} else {
				e.Err = err
			}
			e.Input.ID = "01/" + gtin + "/21/" + serial
		}
		if e.Input.ID == "" && e.Err == nil {
			e.Err = errors.New("empty id")
		}
		out = append(out, e)
	}
	return out, nil
}
