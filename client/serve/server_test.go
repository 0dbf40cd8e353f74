package serve

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/provledger/provenance/chaincode/domain"
	"github.com/provledger/provenance/client/verify"
)

const gtin = "09506000134352"

// fakeBackend serves items from a map; reports fail for items in bad.
type fakeBackend struct {
	mu       sync.Mutex
	items    map[string]*domain.Item
	bad      map[string]bool
	verifies atomic.Int64
	itemsErr error
	delay    time.Duration
	// itemCalls counts GetItems calls; itemsDelay slows each down
	itemCalls  atomic.Int64
	itemsDelay time.Duration
	// itemsGate, when set, holds every GetItems call until it is closed.
	itemsGate chan struct{}
}

func key(serial string) string { return "01/" + gtin + "/21/" + serial }

func newFake() *fakeBackend {
	f := &fakeBackend{items: map[string]*domain.Item{}, bad: map[string]bool{}}
	add := func(serial string, mut func(*domain.Item)) {
		it := &domain.Item{ID: key(serial), GTIN: gtin, Serial: serial, Lot: "L1", Expiry: "991231", Description: "10 ml vial",
			Manufacturer: "ManufacturerMSP", Owner: "DistributorMSP", Status: domain.StatusActive, Seq: 3, UpdatedTx: "tx3-" + serial}
		if mut != nil {
			mut(it)
		}
		f.items[it.ID] = it
	}
	add("OK1", nil)
	add("REC1", func(it *domain.Item) {
		it.Recall = &domain.Recall{Scope: "lot", By: "ManufacturerMSP", Reason: "seal defect", TxID: "txr"}
	})
	add("STO1", func(it *domain.Item) { it.Status = domain.StatusStolen })
	add("DEC1", func(it *domain.Item) { it.Status = domain.StatusDecommissioned; it.Reason = "dispensed" })
	add("HLD1", func(it *domain.Item) { it.Hold = &domain.Hold{By: "CustomsMSP", Reason: "documents"} })
	add("EXP1", func(it *domain.Item) { it.Expiry = "200101" })
	add("BAD1", nil)
	f.bad[key("BAD1")] = true
	return f
}

