package serve

import (
	"html/template"
	"net/http"
	"time"
)

// verdictText is the headline and advice of each verdict, for people.
var verdictText = map[string][2]string{
	VerdictGenuine:        {"Genuine product", "This pack is registered by its manufacturer and its custody record checks out."},
	VerdictRecalled:       {"Recalled: do not use", "This pack is genuine but under a recall. Do not sell, dispense or use it; return it as the recall instructs."},
	VerdictStolen:         {"Reported stolen", "This serial was reported stolen. Do not accept or sell this pack; report where you found it."},
	VerdictDecommissioned: {"Already taken out of circulation", "This serial was already dispensed, sold, destroyed or exported. A pack carrying it now may be a copy: do not accept it."},
	VerdictHeld:           {"On customs hold", "This pack is genuine but held by customs. Do not move or sell it until the hold is released."},
	VerdictUnknown:        {"Unknown serial: not genuine", "No pack with this serial number was ever registered. Treat it as suspect and do not accept it."},
	VerdictMismatch:       {"Does not match the record", "The serial exists, but the lot or expiry date on this pack does not match the registered one. Treat it as suspect."},
	VerdictFailed:         {"Could not be verified", "The ledger's record for this serial did not pass verification. Treat the pack as suspect."},
}

// verdictClass picks the page's colour: good, warn or bad.
func verdictClass(v string) string {
	switch v {
	case VerdictGenuine:
		return "good"
	case VerdictHeld:
		return "warn"
	}
	return "bad"
}

type pageData struct {
	A         Answer
	Title     string
	Advice    string
	Class     string
	Responder string
	Computed  string
}

// Colours meet WCAG AA contrast (white on #0b6b2e 6.9:1, on #a1151b 7.4:1,
// on #7a4600 7.2:1; #1b1b1b on #fff 17:1).
const pageCSS = `
*{box-sizing:border-box}
body{margin:0;font:1rem/1.5 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:#1b1b1b;background:#fff}
main{max-width:40rem;margin:0 auto;padding:0 1rem 2rem}
.verdict{margin:0 -1rem 1rem;padding:1.25rem 1rem;color:#fff}
.good{background:#0b6b2e}.bad{background:#a1151b}.warn{background:#7a4600}
h1{margin:0;font-size:1.75rem;line-height:1.2}
.verdict p{margin:.5rem 0 0;font-size:1.05rem}
h2{font-size:1.15rem;margin:1.5rem 0 .5rem;border-bottom:1px solid #767676}
dl{display:grid;grid-template-columns:max-content 1fr;gap:.25rem 1rem;margin:0}
dt{font-weight:600}dd{margin:0;overflow-wrap:anywhere}
table{border-collapse:collapse;width:100%;font-size:.9rem}
caption{text-align:left;font-weight:600;padding:.25rem 0}
th,td{text-align:left;padding:.3rem .4rem;border-bottom:1px solid #d0d0d0;vertical-align:top}
td.tx{font-family:ui-monospace,monospace;font-size:.8rem;overflow-wrap:anywhere}
.small{font-size:.9rem;color:#3b3b3b}
`

