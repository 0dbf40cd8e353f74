// Package chaincode_test holds the chaincode's determinism lint: every
// endorsing peer must compute the same read/write set and response from the
// same proposal, so the chaincode packages may not look at anything but the
// proposal and the ledger. scripts/test.sh runs it as its lint step
// (go test -run TestDeterminism ./chaincode/).
package chaincode_test

import (
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"
)

// lintedDirs are the chaincode packages (relative to this directory). Test
// files are not linted: they never run on a peer.
var lintedDirs = []string{"contract", "domain"}

// forbiddenImports maps an import path (or a path prefix ending in "/") to
// why it is refused.
var forbiddenImports = map[string]string{
	"time":          "the peer's clock differs between endorsers; use the transaction timestamp (stub.GetTxTimestamp)",
	"math/rand":     "random numbers differ between endorsers",
	"math/rand/v2":  "random numbers differ between endorsers",
	"crypto/rand":   "random numbers differ between endorsers",
	"os":            "the environment and file system differ between peers",
	"os/":           "the environment and file system differ between peers",
	"io/ioutil":     "the file system differs between peers",
	"path/filepath": "the file system differs between peers",
	"net":           "network answers differ between endorsers",
	"net/":          "network answers differ between endorsers",
	"sync":          "shared mutable state and concurrency have no place in a transaction",
	"sync/":         "shared mutable state and concurrency have no place in a transaction",
	"syscall":       "the operating system differs between peers",
	"unsafe":        "unsafe memory access",
	"runtime":       "runtime state differs between peers",
	"runtime/":      "runtime state differs between peers",
	"plugin":        "code loaded at run time",
}

// domainNoFabric: chaincode/domain is shared with the client; it must not
// import the shim or any other Fabric package.
const domainNoFabric = "github.com/hyperledger/"

// timeAllowed: "time" may be imported only by this file, and only to name
// the layout constant used to format the transaction timestamp
// (ts.AsTime().UTC().Format(time.RFC3339Nano)).
const timeAllowedFile = "contract/clock.go"

var timeAllowedUses = map[string]bool{"RFC3339Nano": true}

// allowedVars are the only package-level variables: values built once at
// start-up and never written again (the lint also refuses any assignment to
// them, delete() on them and their address being taken). Keyed by
// "dir.name", valued by the only initializer accepted.
var allowedVars = map[string]string{
	"domain.codeInText": "regexp.MustCompile",
}

// violation is one finding: file:line: rule: detail.
type violation struct {
	pos  token.Position
	rule string
	msg  string
}

func (v violation) String() string {
	return fmt.Sprintf("%s:%d: %s: %s", v.pos.Filename, v.pos.Line, v.rule, v.msg)
}

// TestDeterminism lints the chaincode packages.
func TestDeterminism(t *testing.T) {
	for _, dir := range lintedDirs {
		vs, err := lintPackage(dir, dir)
		if err != nil {
			t.Fatal(err)
		}
		for _, v := range vs {
			t.Error(v)
		}
	}
}

// TestDeterminismLintCatches proves the lint finds each kind of violation,
// on testdata/lintbad (a package written to break every rule).
func TestDeterminismLintCatches(t *testing.T) {
	vs, err := lintPackage(filepath.Join("testdata", "lintbad"), "lintbad")
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]int{}
	for _, v := range vs {
		got[v.rule+" "+v.msg]++
	}
	want := []string{
		`import "time"`, `import "math/rand"`, `import "os"`, `import "net/http"`, `import "sync"`,
		"go statement", "package-level var counter", "package-level var cache", "range over map m",
		"range over map cache", "range over map s.byName", "range over map make(...)", "range over map index()",
		"assignment to package-level var pattern", "delete on package-level var table", "address of package-level var pattern",
		"package-level var mu", "range over map local", "assignment to package-level var counter",
	}
	var all []string
	for k := range got {
		all = append(all, k)
	}
	sort.Strings(all)
	for _, w := range want {
		found := false
		for _, k := range all {
			if strings.Contains(k, w) {
				found = true
			}
		}
		if !found {
			t.Errorf("lint missed %q; it found:\n%s", w, strings.Join(all, "\n"))
		}
	}
	for _, v := range vs {
		if v.pos.Line >= 66 { // okRange and sortedKeys: clean code
			t.Errorf("false positive: %s", v)
		}
	}

	// The time rule: in contract/clock.go only time.RFC3339Nano passes.
	vs, err = lintPackage(filepath.Join("testdata", "lintclock", "contract"), "contract")
	if err != nil {
		t.Fatal(err)
	}
	var msgs []string
	for _, v := range vs {
		msgs = append(msgs, v.String())
	}
	joined := strings.Join(msgs, "\n")
	if len(vs) != 3 || !strings.Contains(joined, "time.Now") || !strings.Contains(joined, "time.Time") || strings.Contains(joined, "RFC3339Nano:") {
		t.Errorf("time rule findings:\n%s", joined)
	}
}