func (f *fakeBackend) Items(ctx context.Context, keys []string) ([]*domain.Item, error) {
	f.itemCalls.Add(1)
	time.Sleep(f.itemsDelay)
	if f.itemsGate != nil {
		<-f.itemsGate
	}
	if f.itemsErr != nil {
		return nil, f.itemsErr
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	out := make([]*domain.Item, len(keys))
	for i, k := range keys {
		if it, ok := f.items[k]; ok {
			c := *it
			out[i] = &c
		}
	}
	return out, nil
}

func (f *fakeBackend) History(ctx context.Context, key string) ([]domain.CustodyEvent, error) {
	return []domain.CustodyEvent{
		{Item: key, Seq: 1, Type: domain.EventRegistered, SubmitterMSP: "ManufacturerMSP", TxID: "tx1", Timestamp: "2026-12-01T10:00:00Z"},
		{Item: key, Seq: 2, Type: domain.EventOffered, To: "DistributorMSP", SubmitterMSP: "ManufacturerMSP", TxID: "tx2", Timestamp: "2026-12-01T10:01:00Z"},
		{Item: key, Seq: 3, Type: domain.EventAccepted, SubmitterMSP: "DistributorMSP", TxID: "tx3", Timestamp: "2026-12-01T10:02:00Z"},
	}, nil
}

func (f *fakeBackend) Verify(ctx context.Context, key string) (verify.Report, error) {
	f.verifies.Add(1)
	time.Sleep(f.delay)
	steps := []verify.Step{{Check: verify.CheckEndorsements, OK: true}, {Check: verify.CheckBlockSignatures, OK: true}}
	if f.bad[key] {
		steps = append(steps, verify.Step{Check: verify.CheckCreatorSignature, OK: false, Detail: "signature does not verify", TxID: "tx2"})
	}
	r := verify.Report{Item: key, OK: !f.bad[key], Steps: steps, Trust: verify.Trust{Summary: "through 1 peer (ManufacturerMSP (peer0))"}}
	return r, nil
}

func (f *fakeBackend) Height(ctx context.Context) (uint64, error) { return 42, nil }

const token = "partner-token-0123456789"

func newTestServer(t *testing.T, f *fakeBackend, mut func(*Config)) *httptest.Server {
	t.Helper()
	cfg := Config{ResponderGLN: "9506000000015", Responder: "ManufacturerMSP", Tokens: map[[32]byte]string{HashToken(token): "acme"},
		AnonBurst: 1000, AnonRate: 1000}
	if mut != nil {
		mut(&cfg)
	}
	ts := httptest.NewServer(New(f, cfg))
	t.Cleanup(ts.Close)
	return ts
}

func get(t *testing.T, url string, hdr ...string) (*http.Response, string) {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	c := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp, string(b)
}

func decode[T any](t *testing.T, body string) T {
	t.Helper()
	var v T
	if err := json.Unmarshal([]byte(body), &v); err != nil {
		t.Fatalf("%v in %s", err, body)
	}
	return v
}

func TestVerdicts(t *testing.T) {
	ts := newTestServer(t, newFake(), nil)
	for _, c := range []struct {
		path, verdict, status, reason, info string
		verified                            bool
	}{
		{"/01/" + gtin + "/21/OK1", VerdictGenuine, "active", "", "", true},
		{"/01/" + gtin + "/10/L1/21/OK1?17=991231", VerdictGenuine, "active", "", "", true},
		{"/gs1/custom/01/" + gtin + "/21/OK1", VerdictGenuine, "active", "", "", true},
		{"/01/" + gtin + "/21/REC1", VerdictRecalled, "recalled", "", infoRecalled, true},
		{"/01/" + gtin + "/21/STO1", VerdictStolen, "stolen", reasonNotForRedistribution, infoSuspect, false},
		{"/01/" + gtin + "/21/DEC1", VerdictDecommissioned, "decommissioned", "", "", true},
		{"/01/" + gtin + "/21/HLD1", VerdictHeld, "held", "", "", true},
		{"/01/" + gtin + "/21/EXP1", VerdictGenuine, "active", "", infoExpired, true},
		{"/01/" + gtin + "/21/NOPE", VerdictUnknown, "", reasonNoMatchSerial, "", false},
		{"/01/" + gtin + "/10/L2/21/OK1", VerdictMismatch, "active", reasonNoMatchLot, "", false},
		{"/01/" + gtin + "/21/OK1?17=991230", VerdictMismatch, "active", reasonNoMatchExpiry, "", false},
		{"/01/" + gtin + "/10/L2/21/OK1?17=991230", VerdictMismatch, "active", reasonNoMatchLotExpiry, "", false},
		{"/01/" + gtin + "/21/BAD1", VerdictFailed, "active", reasonNoReason, infoSuspect, false},
	} {
		resp, body := get(t, ts.URL+c.path+"?corrUUID=abc-1")
		if strings.Contains(c.path, "?") {
			resp, body = get(t, ts.URL+c.path+"&corrUUID=abc-1")
		}
		if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "application/json" {
			t.Fatalf("%s: %d %s %s", c.path, resp.StatusCode, resp.Header.Get("Content-Type"), body)
		}
		a := decode[Answer](t, body)
		if a.Prov.Verdict != c.verdict || a.Prov.Status != c.status || a.Data.Verified != c.verified ||
			a.Data.VerificationFailureReason != c.reason || a.Data.AdditionalInfo != c.info {
			t.Errorf("%s: got verdict %q status %q data %+v; want %q %q verified %v reason %q info %q", c.path, a.Prov.Verdict, a.Prov.Status, a.Data, c.verdict, c.status, c.verified, c.reason, c.info)
		}
		if a.ResponderGLN != "9506000000015" || a.CorrUUID != "abc-1" || a.Prov.BlockHeight != 42 || a.Prov.View != "anonymous" {
			t.Errorf("%s: header fields %+v", c.path, a)
		}
		if _, err := time.Parse(time.RFC3339Nano, a.VerificationTimestamp); err != nil {
			t.Errorf("%s: verificationTimestamp %q: %v", c.path, a.VerificationTimestamp, err)
		}
		// anonymous: nothing commercially sensitive
		for _, field := range []string{`"owner"`, `"custody"`, `"manufacturer"`, `"verification"`, "DistributorMSP", `"lot"`, "tx3"} {
			if strings.Contains(body, field) {
				t.Errorf("%s: anonymous answer shows %s: %s", c.path, field, body)
			}
		}
	}
}

func TestPartnerToken(t *testing.T) {
	ts := newTestServer(t, newFake(), nil)
	resp, body := get(t, ts.URL+"/01/"+gtin+"/21/OK1", "Authorization", "Bearer "+token)
	if resp.StatusCode != 200 {
		t.Fatalf("%d %s", resp.StatusCode, body)
	}
	a := decode[Answer](t, body)
	p := a.Prov
	if p.View != "partner" || p.Partner != "acme" || p.Owner != "DistributorMSP" || p.Manufacturer != "ManufacturerMSP" || p.Lot != "L1" ||
		len(p.Custody) != 3 || p.Custody[2].TxID != "tx3" || p.Verification == nil || !p.Verification.OK || p.Verification.Checks != 2 ||
		!strings.Contains(p.Verification.Trust, "through 1 peer") || p.Verification.VerifiedAt == "" {
		t.Fatalf("partner view: %s", body)
	}
	_, body = get(t, ts.URL+"/01/"+gtin+"/21/BAD1", "Authorization", "Bearer "+token)
	a = decode[Answer](t, body)
	if a.Prov.Verification == nil || a.Prov.Verification.OK || len(a.Prov.Verification.Failed) != 1 || a.Prov.Verification.Failed[0].Check != verify.CheckCreatorSignature {
		t.Fatalf("failed verification, partner view: %s", body)
	}
	for _, h := range []string{"Bearer wrong-token-0123456789", "Basic dXNlcjpwYXNz", "Bearer"} {
		resp, body = get(t, ts.URL+"/01/"+gtin+"/21/OK1", "Authorization", h)
		if resp.StatusCode != http.StatusUnauthorized || !strings.Contains(body, "UNAUTHORIZED") || resp.Header.Get("WWW-Authenticate") == "" {
			t.Errorf("%q: %d %s", h, resp.StatusCode, body)
		}
	}
}

func TestBadLinks(t *testing.T) {
	f := newFake()
	ts := newTestServer(t, f, nil)
	for _, c := range []struct{ path, want string }{
		{"/01/" + gtin + "/99/X/21/S", "AI 99 as a path qualifier"},
		{"/01/09506000134353/21/S", "check digit 3 should be 2"},
		{"/01/" + gtin, "no serial /21/{serial}"},
		{"/favicon.ico", "no /01/{gtin}"},
		{"/01/" + gtin + "/21/S?17=251301", "month 13"},
		{"/01/" + gtin + "/21/S?corrUUID=" + strings.Repeat("x", 65), "corrUUID"},
	} {
		resp, body := get(t, ts.URL+c.path)
		if resp.StatusCode != 400 || !strings.Contains(body, c.want) {
			t.Errorf("%s: %d %s; want 400 naming %q", c.path, resp.StatusCode, body, c.want)
		}
	}
	resp, body := get(t, ts.URL+"/01/"+gtin+"/99/X/21/S", "Accept", "text/html")
	if resp.StatusCode != 400 || !strings.Contains(body, "<html lang=\"en\">") || !strings.Contains(body, "AI 99") {
		t.Errorf("HTML refusal: %d %s", resp.StatusCode, body)
	}
	req, _ := http.NewRequest(http.MethodDelete, ts.URL+"/01/"+gtin+"/21/OK1", nil)
	r2, err := http.DefaultClient.Do(req)
	if err != nil || r2.StatusCode != http.StatusMethodNotAllowed {
		t.Errorf("DELETE: %v %v", r2, err)
	}
	if n := f.verifies.Load(); n != 0 {
		t.Errorf("bad input reached the ledger: %d verifications", n)
	}
	f.itemsErr = errors.New("peer0 unavailable: connection refused")
	resp, body = get(t, ts.URL+"/01/"+gtin+"/21/OK1")
	if resp.StatusCode != http.StatusServiceUnavailable || !strings.Contains(body, "LEDGER_UNAVAILABLE") {
		t.Errorf("ledger down: %d %s", resp.StatusCode, body)
	}
}

func TestHTMLPage(t *testing.T) {
	ts := newTestServer(t, newFake(), nil)
	accept := "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8" // Chromium's
	for serial, want := range map[string]string{"OK1": "Genuine product", "REC1": "Recalled: do not use", "NOPE": "Unknown serial: not genuine", "STO1": "Reported stolen"} {
		resp, body := get(t, ts.URL+"/01/"+gtin+"/21/"+serial, "Accept", accept)
		if resp.StatusCode != 200 || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/html") {
			t.Fatalf("%s: %d %s", serial, resp.StatusCode, resp.Header.Get("Content-Type"))
		}
		for _, s := range []string{`<html lang="en">`, `<meta name="viewport"`, "<h1 id=\"verdict\"", want, "block height 42", "ManufacturerMSP", serial} {
			if !strings.Contains(body, s) {
				t.Errorf("%s: page lacks %q", serial, s)
			}
		}
		// verdict first: the h1 comes before any other heading
		if i, j := strings.Index(body, "<h1"), strings.Index(body, "<h2"); i < 0 || j < i {
			t.Errorf("%s: verdict is not the first heading", serial)
		}
		for _, s := range []string{"<script", "src=", "<link", "@import", "url("} {
			if strings.Contains(body, s) {
				t.Errorf("%s: page is not self-contained: %q", serial, s)
			}
		}
		if strings.Contains(body, "DistributorMSP") || strings.Contains(body, "tx3") {
			t.Errorf("%s: anonymous page shows custody", serial)
		}
	}
	_, body := get(t, ts.URL+"/01/"+gtin+"/21/OK1", "Accept", accept, "Authorization", "Bearer "+token)
	for _, s := range []string{"<caption>Custody events", "tx3", "Held by</dt><dd>DistributorMSP", "All 2 checks passed"} {
		if !strings.Contains(body, s) {
			t.Errorf("partner page lacks %q", s)
		}
	}
}