var pageTmpl = template.Must(template.New("page").Funcs(template.FuncMap{"deref": func(b *bool) bool { return b != nil && *b }}).Parse(`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{.Title}}: {{.A.Prov.ID}}</title>
<style>` + pageCSS + `</style>
</head>
<body>
<main>
<section class="verdict {{.Class}}" role="status" aria-labelledby="verdict">
<h1 id="verdict" data-verdict="{{.A.Prov.Verdict}}">{{.Title}}</h1>
<p>{{.Advice}}</p>
</section>
<h2>Product</h2>
<dl>
<dt>GTIN</dt><dd id="gtin">{{.A.Prov.GTIN}}</dd>
<dt>Serial number</dt><dd id="serial">{{.A.Prov.Serial}}</dd>
{{- with .A.Prov.Description}}
<dt>Description</dt><dd>{{.}}</dd>{{end}}
{{- if .A.Prov.LotMatch}}
<dt>Lot on the pack</dt><dd>{{if deref .A.Prov.LotMatch}}matches the registered lot{{else}}does not match the registered lot{{end}}</dd>{{end}}
{{- if .A.Prov.ExpiryMatch}}
<dt>Expiry on the pack</dt><dd>{{if deref .A.Prov.ExpiryMatch}}matches the registered expiry{{else}}does not match the registered expiry{{end}}</dd>{{end}}
{{- with .A.Prov.Lot}}
<dt>Registered lot</dt><dd>{{.}}</dd>{{end}}
{{- with .A.Prov.Expiry}}
<dt>Registered expiry</dt><dd>{{.}} (YYMMDD)</dd>{{end}}
{{- if .A.Prov.Status}}
<dt>Status</dt><dd id="status">{{.A.Prov.Status}}</dd>{{end}}
{{- with .A.Prov.Owner}}
<dt>Held by</dt><dd>{{.}}</dd>{{end}}
{{- with .A.Prov.Recall}}
<dt>Recall</dt><dd>{{.Scope}} recall by {{.By}}: {{.Reason}}</dd>{{end}}
{{- with .A.Prov.Hold}}
<dt>Hold</dt><dd>by {{.By}}: {{.Reason}}</dd>{{end}}
</dl>
{{- if .A.Prov.Custody}}
<h2>Custody</h2>
<table>
<caption>Custody events, oldest first</caption>
<thead><tr><th scope="col">#</th><th scope="col">Event</th><th scope="col">By</th><th scope="col">When (UTC)</th><th scope="col">Transaction</th></tr></thead>
<tbody>
{{- range .A.Prov.Custody}}
<tr><td>{{.Seq}}</td><td>{{.Type}}{{with .To}} to {{.}}{{end}}</td><td>{{.By}}</td><td>{{.Timestamp}}</td><td class="tx">{{.TxID}}</td></tr>
{{- end}}
</tbody>
</table>
{{- end}}
<h2>How this was checked</h2>
<p class="small">Checked {{with .Responder}}by {{.}} {{end}}against the shared provenance ledger at block height {{.A.Prov.BlockHeight}}, on {{.Computed}} UTC.
{{- if .A.Prov.Exists}} The pack's custody record was verified against the ledger's signed blocks, not just looked up.{{end}}
{{- with .A.Prov.Verification}} {{if .OK}}All {{.Checks}} checks passed{{else}}{{len .Failed}} of {{.Checks}} checks failed{{end}}, {{.Trust}}; report computed {{.VerifiedAt}}.{{end}}</p>
{{- if eq .A.Prov.View "anonymous"}}
<p class="small">Partners signed in with a certificate or token see the custody record.</p>{{end}}
</main>
</body>
</html>
`))

var errorTmpl = template.Must(template.New("error").Parse(`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{.Status}}: {{.Code}}</title>
<style>` + pageCSS + `</style>
</head>
<body>
<main>
<section class="verdict bad" role="alert">
<h1 id="verdict" data-verdict="error">This code could not be checked</h1>
<p>{{.Message}}</p>
</section>
<p class="small">{{.Code}} (HTTP {{.Status}})</p>
</main>
</body>
</html>
`))

func (s *Server) page(w http.ResponseWriter, r *http.Request, a Answer) {
	t := verdictText[a.Prov.Verdict]
	computed, _ := time.Parse(time.RFC3339Nano, a.VerificationTimestamp)
	d := pageData{A: a, Title: t[0], Advice: t[1], Class: verdictClass(a.Prov.Verdict), Responder: s.cfg.Responder,
		Computed: computed.Format("2 Jan 2006, 15:04:05")}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(http.StatusOK)
	if r.Method == http.MethodHead {
		return
	}
	_ = pageTmpl.Execute(w, d)
}

func (s *Server) errorPage(w http.ResponseWriter, status int, code, msg string) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	_ = errorTmpl.Execute(w, map[string]any{"Status": status, "Code": code, "Message": msg})
}