// lintPackage parses the non-test Go files of dir; name is the package's
// key in allowedVars and forbiddenImports qualifiers. The lint's own bad
// examples under testdata are named *.go.fixture, so that no tool or
// hygiene check mistakes their forbidden calls for chaincode source; they
// are linted under their .go name.
func lintPackage(dir, name string) ([]violation, error) {
	fset := token.NewFileSet()
	matches, err := filepath.Glob(filepath.Join(dir, "*.go"))
	if err != nil {
		return nil, err
	}
	fixtures, err := filepath.Glob(filepath.Join(dir, "*.go.fixture"))
	if err != nil {
		return nil, err
	}
	matches = append(matches, fixtures...)
	var files []*ast.File
	var paths []string
	for _, p := range matches {
		if strings.HasSuffix(p, "_test.go") {
			continue
		}
		src, err := os.ReadFile(p)
		if err != nil {
			return nil, err
		}
		f, err := parser.ParseFile(fset, p, src, parser.ParseComments)
		if err != nil {
			return nil, err
		}
		files = append(files, f)
		paths = append(paths, strings.TrimSuffix(p, ".fixture"))
	}
	if len(files) == 0 {
		return nil, fmt.Errorf("no Go files in %s", dir)
	}
	l := &linter{fset: fset, pkg: name, pkgVars: map[string]*ast.ValueSpec{}, mapVars: map[string]bool{},
		mapFields: map[string]bool{}, mapFuncs: map[string]bool{}}
	for _, f := range files {
		l.collect(f)
	}
	for i, f := range files {
		l.lintFile(f, filepath.ToSlash(paths[i]))
	}
	sort.Slice(l.out, func(i, j int) bool { return l.out[i].String() < l.out[j].String() })
	return l.out, nil
}

type linter struct {
	fset      *token.FileSet
	pkg       string
	pkgVars   map[string]*ast.ValueSpec // package-level vars by name
	mapVars   map[string]bool           // package-level vars of map type
	mapFields map[string]bool           // struct field names of map type
	mapFuncs  map[string]bool           // package functions returning a map
	out       []violation
}

func (l *linter) report(n ast.Node, rule, format string, args ...any) {
	l.out = append(l.out, violation{pos: l.fset.Position(n.Pos()), rule: rule, msg: fmt.Sprintf(format, args...)})
}

// collect records package-level declarations other files refer to.
func (l *linter) collect(f *ast.File) {
	for _, d := range f.Decls {
		switch d := d.(type) {
		case *ast.GenDecl:
			for _, s := range d.Specs {
				switch s := s.(type) {
				case *ast.ValueSpec:
					if d.Tok != token.VAR {
						continue
					}
					for i, n := range s.Names {
						l.pkgVars[n.Name] = s
						if isMapType(s.Type) || (i < len(s.Values) && isMapExpr(s.Values[i])) {
							l.mapVars[n.Name] = true
						}
					}
				case *ast.TypeSpec:
					if st, ok := s.Type.(*ast.StructType); ok {
						for _, fld := range st.Fields.List {
							if isMapType(fld.Type) {
								for _, n := range fld.Names {
									l.mapFields[n.Name] = true
								}
							}
						}
					}
				}
			}
		case *ast.FuncDecl:
			if d.Type.Results != nil && len(d.Type.Results.List) > 0 && isMapType(d.Type.Results.List[0].Type) {
				l.mapFuncs[d.Name.Name] = true
			}
		}
	}
}