func TestLinksetAndRedirects(t *testing.T) {
	ts := newTestServer(t, newFake(), func(c *Config) {
		c.BaseURL = "https://id.example.com"
		c.Links = map[string]string{"gs1:epil": "https://brand.example/leaflet/{gtin}?s={serial}"}
	})
	for _, hdr := range [][]string{{"X-None", "1"}, {"Accept", "application/linkset+json"}} {
		url := ts.URL + "/01/" + gtin + "/10/L1/21/OK1"
		if hdr[0] == "X-None" {
			url += "?linkType=all"
		}
		resp, body := get(t, url, hdr...)
		if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "application/linkset+json" {
			t.Fatalf("%v: %d %s %s", hdr, resp.StatusCode, resp.Header.Get("Content-Type"), body)
		}
		ls := decode[map[string][]map[string]json.RawMessage](t, body)
		ctx := ls["linkset"][0]
		var anchor string
		_ = json.Unmarshal(ctx["anchor"], &anchor)
		if anchor != "https://id.example.com/01/"+gtin+"/10/L1/21/OK1" {
			t.Errorf("anchor %q", anchor)
		}
		for _, rel := range []string{"https://gs1.org/voc/verificationService", "https://gs1.org/voc/pip", "https://gs1.org/voc/epil", "https://gs1.org/voc/defaultLink"} {
			var links []Link
			if err := json.Unmarshal(ctx[rel], &links); err != nil || len(links) == 0 || links[0].Href == "" {
				t.Errorf("linkset lacks %s: %s", rel, body)
			}
		}
	}
	resp, _ := get(t, ts.URL+"/01/"+gtin+"/21/OK1?linkType=gs1:epil")
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "https://brand.example/leaflet/"+gtin+"?s=OK1" {
		t.Errorf("epil redirect: %d %q", resp.StatusCode, resp.Header.Get("Location"))
	}
	resp, body := get(t, ts.URL+"/01/"+gtin+"/21/OK1?linkType=gs1:nothing")
	if resp.StatusCode != http.StatusNotFound || !strings.Contains(body, "gs1:nothing") {
		t.Errorf("unknown link type: %d %s", resp.StatusCode, body)
	}
	resp, body = get(t, ts.URL+"/01/"+gtin+"/21/OK1?linkType=gs1:verificationService")
	if resp.StatusCode != 200 || !strings.Contains(body, `"verified": true`) {
		t.Errorf("verificationService: %d %s", resp.StatusCode, body)
	}

	// A configured default link type redirects plain (browser) requests;
	// JSON callers still get the answer.
	ts2 := newTestServer(t, newFake(), func(c *Config) {
		c.Links = map[string]string{"gs1:pip": "https://brand.example/p/{gtin}"}
		c.DefaultLinkType = "gs1:pip"
	})
	resp, _ = get(t, ts2.URL+"/01/"+gtin+"/21/OK1", "Accept", "text/html")
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "https://brand.example/p/"+gtin {
		t.Errorf("default link: %d %q", resp.StatusCode, resp.Header.Get("Location"))
	}
	resp, _ = get(t, ts2.URL+"/01/"+gtin+"/21/OK1", "Accept", "application/json")
	if resp.StatusCode != 200 {
		t.Errorf("JSON with a default link type: %d", resp.StatusCode)
	}
}

