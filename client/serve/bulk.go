package serve

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/provledger/provenance/chaincode/domain"
	"github.com/provledger/provenance/client/internal/idfile"
)

// BulkResult is one identifier's answer in a POST /verify response: the
// input as sent (and its line for line input), and either an answer or the
// refusal of that identifier.
type BulkResult struct {
	Input string `json:"input"`
	Line  int    `json:"line,omitempty"`
	Error string `json:"error,omitempty"`
	*Answer
}

// BulkAnswer is the POST /verify response.
type BulkAnswer struct {
	VerificationTimestamp string       `json:"verificationTimestamp"`
	BlockHeight           uint64       `json:"blockHeight"`
	Results               []BulkResult `json:"results"`
}

// getItemsBatch is how many IDs one GetItems call carries.
const getItemsBatch = 500

// bulk answers POST /verify: a JSON list of identifiers
// (Content-Type application/json), or one identifier per line (plain text or
// CSV, read by idfile like every --file). One answer each, in input order.
func (s *Server) bulk(w http.ResponseWriter, r *http.Request, partner, key string) {
	body, err := readBody(w, r, s.cfg.MaxBody)
	if err == errBodyTooLarge {
		s.fail(w, r, http.StatusRequestEntityTooLarge, "TOO_LARGE", fmt.Sprintf("body larger than %d bytes", s.cfg.MaxBody))
		return
	}
	if err != nil {
		s.fail(w, r, http.StatusBadRequest, "INVALID_ARGUMENT", "reading body: "+err.Error())
		return
	}
	var results []BulkResult
	if ct := strings.ToLower(r.Header.Get("Content-Type")); strings.HasPrefix(ct, "application/json") {
		var in []string
		if err := json.Unmarshal(body, &in); err != nil {
			s.fail(w, r, http.StatusBadRequest, "INVALID_ARGUMENT", "body is not a JSON list of identifier strings: "+err.Error())
			return
		}
		for _, id := range in {
			results = append(results, BulkResult{Input: id})
		}
	} else {
		rows, err := idfile.Read(bytes.NewReader(body), idfile.Options{})
		if err != nil {
			s.fail(w, r, http.StatusBadRequest, "INVALID_ARGUMENT", err.Error())
			return
		}
		for _, row := range rows {
			res := BulkResult{Input: row.ID, Line: row.Line}
			if row.Err != nil {
				res.Error = row.Err.Error()
			}
			results = append(results, res)
		}
	}
	max := s.cfg.AnonMaxIDs
	if partner != "" {
		max = s.cfg.MaxIDs
	}
	switch {
	case len(results) == 0:
		s.fail(w, r, http.StatusBadRequest, "INVALID_ARGUMENT", "no identifiers in the body")
		return
	case len(results) > max:
		s.fail(w, r, http.StatusRequestEntityTooLarge, "TOO_MANY_IDS", fmt.Sprintf("%d identifiers; at most %d per request for this caller", len(results), max))
		return
	}
	if !s.allow(w, r, key, partner, 1+len(results)/100) {
		return
	}
	ctx := r.Context()
	height, err := s.b.Height(ctx)
	if err != nil {
		s.unavailable(w, r, err)
		return
	}
	idents := make([]domain.Identifier, len(results))
	var keys []string
	var at []int
	for i := range results {
		if results[i].Error != "" {
			continue
		}
		id, err := domain.ParseIdentifier(results[i].Input)
		if err != nil {
			results[i].Error = err.Error()
			continue
		}
		idents[i] = id
		keys, at = append(keys, id.Key()), append(at, i)
	}
	items := make([]*domain.Item, len(results))
	for lo := 0; lo < len(keys); lo += getItemsBatch {
		hi := min(lo+getItemsBatch, len(keys))
		got, err := s.b.Items(ctx, keys[lo:hi])
		if err != nil || len(got) != hi-lo {
			s.unavailable(w, r, orErr(err, "GetItems answered %d items for %d", len(got), hi-lo))
			return
		}
		for j, it := range got {
			items[at[lo+j]] = it
		}
	}
	now := s.cfg.Now()
	sem := make(chan struct{}, s.cfg.Concurrency)
	var wg sync.WaitGroup
	for _, i := range at {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer func() { <-sem; wg.Done() }()
			a := build(s.check(ctx, idents[i], items[i], partner != ""), now, height, partner)
			a.ResponderGLN = s.cfg.ResponderGLN
			results[i].Answer = &a
		}()
	}
	wg.Wait()
	if err := context.Cause(ctx); err != nil {
		return // the caller left
	}
	writeJSON(w, http.StatusOK, BulkAnswer{VerificationTimestamp: now.UTC().Format(time.RFC3339Nano), BlockHeight: height, Results: results})
}
