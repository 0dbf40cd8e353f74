package audit

import (
	"encoding/csv"
	"fmt"
	"html/template"
	"io"
	"strings"
)

// WriteCSV writes one row per line: line, input, item, presenter, verdict,
// status, owner, verified, reasons, transactions (with blocks).
func WriteCSV(w io.Writer, rep *Report) error {
	cw := csv.NewWriter(w)
	_ = cw.Write([]string{"line", "input", "item", "presenter", "verdict", "status", "owner", "verified", "reasons", "evidence"})
	for _, r := range rep.Results {
		_ = cw.Write([]string{lineLabel(r.Line), r.Input, r.Item, r.Presenter, string(r.Verdict), r.Status, r.Owner,
			fmt.Sprint(r.Verified), r.Reasons(), evidence(r)})
	}
	cw.Flush()
	return cw.Error()
}

func lineLabel(n int) string {
	if n <= 0 {
		return ""
	}
	return fmt.Sprint(n)
}

// evidence lists a result's transactions as "tx@block".
func evidence(r Result) string {
	var out []string
	for _, f := range r.Findings {
		if f.TxID == "" {
			continue
		}
		s := f.TxID
		if f.BlockKnown {
			s += fmt.Sprintf("@%d", f.Block)
		}
		out = append(out, s)
	}
	return strings.Join(out, " ")
}

// WriteHTML writes a self-contained printable page (inline style, no
// scripts, no external assets): summary, thresholds, every suspect line
// with its findings' transactions and blocks, then the genuine lines.
func WriteHTML(w io.Writer, rep *Report) error {
	return page.Execute(w, rep)
}

var page = template.Must(template.New("audit").Funcs(template.FuncMap{
	"line": lineLabel,
	"suspect": func(v Verdict) bool {
		return v.Suspect()
	},
}).Parse(`<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<title>Provenance audit {{.Generated}}</title>
<style>
body{font:13px/1.4 sans-serif;margin:2em;color:#111}
h1{font-size:20px}h2{font-size:16px;margin-top:1.5em}
table{border-collapse:collapse;width:100%;margin:.5em 0}
th,td{border:1px solid #999;padding:3px 6px;text-align:left;vertical-align:top}
th{background:#eee}.bad{background:#fde8e8}.mono{font-family:monospace;word-break:break-all}
@media print{body{margin:0}tr{page-break-inside:avoid}}
</style></head><body>
<h1>Provenance audit</h1>
<p>Generated {{.Generated}}{{if .Source}} from {{.Source}}{{end}}.
{{if .Verified}}Custody records verified against the blocks (signatures, endorsements, block hashes, ordering quorum).{{else}}Statuses only: custody records were not verified (run with --verify).{{end}}
Result: <strong>{{if .Suspect}}SUSPECT ITEMS FOUND{{else}}no findings{{end}}</strong>.</p>
<h2>Summary</h2>
<table><tr><th>Verdict</th><th>Lines</th></tr>
{{range .Counts}}<tr{{if suspect .Verdict}} class="bad"{{end}}><td>{{.Verdict}}</td><td>{{.Lines}}</td></tr>
{{end}}</table>
<p>Thresholds: {{range $i, $t := .Thresholds}}{{if $i}}; {{end}}{{$t}}{{end}}.</p>
{{range .Warnings}}<p><strong>Warning:</strong> {{.}}</p>{{end}}
<h2>Findings</h2>
<table><tr><th>Line</th><th>Item</th><th>Verdict</th><th>Status</th><th>Finding</th><th>Transaction</th><th>Block</th></tr>
{{range .Results}}{{if suspect .Verdict}}{{$r := .}}{{range $i, $f := .Findings}}<tr class="bad">
<td>{{if not $i}}{{line $r.Line}}{{end}}</td><td class="mono">{{if not $i}}{{if $r.Item}}{{$r.Item}}{{else}}{{$r.Input}}{{end}}{{if $r.Presenter}}<br>presented by {{$r.Presenter}}{{end}}{{end}}</td>
<td>{{if not $i}}{{$r.Verdict}}{{end}}</td><td>{{if not $i}}{{$r.Status}}{{end}}</td>
<td>{{$f.Verdict}}: {{$f.Reason}}</td><td class="mono">{{$f.TxID}}</td><td>{{if $f.BlockKnown}}{{$f.Block}}{{end}}</td></tr>
{{end}}{{end}}{{end}}</table>
<h2>Genuine</h2>
<table><tr><th>Line</th><th>Item</th><th>Status</th><th>Owner</th><th>Verified</th></tr>
{{range .Results}}{{if not (suspect .Verdict)}}<tr><td>{{line .Line}}</td><td class="mono">{{.Item}}</td><td>{{.Status}}</td><td>{{.Owner}}</td><td>{{if .Verified}}yes{{else}}no{{end}}</td></tr>
{{end}}{{end}}</table>
</body></html>
`))