func post(t *testing.T, url, ctype, body string, hdr ...string) (*http.Response, string) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPost, url, strings.NewReader(body))
	req.Header.Set("Content-Type", ctype)
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp, string(b)
}

func TestBulk(t *testing.T) {
	f := newFake()
	ts := newTestServer(t, f, func(c *Config) { c.MaxBody = 4096; c.AnonMaxIDs = 5; c.MaxIDs = 50 })
	in := `["01/` + gtin + `/21/OK1", "https://id.example.com/01/` + gtin + `/21/REC1", "(01)` + gtin + `(21)NOPE", "01/09506000134353/21/X"]`
	resp, body := post(t, ts.URL+"/verify", "application/json", in)
	if resp.StatusCode != 200 {
		t.Fatalf("%d %s", resp.StatusCode, body)
	}
	b := decode[BulkAnswer](t, body)
	if len(b.Results) != 4 || b.BlockHeight != 42 || b.VerificationTimestamp == "" {
		t.Fatalf("%s", body)
	}
	want := []string{VerdictGenuine, VerdictRecalled, VerdictUnknown}
	for i, v := range want {
		if r := b.Results[i]; r.Answer == nil || r.Prov.Verdict != v || r.Error != "" {
			t.Errorf("result %d: %+v; want %s", i, r, v)
		}
	}
	if r := b.Results[3]; r.Answer != nil || !strings.Contains(r.Error, "INVALID_ID") || !strings.Contains(r.Error, "check digit") {
		t.Errorf("bad ID: %+v", r)
	}
	// one per line, with line numbers
	resp, body = post(t, ts.URL+"/verify", "text/plain", "# scanned\n01/"+gtin+"/21/STO1\n\nnot-an-id\n")
	b = decode[BulkAnswer](t, body)
	if resp.StatusCode != 200 || len(b.Results) != 2 || b.Results[0].Line != 2 || b.Results[0].Prov.Verdict != VerdictStolen ||
		b.Results[1].Line != 4 || b.Results[1].Error == "" {
		t.Errorf("lines: %d %s", resp.StatusCode, body)
	}
	before := f.verifies.Load()
	for _, c := range []struct {
		ctype, body string
		status      int
		want        string
		hdr         []string
	}{
		{"application/json", strings.Repeat("x", 5000), 413, "body larger than 4096 bytes", nil},
		{"application/json", `["a","b","c","d","e","f"]`, 413, "6 identifiers; at most 5", nil},
		{"application/json", `{"ids":[]}`, 400, "not a JSON list", nil},
		{"application/json", `[]`, 400, "no identifiers", nil},
		{"text/plain", "\n# nothing\n", 400, "holds no IDs", nil},
	} {
		resp, body := post(t, ts.URL+"/verify", c.ctype, c.body, c.hdr...)
		if resp.StatusCode != c.status || !strings.Contains(body, c.want) {
			t.Errorf("%.30q: %d %s; want %d %q", c.body, resp.StatusCode, body, c.status, c.want)
		}
	}
	if f.verifies.Load() != before {
		t.Errorf("refused bulk requests reached the ledger")
	}
	// partners may send more
	ids := make([]string, 6)
	for i := range ids {
		ids[i] = fmt.Sprintf("01/%s/21/OK1", gtin)
	}
	js, _ := json.Marshal(ids)
	resp, body = post(t, ts.URL+"/verify", "application/json", string(js), "Authorization", "Bearer "+token)
	if resp.StatusCode != 200 || len(decode[BulkAnswer](t, body).Results) != 6 {
		t.Errorf("partner bulk: %d %s", resp.StatusCode, body)
	}
	resp, _ = get(t, ts.URL+"/verify")
	if resp.StatusCode != http.StatusMethodNotAllowed {
		t.Errorf("GET /verify: %d", resp.StatusCode)
	}
}

