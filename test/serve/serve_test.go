package serve

import (
	"bytes"
	"crypto/tls"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	srv "github.com/provledger/provenance/client/serve"
)

func do(t *testing.T, c *http.Client, method, url string, body io.Reader, hdr ...string) (*http.Response, string) {
	t.Helper()
	req, err := http.NewRequest(method, url, body)
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	resp, err := c.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, url, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp, string(b)
}

func answer(t *testing.T, body string) srv.Answer {
	t.Helper()
	var a srv.Answer
	if err := json.Unmarshal([]byte(body), &a); err != nil {
		t.Fatalf("%v: %s", err, body)
	}
	return a
}

// path is the Digital Link path of a fixture item (with lot and expiry).
func path(id string) string {
	g, serial := id[3:17], id[21:]
	return "/01/" + g + "/10/" + lot + "/21/" + serial + "?17=" + expiry
}

// TestVerdicts: every verdict, anonymous JSON, against the live ledger.
func TestVerdicts(t *testing.T) {
	integration(t)
	c := client(nil)
	for v, want := range map[string]struct {
		verified bool
		info     string
	}{
		"genuine": {true, ""}, "recalled": {true, "Recalled"}, "stolen": {false, "Suspect"},
		"decommissioned": {true, ""}, "held": {true, ""}, "unknown": {false, ""},
	} {
		resp, body := do(t, c, "GET", main_.url+path(items[v])+"&corrUUID=run-"+runTag, nil)
		if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "application/json" {
			t.Fatalf("%s: %d %s", v, resp.StatusCode, body)
		}
		a := answer(t, body)
		if a.Prov.Verdict != v || a.Data.Verified != want.verified || a.Data.AdditionalInfo != want.info {
			t.Errorf("%s: verdict %q data %+v; want verified %v info %q", v, a.Prov.Verdict, a.Data, want.verified, want.info)
		}
		if a.Prov.BlockHeight < 5 || a.VerificationTimestamp == "" || a.CorrUUID != "run-"+runTag || a.ResponderGLN == "" || a.Prov.View != "anonymous" {
			t.Errorf("%s: answer header %+v", v, a)
		}
		if v != "unknown" && (a.Prov.LotMatch == nil || !*a.Prov.LotMatch || a.Prov.ExpiryMatch == nil || !*a.Prov.ExpiryMatch || a.Prov.Description != description) {
			t.Errorf("%s: lot/expiry match %s", v, body)
		}
		for _, secret := range []string{"ManufacturerMSP", "DistributorMSP", "CustomsMSP", `"custody"`, `"txId"`, `"verification"`} {
			if strings.Contains(body, secret) {
				t.Errorf("%s: anonymous answer shows %s", v, secret)
			}
		}
	}
	// the lot and expiry are checked against the ledger's
	_, body := do(t, c, "GET", main_.url+strings.Replace(path(items["genuine"]), lot, "WRONG", 1), nil)
	if a := answer(t, body); a.Prov.Verdict != "mismatch" || a.Data.Verified || a.Data.VerificationFailureReason != "No_match_GTIN_Serial_Lot" {
		t.Errorf("wrong lot: %s", body)
	}
	// any Digital Link host form: a custom path prefix, no lot
	_, body = do(t, c, "GET", main_.url+"/gs1/dl"+"/01/"+items["genuine"][3:17]+"/21/"+items["genuine"][21:], nil)
	if a := answer(t, body); a.Prov.Verdict != "genuine" || a.Prov.LotMatch != nil {
		t.Errorf("path prefix: %s", body)
	}
}

// TestPartnerViews: a client certificate from the partner CA and a bearer
// token both see owner, custody and the verification; a certificate from
// another CA is refused at the handshake, a wrong token with 401.
func TestPartnerViews(t *testing.T) {
	integration(t)
	url := main_.url + path(items["held"])
	for name, c := range map[string]struct {
		cl  *http.Client
		hdr []string
	}{
		"mtls":  {client(&partnerCert), nil},
		"token": {client(nil), []string{"Authorization", "Bearer " + token}},
	} {
		resp, body := do(t, c.cl, "GET", url, nil, c.hdr...)
		if resp.StatusCode != 200 {
			t.Fatalf("%s: %d %s", name, resp.StatusCode, body)
		}
		p := answer(t, body).Prov
		wantPartner := map[string]string{"mtls": "wholesaler-7", "token": "acme-pharmacy"}[name]
		if p.View != "partner" || p.Partner != wantPartner || p.Owner != "ManufacturerMSP" || p.Lot != lot || p.Hold == nil || p.Hold.By != "CustomsMSP" {
			t.Errorf("%s: partner view %s", name, body)
		}
		if len(p.Custody) != 2 || p.Custody[0].Type != "REGISTERED" || p.Custody[1].Type != "HELD" || p.Custody[1].TxID == "" {
			t.Errorf("%s: custody %+v", name, p.Custody)
		}
		if p.Verification == nil || !p.Verification.OK || p.Verification.Checks < 10 || !strings.Contains(p.Verification.Trust, "BFT quorum") {
			t.Errorf("%s: verification %+v", name, p.Verification)
		}
	}
	if _, err := client(&strangerCert).Get(url); err == nil {
		t.Errorf("a certificate from another CA was accepted")
	}
	resp, body := do(t, client(nil), "GET", url, nil, "Authorization", "Bearer not-the-token-0000000000")
	if resp.StatusCode != 401 || !strings.Contains(body, "UNAUTHORIZED") {
		t.Errorf("wrong token: %d %s", resp.StatusCode, body)
	}
}