func (l *linter) lintFile(f *ast.File, path string) {
	timeImported := false
	for _, imp := range f.Imports {
		p, _ := strconv.Unquote(imp.Path.Value)
		if p == "time" && strings.HasSuffix(path, timeAllowedFile) {
			timeImported = true
			continue
		}
		if why, bad := forbiddenImport(p, l.pkg); bad {
			l.report(imp, "forbidden import", "import %q: %s", p, why)
		}
	}
	if timeImported {
		l.checkTimeUses(f)
	}
	for _, d := range f.Decls {
		if gd, ok := d.(*ast.GenDecl); ok && gd.Tok == token.VAR {
			for _, s := range gd.Specs {
				l.checkPackageVar(s.(*ast.ValueSpec))
			}
		}
	}
	ast.Inspect(f, func(n ast.Node) bool {
		switch n := n.(type) {
		case *ast.GoStmt:
			l.report(n, "goroutine", "go statement: endorsement must be sequential")
		case *ast.RangeStmt:
			if what, ok := l.mapRange(n.X); ok {
				l.report(n, "map order", "range over map %s: iteration order is random; range over a sorted slice", what)
			}
		case *ast.AssignStmt:
			for _, lhs := range n.Lhs {
				l.checkWrite(lhs, "assignment to")
			}
		case *ast.IncDecStmt:
			l.checkWrite(n.X, "assignment to")
		case *ast.UnaryExpr:
			if n.Op == token.AND {
				if id := rootIdent(n.X); id != nil && l.isPkgVar(id) {
					l.report(n, "package state", "address of package-level var %s taken", id.Name)
				}
			}
		case *ast.CallExpr:
			if fn, ok := n.Fun.(*ast.Ident); ok && (fn.Name == "delete" || fn.Name == "clear") && len(n.Args) > 0 {
				if id := rootIdent(n.Args[0]); id != nil && l.isPkgVar(id) {
					l.report(n, "package state", "%s on package-level var %s", fn.Name, id.Name)
				}
			}
		}
		return true
	})
}

func forbiddenImport(p, pkg string) (string, bool) {
	if why, ok := forbiddenImports[p]; ok {
		return why, true
	}
	if pkg == "domain" && strings.HasPrefix(p, domainNoFabric) {
		return "chaincode/domain is shared with the client and must not import Fabric packages", true
	}
	for k, why := range forbiddenImports {
		if strings.HasSuffix(k, "/") && strings.HasPrefix(p, k) {
			return why, true
		}
	}
	return "", false
}

// checkTimeUses allows only time.RFC3339Nano in the one file that may
// import "time".
func (l *linter) checkTimeUses(f *ast.File) {
	ast.Inspect(f, func(n ast.Node) bool {
		switch n := n.(type) {
		case *ast.SelectorExpr:
			if x, ok := n.X.(*ast.Ident); ok && x.Name == "time" && x.Obj == nil {
				if !timeAllowedUses[n.Sel.Name] {
					l.report(n, "forbidden import", "time.%s: only time.RFC3339Nano may be used, to format the transaction timestamp", n.Sel.Name)
				}
				return false
			}
		case *ast.Ident:
			if n.Name == "time" && n.Obj == nil {
				l.report(n, "forbidden import", "the time package used other than as time.RFC3339Nano")
			}
		case *ast.ImportSpec:
			return false
		}
		return true
	})
}

func (l *linter) checkPackageVar(s *ast.ValueSpec) {
	for i, n := range s.Names {
		if n.Name == "_" {
			continue // compile-time interface assertions hold no state
		}
		want, ok := allowedVars[l.pkg+"."+n.Name]
		if !ok {
			l.report(n, "package state", "package-level var %s: mutable state shared by transactions; use a const or a function", n.Name)
			continue
		}
		var init ast.Expr
		if i < len(s.Values) {
			init = s.Values[i]
		}
		if got := initKind(init); got != want {
			l.report(n, "package state", "package-level var %s must be initialized by %s, not %s", n.Name, want, got)
		}
	}
}