func TestRateLimit(t *testing.T) {
	now := time.Unix(1e9, 0)
	var mu sync.Mutex
	clock := func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	ts := newTestServer(t, newFake(), func(c *Config) { c.AnonRate, c.AnonBurst, c.PartnerBurst, c.PartnerRate, c.Now = 1, 2, 3, 1, clock })
	url := ts.URL + "/01/" + gtin + "/21/OK1"
	for i, want := range []int{200, 200, 429} {
		resp, body := get(t, url)
		if resp.StatusCode != want {
			t.Fatalf("request %d: %d %s", i, resp.StatusCode, body)
		}
		if want == 429 && (resp.Header.Get("Retry-After") != "1" || !strings.Contains(body, "RATE_LIMITED")) {
			t.Errorf("429: %v %s", resp.Header, body)
		}
	}
	// a partner has its own bucket
	for i := 0; i < 3; i++ {
		if resp, _ := get(t, url, "Authorization", "Bearer "+token); resp.StatusCode != 200 {
			t.Fatalf("partner request %d: %d", i, resp.StatusCode)
		}
	}
	mu.Lock()
	now = now.Add(1100 * time.Millisecond)
	mu.Unlock()
	if resp, _ := get(t, url); resp.StatusCode != 200 {
		t.Errorf("after refill: %d", resp.StatusCode)
	}
}