// TestHTMLAndLinkset: the HTML page, the linkset both ways, 303 redirects.
func TestHTMLAndLinkset(t *testing.T) {
	integration(t)
	c := client(nil)
	resp, body := do(t, c, "GET", main_.url+path(items["recalled"]), nil, "Accept", "text/html")
	if resp.StatusCode != 200 || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/html") ||
		!strings.Contains(body, "Recalled: do not use") || !strings.Contains(body, `lang="en"`) {
		t.Errorf("HTML: %d %s", resp.StatusCode, body)
	}
	for _, how := range []struct{ suffix, accept string }{{"&linkType=all", ""}, {"", "application/linkset+json"}} {
		resp, body := do(t, c, "GET", main_.url+path(items["genuine"])+how.suffix, nil, "Accept", how.accept)
		if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "application/linkset+json" {
			t.Fatalf("linkset %v: %d %s", how, resp.StatusCode, body)
		}
		var ls struct {
			Linkset []map[string]json.RawMessage `json:"linkset"`
		}
		if err := json.Unmarshal([]byte(body), &ls); err != nil || len(ls.Linkset) != 1 {
			t.Fatalf("linkset: %v %s", err, body)
		}
		for _, rel := range []string{"anchor", "https://gs1.org/voc/verificationService", "https://gs1.org/voc/pip", "https://gs1.org/voc/epil"} {
			if _, ok := ls.Linkset[0][rel]; !ok {
				t.Errorf("linkset lacks %s: %s", rel, body)
			}
		}
	}
	resp, _ = do(t, c, "GET", main_.url+path(items["genuine"])+"&linkType=gs1:epil", nil)
	if resp.StatusCode != 303 || !strings.HasPrefix(resp.Header.Get("Location"), "https://brand.example/leaflet/0") {
		t.Errorf("epil: %d %q", resp.StatusCode, resp.Header.Get("Location"))
	}
	// the limited server redirects plain browser requests to its default link
	resp, _ = do(t, client(nil), "GET", limited.url+path(items["genuine"]), nil, "Accept", "text/html")
	if resp.StatusCode != 303 || !strings.HasPrefix(resp.Header.Get("Location"), "https://brand.example/p/0") {
		t.Errorf("default link: %d %q", resp.StatusCode, resp.Header.Get("Location"))
	}
}

// TestBulk: one answer per identifier, JSON and lines.
func TestBulk(t *testing.T) {
	integration(t)
	ids := []string{items["genuine"], items["stolen"], items["unknown"], "01/09506000134353/21/X", "https://id.example.com" + path(items["recalled"])}
	js, _ := json.Marshal(ids)
	resp, body := do(t, client(nil), "POST", main_.url+"/verify", bytes.NewReader(js), "Content-Type", "application/json")
	if resp.StatusCode != 200 {
		t.Fatalf("%d %s", resp.StatusCode, body)
	}
	var b srv.BulkAnswer
	if err := json.Unmarshal([]byte(body), &b); err != nil || len(b.Results) != len(ids) {
		t.Fatalf("%v %s", err, body)
	}
	for i, want := range []string{"genuine", "stolen", "unknown", "", "recalled"} {
		r := b.Results[i]
		switch {
		case want == "" && (r.Answer != nil || !strings.Contains(r.Error, "check digit")):
			t.Errorf("result %d: %+v", i, r)
		case want != "" && (r.Answer == nil || r.Prov.Verdict != want):
			t.Errorf("result %d: %+v; want %s", i, r, want)
		}
	}
	lines := strings.Join(benchIDs[:10], "\n") + "\n"
	resp, body = do(t, client(nil), "POST", main_.url+"/verify", strings.NewReader(lines), "Content-Type", "text/plain", "Authorization", "Bearer "+token)
	if err := json.Unmarshal([]byte(body), &b); err != nil || resp.StatusCode != 200 || len(b.Results) != 10 {
		t.Fatalf("lines: %d %v %s", resp.StatusCode, err, body)
	}
	for i, r := range b.Results {
		if r.Line != i+1 || r.Answer == nil || r.Prov.Verdict != "genuine" || len(r.Prov.Custody) != 1 {
			t.Errorf("line %d: %+v", i+1, r)
		}
	}
}

