// Package lintbad breaks every rule of the determinism lint on purpose
// (chaincode/lint_test.go TestDeterminismLintCatches).
package lintbad

import (
	"math/rand"
	"net/http"
	"os"
	"regexp"
	"sort"
	"sync"
	"time"
)

var counter int

var cache = map[string]int{}

var pattern = regexp.MustCompile(`x`)

var table = map[string]bool{}

var mu sync.Mutex

type store struct {
	byName map[string]int
	list   []string
}

func index() map[string]int { return nil }

func Bad(m map[string]int, s *store) []string {
	var out []string
	go func() {}()
	_ = time.Now()
	_ = rand.Int()
	_ = os.Getenv("X")
	_, _ = http.Get("http://x")
	counter++
	pattern = nil
	delete(table, "x")
	p := &pattern
	_ = p
	for k := range m {
		out = append(out, k)
	}
	for k := range cache {
		out = append(out, k)
	}
	for k := range s.byName {
		out = append(out, k)
	}
	for k := range make(map[string]int) {
		out = append(out, k)
	}
	for k := range index() {
		out = append(out, k)
	}
	local := map[int]int{}
	for k := range local {
		out = append(out, string(rune(k)))
	}
	return out
}

// okRange ranges over slices only: no finding expected here.
func okRange(s *store, xs []string) int {
	n := 0
	for range s.list {
		n++
	}
	for _, x := range xs {
		n += len(x)
	}
	return n + len(sortedKeys(nil))
}

// sortedKeys sorts a slice copy: no finding expected here.
func sortedKeys(m []string) []string {
	out := append([]string(nil), m...)
	sort.Strings(out)
	return out
}
