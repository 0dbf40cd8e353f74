package shimtest

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/hyperledger/fabric-chaincode-go/v2/pkg/cid"
	"github.com/hyperledger/fabric-contract-api-go/v2/contractapi"
)

// counter is a small contract that exercises what the provenance contract
// relies on: identity, batches, events, composite keys and refusals.
type counter struct {
	contractapi.Contract
}

type whoAmI struct {
	MSP   string `json:"msp"`
	ID    string `json:"id"`
	Role  string `json:"role"`
	Found bool   `json:"found"`
	Admin bool   `json:"admin"`
	CN    string `json:"cn"`
}

func (c *counter) WhoAmI(ctx contractapi.TransactionContextInterface) (*whoAmI, error) {
	ci := ctx.GetClientIdentity()
	msp, err := ci.GetMSPID()
	if err != nil {
		return nil, err
	}
	id, err := ci.GetID()
	if err != nil {
		return nil, err
	}
	role, found, err := ci.GetAttributeValue("prov.role")
	if err != nil {
		return nil, err
	}
	cert, err := ci.GetX509Certificate()
	if err != nil {
		return nil, err
	}
	admin := false
	for _, ou := range cert.Subject.OrganizationalUnit {
		admin = admin || ou == "admin"
	}
	return &whoAmI{MSP: msp, ID: id, Role: role, Found: found, Admin: admin, CN: cert.Subject.CommonName}, nil
}

// Put writes every key of keysJSON in one write batch and then fails if
// fail is "yes", after the writes, to prove a refused tx writes nothing.
func (c *counter) Put(ctx contractapi.TransactionContextInterface, keysJSON string, fail string) (int, error) {
	var keys []string
	if err := json.Unmarshal([]byte(keysJSON), &keys); err != nil {
		return 0, fmt.Errorf("INVALID_ARGUMENT: %w", err)
	}
	stub := ctx.GetStub()
	stub.StartWriteBatch()
	for _, k := range keys {
		ck, err := stub.CreateCompositeKey("k", []string{k})
		if err != nil {
			return 0, err
		}
		if err := stub.PutState(ck, []byte(k)); err != nil {
			return 0, err
		}
	}
	if err := stub.FinishWriteBatch(); err != nil {
		return 0, err
	}
	if err := stub.SetEvent("put", []byte(keysJSON)); err != nil {
		return 0, err
	}
	if fail == "yes" {
		return 0, errors.New("NOT_OWNER: refused after writing")
	}
	return len(keys), nil
}

func (c *counter) Count(ctx contractapi.TransactionContextInterface) (int, error) {
	it, err := ctx.GetStub().GetStateByPartialCompositeKey("k", nil)
	if err != nil {
		return 0, err
	}
	defer it.Close()
	n := 0
	for it.HasNext() {
		if _, err := it.Next(); err != nil {
			return 0, err
		}
		n++
	}
	return n, nil
}

func (c *counter) Now(ctx contractapi.TransactionContextInterface) (string, error) {
	ts, err := ctx.GetStub().GetTxTimestamp()
	if err != nil {
		return "", err
	}
	return ts.AsTime().Format("2006-01-02T15:04:05Z07:00") + " " + ctx.GetStub().GetTxID(), nil
}

func newCounter(t *testing.T) *Harness {
	t.Helper()
	c := &counter{}
	c.Name = "counter"
	h, err := NewHarness(c)
	if err != nil {
		t.Fatal(err)
	}
	return h
}

func TestIdentityThroughClientIdentity(t *testing.T) {
	ca, err := NewCA("ManufacturerMSP")
	if err != nil {
		t.Fatal(err)
	}
	admin, err := ca.Issue("ManufacturerMSP", WithCommonName("admin"), WithOU(OUAdmin), WithAttr("prov.role", "manufacturer"))
	if err != nil {
		t.Fatal(err)
	}
	norole, err := ca.Issue("ManufacturerMSP", WithCommonName("norole"))
	if err != nil {
		t.Fatal(err)
	}
	h := newCounter(t)
	for _, tc := range []struct {
		id           *Identity
		role, cn     string
		found, admin bool
	}{
		{admin, "manufacturer", "admin", true, true},
		{norole, "", "norole", false, false},
	} {
		r := h.Evaluate(tc.id, "WhoAmI")
		var got whoAmI
		if err := r.JSON(&got); err != nil {
			t.Fatal(err)
		}
		want := whoAmI{MSP: "ManufacturerMSP", ID: tc.id.ID(), Role: tc.role, Found: tc.found, Admin: tc.admin, CN: tc.cn}
		if got != want {
			t.Errorf("got %+v\nwant %+v", got, want)
		}
	}
	if err := admin.Cert.CheckSignatureFrom(ca.Cert); err != nil {
		t.Fatalf("not issued by the CA: %v", err)
	}
}