// TestBadInput: every refusal names what was wrong and never reaches the
// ledger's custody (the server answers it before any ledger call).
func TestBadInput(t *testing.T) {
	integration(t)
	c := client(nil)
	g := items["genuine"][3:17]
	for _, tc := range []struct {
		path, want string
	}{
		{"/01/" + g + "/99/X/21/S1", "AI 99 as a path qualifier"},
		{"/01/" + g[:13] + string("0123456789"[(int(g[13]-'0')+1)%10]) + "/21/S1", "check digit"},
		{"/01/" + g, "no serial"},
		{"/01/" + g + "/21/S1?17=291301", "month 13"},
	} {
		resp, body := do(t, c, "GET", main_.url+tc.path, nil)
		if resp.StatusCode != 400 || !strings.Contains(body, tc.want) || !strings.Contains(body, "INVALID_ID") {
			t.Errorf("%s: %d %s; want 400 naming %q", tc.path, resp.StatusCode, body, tc.want)
		}
	}
	// 10 MB body, with and without a Content-Length
	big := bytes.Repeat([]byte("x"), 10<<20)
	resp, body := do(t, c, "POST", main_.url+"/verify", bytes.NewReader(big), "Content-Type", "text/plain")
	if resp.StatusCode != 413 || !strings.Contains(body, "TOO_LARGE") {
		t.Errorf("10 MB: %d %s", resp.StatusCode, body)
	}
	resp, body = do(t, c, "POST", main_.url+"/verify", io.MultiReader(bytes.NewReader(big)), "Content-Type", "text/plain")
	if resp.StatusCode != 413 {
		t.Errorf("10 MB chunked: %d %s", resp.StatusCode, body)
	}
	// 10,000 identifiers (well-formed, 400 KB: under the body limit)
	ids := make([]string, 10000)
	for i := range ids {
		ids[i] = fmt.Sprintf("01/%s/21/N%05d", g, i)
	}
	js, _ := json.Marshal(ids)
	start := time.Now()
	resp, body = do(t, c, "POST", main_.url+"/verify", bytes.NewReader(js), "Content-Type", "application/json", "Authorization", "Bearer "+token)
	if resp.StatusCode != 413 || !strings.Contains(body, "10000 identifiers; at most 1000") {
		t.Errorf("10,000 IDs: %d %s", resp.StatusCode, body)
	}
	t.Logf("10,000 identifiers refused in %v", time.Since(start))
	// rate limit: the limited server allows a burst of 2 per caller
	var codes []int
	for range 4 {
		resp, _ := do(t, client(nil), "GET", limited.url+path(items["genuine"]), nil, "Accept", "application/json")
		codes = append(codes, resp.StatusCode)
	}
	if codes[0] != 200 || codes[3] != 429 {
		t.Errorf("rate limit: %v", codes)
	}
}

// TestSlowClient: a client sending its request one byte a second is cut
// off by the read-header timeout (5 s) and never served.
func TestSlowClient(t *testing.T) {
	integration(t)
	host := strings.TrimPrefix(main_.url, "https://")
	conn, err := tls.Dial("tcp", host, &tls.Config{RootCAs: serverCAPool})
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	req := "GET " + path(items["genuine"]) + " HTTP/1.1\r\nHost: " + host + "\r\n\r\n"
	start := time.Now()
	var werr error
	sent := 0
	for ; sent < len(req) && werr == nil && time.Since(start) < 20*time.Second; sent++ {
		_, werr = conn.Write([]byte{req[sent]})
		if werr == nil {
			// a closed connection shows as a read that ends at once
			_ = conn.SetReadDeadline(time.Now().Add(time.Second))
			var b [1]byte
			if n, err := conn.Read(b[:]); n > 0 || (err != nil && !isTimeout(err)) {
				break
			}
		}
	}
	el := time.Since(start)
	if el < 4*time.Second || el > 9*time.Second {
		t.Errorf("slow client cut off after %v (%d bytes sent); want about 5 s", el, sent)
	}
	if sent >= len(req) {
		t.Errorf("the whole request went through at one byte a second")
	}
	t.Logf("slow client cut off after %v, %d of %d bytes sent", el.Round(100*time.Millisecond), sent, len(req))
}

func isTimeout(err error) bool {
	ne, ok := err.(net.Error)
	return ok && ne.Timeout()
}

// TestHealthAndShutdown: /healthz, then SIGTERM stops a server gracefully.
func TestHealthAndShutdown(t *testing.T) {
	integration(t)
	resp, body := do(t, client(nil), "GET", main_.url+"/healthz", nil)
	if resp.StatusCode != 200 || !strings.Contains(body, `"blockHeight"`) {
		t.Errorf("healthz: %d %s", resp.StatusCode, body)
	}
	s, err := startServer(t)
	if err != nil {
		t.Fatal(err)
	}
	if resp, body := do(t, client(nil), "GET", s.url+"/healthz", nil); resp.StatusCode != 200 {
		t.Fatalf("healthz: %d %s", resp.StatusCode, body)
	}
	if err := s.stop(); err != nil {
		t.Fatalf("stop: %v\n%s", err, s.log())
	}
	if !strings.Contains(s.log(), "shutting down") || s.cmd.ProcessState.ExitCode() != 0 {
		t.Errorf("graceful shutdown: exit %d\n%s", s.cmd.ProcessState.ExitCode(), s.log())
	}
	if _, err := http.Get(s.url + "/healthz"); err == nil {
		t.Errorf("still serving after SIGTERM")
	}
}