func initKind(e ast.Expr) string {
	switch e := e.(type) {
	case nil:
		return "nothing"
	case *ast.CallExpr:
		if sel, ok := e.Fun.(*ast.SelectorExpr); ok {
			if x, ok := sel.X.(*ast.Ident); ok {
				return x.Name + "." + sel.Sel.Name
			}
		}
	case *ast.CompositeLit:
		if isMapType(e.Type) {
			return "map literal"
		}
	}
	return "another expression"
}

// checkWrite refuses writes to package-level variables (x = ..., x[k] = ...,
// x.f = ...).
func (l *linter) checkWrite(lhs ast.Expr, what string) {
	if id := rootIdent(lhs); id != nil && l.isPkgVar(id) {
		l.report(lhs, "package state", "%s package-level var %s", what, id.Name)
	}
}

// isPkgVar reports whether id refers to a package-level variable: the
// parser resolves locals (and file-level declarations) to objects; a name
// declared in another file of the package stays unresolved.
func (l *linter) isPkgVar(id *ast.Ident) bool {
	spec, ok := l.pkgVars[id.Name]
	if !ok {
		return false
	}
	if id.Obj == nil {
		return true
	}
	return id.Obj.Decl == spec
}

func rootIdent(e ast.Expr) *ast.Ident {
	for {
		switch x := e.(type) {
		case *ast.Ident:
			return x
		case *ast.IndexExpr:
			e = x.X
		case *ast.SelectorExpr:
			e = x.X
		case *ast.StarExpr:
			e = x.X
		case *ast.ParenExpr:
			e = x.X
		default:
			return nil
		}
	}
}

// mapRange reports whether a range expression is (syntactically) a map:
// a map literal or make(map...), a variable or parameter declared as a map,
// a struct field of map type, or a call of a package function returning one.
func (l *linter) mapRange(x ast.Expr) (string, bool) {
	switch e := x.(type) {
	case *ast.ParenExpr:
		return l.mapRange(e.X)
	case *ast.CompositeLit, *ast.CallExpr:
		if isMapExpr(e) {
			return exprString(e), true
		}
		if call, ok := e.(*ast.CallExpr); ok {
			if fn, ok := call.Fun.(*ast.Ident); ok && l.mapFuncs[fn.Name] {
				return fn.Name + "()", true
			}
		}
	case *ast.Ident:
		if e.Obj == nil {
			return e.Name, l.mapVars[e.Name]
		}
		if declaresMap(e.Obj.Decl, e.Name) {
			return e.Name, true
		}
	case *ast.SelectorExpr:
		if l.mapFields[e.Sel.Name] {
			return exprString(e), true
		}
	}
	return "", false
}

// declaresMap inspects the declaration the parser resolved an identifier to.
func declaresMap(decl any, name string) bool {
	switch d := decl.(type) {
	case *ast.ValueSpec:
		for i, n := range d.Names {
			if n.Name == name {
				return isMapType(d.Type) || (i < len(d.Values) && isMapExpr(d.Values[i]))
			}
		}
	case *ast.AssignStmt:
		for i, lhs := range d.Lhs {
			if id, ok := lhs.(*ast.Ident); ok && id.Name == name && i < len(d.Rhs) && len(d.Lhs) == len(d.Rhs) {
				return isMapExpr(d.Rhs[i])
			}
		}
	case *ast.Field:
		return isMapType(d.Type)
	}
	return false
}

func isMapType(e ast.Expr) bool {
	_, ok := e.(*ast.MapType)
	return ok
}

// isMapExpr: map[K]V{...} or make(map[K]V, ...).
func isMapExpr(e ast.Expr) bool {
	switch e := e.(type) {
	case *ast.CompositeLit:
		return isMapType(e.Type)
	case *ast.CallExpr:
		if fn, ok := e.Fun.(*ast.Ident); ok && fn.Name == "make" && len(e.Args) > 0 {
			return isMapType(e.Args[0])
		}
	}
	return false
}

func exprString(e ast.Expr) string {
	switch e := e.(type) {
	case *ast.Ident:
		return e.Name
	case *ast.SelectorExpr:
		return exprString(e.X) + "." + e.Sel.Name
	case *ast.CallExpr:
		return exprString(e.Fun) + "(...)"
	case *ast.CompositeLit:
		return "map literal"
	}
	return "expression"
}