func TestReportReuse(t *testing.T) {
	f := newFake()
	f.delay = 50 * time.Millisecond
	var clock atomic.Int64
	clock.Store(time.Unix(1e9, 0).UnixNano())
	ts := newTestServer(t, f, func(c *Config) { c.Now = func() time.Time { return time.Unix(0, clock.Load()) } })
	url := ts.URL + "/01/" + gtin + "/21/OK1"
	var wg sync.WaitGroup
	for range 20 {
		wg.Add(1)
		go func() { defer wg.Done(); get(t, url) }()
	}
	wg.Wait()
	if n := f.verifies.Load(); n != 1 {
		t.Errorf("20 concurrent requests ran %d verifications; want 1 shared", n)
	}
	get(t, url)
	if n := f.verifies.Load(); n != 1 {
		t.Errorf("a repeated request re-verified (%d)", n)
	}
	// an expired report is answered while a refresh runs
	clock.Add(int64(11 * time.Second))
	if _, body := get(t, url); !strings.Contains(body, `"verdict": "genuine"`) {
		t.Errorf("expired report: %s", body)
	}
	for i := 0; f.verifies.Load() != 2 && i < 100; i++ {
		time.Sleep(10 * time.Millisecond)
	}
	if n := f.verifies.Load(); n != 2 {
		t.Errorf("an expired report was not refreshed (%d verifications)", n)
	}
	// a new custody event makes a new report
	f.mu.Lock()
	f.items[key("OK1")].Seq, f.items[key("OK1")].UpdatedTx = 4, "tx4"
	f.mu.Unlock()
	get(t, url)
	if n := f.verifies.Load(); n != 3 {
		t.Errorf("after a new event: %d verifications; want 3", n)
	}
}