func TestIdentityAttributeFormat(t *testing.T) {
	id, err := NewIdentity("DistributorMSP", WithAttr("prov.role", "distributor"), WithoutHFAttrs())
	if err != nil {
		t.Fatal(err)
	}
	var raw []byte
	for _, ext := range id.Cert.Extensions {
		if ext.Id.String() == "1.2.3.4.5.6.7.8.1" {
			raw = ext.Value
		}
	}
	if string(raw) != `{"attrs":{"prov.role":"distributor"}}` {
		t.Fatalf("extension = %s", raw)
	}
	withHF, _ := NewIdentity("DistributorMSP", WithCommonName("user1"))
	s := New()
	s.BeginTx("tx", t0)
	s.SetIdentity(withHF)
	ci, err := cid.New(s)
	if err != nil {
		t.Fatal(err)
	}
	if v, ok, _ := ci.GetAttributeValue("hf.EnrollmentID"); !ok || v != "user1" {
		t.Fatalf("hf.EnrollmentID = %q %v", v, ok)
	}
	if v, ok, _ := ci.GetAttributeValue("hf.Type"); !ok || v != "client" {
		t.Fatalf("hf.Type = %q %v", v, ok)
	}
	bare, _ := NewIdentity("PeerMSP", WithOU(OUPeer), WithoutAttrExtension())
	s.SetIdentity(bare)
	ci, err = cid.New(s)
	if err != nil {
		t.Fatal(err)
	}
	if _, ok, _ := ci.GetAttributeValue("prov.role"); ok {
		t.Fatal("attribute without extension")
	}
	if ok, _ := ci.HasOUValue(OUPeer); !ok {
		t.Fatal("peer OU")
	}
}

func TestHarnessSubmitAndRefusal(t *testing.T) {
	h := newCounter(t)
	id, err := NewIdentity("ManufacturerMSP", WithAttr("prov.role", "manufacturer"))
	if err != nil {
		t.Fatal(err)
	}
	r := h.Submit(id, "Put", `["b","a","c"]`, "no")
	if err := r.Err(); err != nil || !r.Committed || string(r.Payload) != "3" {
		t.Fatalf("put: %v %q committed=%v", err, r.Payload, r.Committed)
	}
	if r.Event == nil || r.Event.EventName != "put" || r.Event.TxId != r.TxID || len(r.TxID) != 64 {
		t.Fatalf("event %v tx %q", r.Event, r.TxID)
	}

	r = h.Submit(id, "Put", `["d","e"]`, "yes")
	if r.Err() == nil || r.Committed || !strings.HasPrefix(r.Message, "NOT_OWNER: ") {
		t.Fatalf("refusal: %+v", r)
	}
	if r.Event != nil || h.Stub.Event() != nil {
		t.Fatal("refused tx left an event")
	}
	var n int
	if err := h.Evaluate(id, "Count").JSON(&n); err != nil || n != 3 {
		t.Fatalf("count = %d, %v (refused tx must write nothing)", n, err)
	}

	r = h.Submit(id, "Put", `not json`, "no")
	if !strings.HasPrefix(r.Message, "INVALID_ARGUMENT: ") {
		t.Fatalf("bad json: %q", r.Message)
	}
	if r := h.Submit(id, "NoSuchFn"); r.Err() == nil || !strings.Contains(r.Message, "NoSuchFn") {
		t.Fatalf("unknown function: %+v", r)
	}
	// Namespaced call and contract-api parameter checking.
	if r := h.Evaluate(id, "counter:Count"); r.Err() != nil {
		t.Fatalf("namespaced: %v", r.Err())
	}
	if r := h.Evaluate(id, "Put", "only-one-arg"); r.Err() == nil {
		t.Fatal("wrong arity accepted")
	}
	if r := h.Evaluate(id, "org.hyperledger.fabric:GetMetadata"); r.Err() != nil || !strings.Contains(string(r.Payload), `"Put"`) {
		t.Fatalf("metadata: %v", r.Err())
	}
	if err := (&Response{Status: 200, Payload: []byte("x")}).JSON(&n); err == nil {
		t.Fatal("bad payload decoded")
	}
	if _, err := (&Response{Status: 500, Message: "X_Y: no"}).Text(); err == nil || err.Error() != "X_Y: no" {
		t.Fatalf("Text of a refusal: %v", err)
	}
}

func TestHarnessTimeAndTxIDs(t *testing.T) {
	h := newCounter(t)
	a, err := h.Evaluate(nil, "Now").Text()
	if err != nil {
		t.Fatal(err)
	}
	b, _ := h.Evaluate(nil, "Now").Text()
	if !strings.HasPrefix(a, "2026-01-01T00:00:00Z ") || !strings.HasPrefix(b, "2026-01-01T00:00:01Z ") || a[21:] == b[21:] {
		t.Fatalf("a=%q b=%q", a, b)
	}
	// The same sequence gives the same IDs: tests are reproducible.
	h2 := newCounter(t)
	a2, _ := h2.Evaluate(nil, "Now").Text()
	if a2 != a {
		t.Fatalf("not deterministic: %q vs %q", a2, a)
	}
}

func TestHarnessFailedCommit(t *testing.T) {
	// A paginated query, then a batched write: the flush at commit fails as
	// on the peer, and the response says so.
	c := &pager{}
	hh, err := NewHarness(c)
	if err != nil {
		t.Fatal(err)
	}
	hh.Stub.SetCommitted("a", []byte("1"))
	r := hh.Submit(nil, "PageThenWrite")
	if r.Err() == nil || r.Committed || !strings.Contains(r.Message, "paginated") {
		t.Fatalf("%+v", r)
	}
	if hh.Stub.State("b") != nil {
		t.Fatal("written")
	}
	if _, err := NewHarness(&bad{}); err == nil {
		t.Fatal("bad contract accepted")
	}
}

type pager struct{ contractapi.Contract }

func (p *pager) PageThenWrite(ctx contractapi.TransactionContextInterface) error {
	it, _, err := ctx.GetStub().GetStateByRangeWithPagination("", "", 10, "")
	if err != nil {
		return err
	}
	it.Close()
	ctx.GetStub().StartWriteBatch()
	return ctx.GetStub().PutState("b", []byte("2"))
}

type bad struct{ contractapi.Contract }

// Bad has a parameter type contractapi cannot serialize.
func (b *bad) Bad(ctx contractapi.TransactionContextInterface, ch chan int) error { return nil }