func TestPrefers(t *testing.T) {
	for _, c := range []struct {
		accept, typ string
		want        bool
	}{
		{"", "application/json", true},
		{"*/*", "application/json", true},
		{"text/html,application/xhtml+xml,*/*;q=0.8", "text/html", true},
		{"application/json;q=0.9, text/html", "text/html", true},
		{"text/html;q=0.5, application/json", "text/html", false},
		{"application/linkset+json", "application/linkset+json", true},
		{"text/*", "text/html", true},
	} {
		if got := prefers(c.accept, c.typ); got != c.want {
			t.Errorf("prefers(%q, %q) = %v", c.accept, c.typ, got)
		}
	}
}

// TestItemReadsCoalesce: concurrent single verifications share GetItems
// calls, and each still gets its own item.
func TestItemReadsCoalesce(t *testing.T) {
	f := newFake()
	// GetItems is held until all 50 requests are queued, so the test does
	// not depend on how fast the machine starts 50 goroutines: the first
	// requests take the two calls the batcher allows in flight, every
	// later one waits in the queue and goes in the next call.
	f.itemsGate = make(chan struct{})
	srv := New(f, Config{ResponderGLN: "9506000000015", Responder: "ManufacturerMSP", AnonBurst: 1000, AnonRate: 1000})
	ts := httptest.NewServer(srv)
	t.Cleanup(ts.Close)
	serials := []string{"OK1", "REC1", "STO1", "NOPE", "HLD1"}
	want := []string{VerdictGenuine, VerdictRecalled, VerdictStolen, VerdictUnknown, VerdictHeld}
	var wg sync.WaitGroup
	errs := make(chan string, 50)
	for i := range 50 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, body := get(t, ts.URL+"/01/"+gtin+"/21/"+serials[i%5])
			var a Answer
			if err := json.Unmarshal([]byte(body), &a); err != nil || a.Prov.Verdict != want[i%5] || a.Prov.Serial != serials[i%5] {
				errs <- body
			}
		}()
	}
	for start := time.Now(); srv.items.requests.Load() < 50; time.Sleep(time.Millisecond) {
		if time.Since(start) > time.Minute {
			close(f.itemsGate)
			t.Fatalf("only %d of 50 requests reached the item reads", srv.items.requests.Load())
		}
	}
	close(f.itemsGate)
	wg.Wait()
	close(errs)
	for e := range errs {
		t.Errorf("wrong answer: %s", e)
	}
	// Two calls in flight when the gate opened, the queued rest in at most
	// two more (a batch holds up to getItemsBatch).
	if n := f.itemCalls.Load(); n > 4 {
		t.Errorf("50 concurrent requests made %d GetItems calls; want them coalesced into at most 4", n)
	} else {
		t.Logf("50 concurrent requests: %d GetItems calls", n)
	}
}
