package shimtest

import (
	"bytes"
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/hyperledger/fabric-chaincode-go/v2/shim"
	"github.com/hyperledger/fabric-protos-go-apiv2/common"
	"github.com/hyperledger/fabric-protos-go-apiv2/peer"
	"google.golang.org/protobuf/proto"
)

var t0 = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

func keysOf(t *testing.T, it shim.StateQueryIteratorInterface) []string {
	t.Helper()
	defer it.Close()
	var out []string
	for it.HasNext() {
		kv, err := it.Next()
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, kv.Key)
	}
	return out
}

func mustCommit(t *testing.T, s *Stub) {
	t.Helper()
	if err := s.Commit(); err != nil {
		t.Fatalf("commit: %v", err)
	}
}

func seed(t *testing.T, s *Stub, kv ...string) {
	t.Helper()
	s.BeginTx("seed", t0)
	for i := 0; i < len(kv); i += 2 {
		if err := s.PutState(kv[i], []byte(kv[i+1])); err != nil {
			t.Fatal(err)
		}
	}
	mustCommit(t, s)
}

func TestNoReadYourWritesAndCommit(t *testing.T) {
	s := New()
	s.BeginTx("tx1", t0)
	if err := s.PutState("a", []byte("1")); err != nil {
		t.Fatal(err)
	}
	if v, _ := s.GetState("a"); v != nil {
		t.Fatalf("read own write %q; Fabric has no read-your-writes", v)
	}
	if got := s.PendingWrites(); !bytes.Equal(got["a"], []byte("1")) {
		t.Fatalf("pending = %v", got)
	}
	mustCommit(t, s)
	if v, _ := s.GetState("a"); string(v) != "1" {
		t.Fatalf("after commit a = %q", v)
	}
	if s.InTx() {
		t.Fatal("tx still open after commit")
	}
}

func TestAbortWritesNothing(t *testing.T) {
	s := New()
	seed(t, s, "a", "1")
	s.BeginTx("tx2", t0)
	_ = s.PutState("a", []byte("2"))
	_ = s.PutState("b", []byte("x"))
	_ = s.SetEvent("ev", []byte("p"))
	s.Abort()
	if v := s.State("a"); string(v) != "1" {
		t.Fatalf("a = %q", v)
	}
	if v := s.State("b"); v != nil {
		t.Fatalf("b = %q", v)
	}
	if s.Event() != nil || len(s.Events()) != 0 {
		t.Fatal("aborted event kept")
	}
}

func TestWritesOutsideTx(t *testing.T) {
	s := New()
	for name, err := range map[string]error{
		"put":    s.PutState("a", []byte("1")),
		"del":    s.DelState("a"),
		"ep":     s.SetStateValidationParameter("a", []byte("p")),
		"event":  s.SetEvent("e", nil),
		"commit": s.Commit(),
	} {
		if !errors.Is(err, ErrNoTx) {
			t.Errorf("%s outside tx: %v, want ErrNoTx", name, err)
		}
	}
	if _, err := s.GetTxTimestamp(); !errors.Is(err, ErrNoTx) {
		t.Errorf("timestamp: %v", err)
	}
	if _, err := s.GetSignedProposal(); !errors.Is(err, ErrNoTx) {
		t.Errorf("proposal: %v", err)
	}
}

func TestPutDeleteEmptyValue(t *testing.T) {
	s := New()
	seed(t, s, "a", "1", "b", "2", "c", "3")
	s.BeginTx("tx", t0)
	if err := s.PutState("", []byte("x")); err == nil {
		t.Fatal("empty key accepted")
	}
	_ = s.DelState("a")
	_ = s.PutState("b", []byte{}) // empty value deletes, as in Fabric's write set
	mustCommit(t, s)
	if got := s.Keys(); !reflect.DeepEqual(got, []string{"c"}) {
		t.Fatalf("keys = %v", got)
	}
	h, _ := s.GetHistoryForKey("a")
	var mods []bool
	for h.HasNext() {
		m, _ := h.Next()
		mods = append(mods, m.IsDelete)
	}
	if _, err := h.Next(); err == nil {
		t.Fatal("Next past end")
	}
	h.Close()
	if h.HasNext() || !reflect.DeepEqual(mods, []bool{true, false}) {
		t.Fatalf("history newest first: %v", mods)
	}
}

func TestGetMultipleStates(t *testing.T) {
	s := New()
	seed(t, s, "a", "1", "c", "3")
	got, err := s.GetMultipleStates("c", "b", "a")
	if err != nil {
		t.Fatal(err)
	}
	if string(got[0]) != "3" || got[1] != nil || string(got[2]) != "1" {
		t.Fatalf("got %q", got)
	}
	got[0][0] = 'X' // callers own the bytes
	if string(s.State("c")) != "3" {
		t.Fatal("aliasing")
	}
}

func TestWriteBatch(t *testing.T) {
	s := New()
	s.BeginTx("tx", t0)
	s.StartWriteBatch()
	_ = s.PutState("a", []byte("1"))
	_ = s.SetStateValidationParameter("a", []byte("policy"))
	if _, ok := s.PendingWrites()["a"]; !ok {
		t.Fatal("batched write not pending")
	}
	if err := s.FinishWriteBatch(); err != nil {
		t.Fatal(err)
	}
	if err := s.FinishWriteBatch(); err != nil { // no batch: no-op
		t.Fatal(err)
	}
	s.StartWriteBatch()
	_ = s.PutState("b", []byte("2")) // flushed by Commit, like the shim after Invoke
	_ = s.DelState("zz")
	mustCommit(t, s)
	if string(s.State("a")) != "1" || string(s.State("b")) != "2" {
		t.Fatalf("keys %v", s.Keys())
	}
	if ep, _ := s.GetStateValidationParameter("a"); string(ep) != "policy" {
		t.Fatalf("ep = %q", ep)
	}
}

func TestWithoutWriteBatch(t *testing.T) {
	s := New(WithoutWriteBatch())
	s.BeginTx("tx", t0)
	s.StartWriteBatch()
	_ = s.PutState("a", []byte("1"))
	if s.batch != nil {
		t.Fatal("batch opened on a peer without batch support")
	}
	if err := s.FinishWriteBatch(); err != nil {
		t.Fatal(err)
	}
	mustCommit(t, s)
	if string(s.State("a")) != "1" {
		t.Fatal("write lost")
	}
}

func TestValidationParameter(t *testing.T) {
	s := New()
	seed(t, s, "a", "1")
	s.BeginTx("tx", t0)
	_ = s.SetStateValidationParameter("a", []byte("p1"))
	_ = s.SetStateValidationParameter("ghost", []byte("p2")) // no such key: dropped
	if ep, _ := s.GetStateValidationParameter("a"); ep != nil {
		t.Fatal("read own metadata write")
	}
	mustCommit(t, s)
	if string(s.ValidationParameter("a")) != "p1" || s.ValidationParameter("ghost") != nil {
		t.Fatal("validation parameters wrong")
	}
	// A value write keeps the policy; a delete drops it.
	s.BeginTx("tx2", t0)
	_ = s.PutState("a", []byte("2"))
	mustCommit(t, s)
	if string(s.ValidationParameter("a")) != "p1" {
		t.Fatal("policy lost on update")
	}
	s.BeginTx("tx3", t0)
	_ = s.DelState("a")
	mustCommit(t, s)
	s.SetCommitted("a", []byte("again"))
	if s.ValidationParameter("a") != nil {
		t.Fatal("policy survived delete")
	}
	s.SetCommitted("a", nil)
	if s.State("a") != nil {
		t.Fatal("SetCommitted nil did not delete")
	}
}

func TestRangeQueries(t *testing.T) {
	s := New()
	seed(t, s, "d", "4", "b", "2", "a", "1", "c", "3")
	ck, _ := s.CreateCompositeKey("item", []string{"x"})
	s.SetCommitted(ck, []byte("composite"))

	it, err := s.GetStateByRange("", "")
	if err != nil {
		t.Fatal(err)
	}
	if got := keysOf(t, it); !reflect.DeepEqual(got, []string{"a", "b", "c", "d"}) {
		t.Fatalf("full range = %v (composite keys must not appear)", got)
	}
	it, _ = s.GetStateByRange("b", "d")
	if got := keysOf(t, it); !reflect.DeepEqual(got, []string{"b", "c"}) {
		t.Fatalf("[b,d) = %v", got)
	}
	if _, err := s.GetStateByRange("\x00a", ""); err == nil {
		t.Fatal("composite start key accepted")
	}
	if _, _, err := s.GetStateByRangeWithPagination("", "\x00", 1, ""); err == nil {
		t.Fatal("composite end key accepted")
	}

	var pages [][]string
	bookmark := ""
	for {
		it, meta, err := s.GetStateByRangeWithPagination("", "", 3, bookmark)
		if err != nil {
			t.Fatal(err)
		}
		page := keysOf(t, it)
		if int(meta.FetchedRecordsCount) != len(page) {
			t.Fatalf("count %d for %v", meta.FetchedRecordsCount, page)
		}
		pages = append(pages, page)
		if bookmark = meta.Bookmark; bookmark == "" {
			break
		}
	}
	if !reflect.DeepEqual(pages, [][]string{{"a", "b", "c"}, {"d"}}) {
		t.Fatalf("pages = %v", pages)
	}
	// Page size 0 and no bookmark is not a paginated query: everything, no metadata.
	it, meta, _ := s.GetStateByRangeWithPagination("", "", 0, "")
	if got := keysOf(t, it); len(got) != 4 || meta.Bookmark != "" || meta.FetchedRecordsCount != 0 {
		t.Fatalf("unpaginated: %v %v", got, meta)
	}
}

func TestIteratorClose(t *testing.T) {
	s := New()
	seed(t, s, "a", "1")
	s.BeginTx("tx", t0)
	it, _ := s.GetStateByRange("", "")
	if s.OpenIterators() != 1 {
		t.Fatalf("open = %d", s.OpenIterators())
	}
	it.Close()
	it.Close()
	if s.OpenIterators() != 0 || it.HasNext() {
		t.Fatal("close")
	}
	if _, err := it.Next(); err == nil {
		t.Fatal("Next on closed iterator")
	}
	it, _ = s.GetStateByRange("b", "")
	if _, err := it.Next(); err == nil {
		t.Fatal("Next on empty iterator")
	}
	s.Abort()
}

func TestCompositeKeys(t *testing.T) {
	s := New()
	k, err := s.CreateCompositeKey("owner", []string{"OrgMSP", "01/0950/21/A"})
	if err != nil {
		t.Fatal(err)
	}
	if want := "\x00owner\x00OrgMSP\x0001/0950/21/A\x00"; k != want {
		t.Fatalf("key %q, want %q", k, want)
	}
	typ, attrs, err := s.SplitCompositeKey(k)
	if err != nil || typ != "owner" || !reflect.DeepEqual(attrs, []string{"OrgMSP", "01/0950/21/A"}) {
		t.Fatalf("split = %q %q %v", typ, attrs, err)
	}
	if typ, attrs, err := SplitCompositeKey("\x00t\x00"); err != nil || typ != "t" || len(attrs) != 0 {
		t.Fatalf("split bare type = %q %q %v", typ, attrs, err)
	}
	for _, bad := range []string{"plain", "", "\x00", "\x00t"} {
		if _, _, err := SplitCompositeKey(bad); err == nil {
			t.Errorf("split %q: no error", bad)
		}
	}
	for _, bad := range [][]string{{"a\x00b"}, {"\U0010FFFF"}, {"\xff"}} {
		if _, err := CreateCompositeKey("t", bad); err == nil {
			t.Errorf("create with %q: no error", bad)
		}
	}
	if _, err := CreateCompositeKey("t\x00", nil); err == nil {
		t.Error("bad object type accepted")
	}
}

func TestPartialCompositeKeyQueries(t *testing.T) {
	s := New()
	s.BeginTx("seed", t0)
	for _, a := range [][]string{
		{"owner", "B", "3"}, {"owner", "A", "2"}, {"owner", "A", "1"}, {"owner", "AB", "9"}, {"status", "A", "1"},
	} {
		k, _ := s.CreateCompositeKey(a[0], a[1:])
		_ = s.PutState(k, []byte(strings.Join(a, "/")))
	}
	_ = s.PutState("plain", []byte("x"))
	mustCommit(t, s)

	split := func(keys []string) []string {
		var out []string
		for _, k := range keys {
			_, attrs, _ := s.SplitCompositeKey(k)
			out = append(out, strings.Join(attrs, "/"))
		}
		return out
	}
	it, err := s.GetStateByPartialCompositeKey("owner", []string{"A"})
	if err != nil {
		t.Fatal(err)
	}
	if got := split(keysOf(t, it)); !reflect.DeepEqual(got, []string{"A/1", "A/2"}) {
		t.Fatalf("owner A = %v (AB must not match A)", got)
	}
	it, _ = s.GetStateByPartialCompositeKey("owner", nil)
	if got := split(keysOf(t, it)); !reflect.DeepEqual(got, []string{"A/1", "A/2", "AB/9", "B/3"}) {
		t.Fatalf("owner = %v", got)
	}
	if _, err := s.GetStateByPartialCompositeKey("owner", []string{"\x00"}); err == nil {
		t.Fatal("bad attribute accepted")
	}
	if _, _, err := s.GetStateByPartialCompositeKeyWithPagination("owner", []string{"\x00"}, 1, ""); err == nil {
		t.Fatal("bad attribute accepted (paginated)")
	}

	var all []string
	bookmark := ""
	for n := 0; ; n++ {
		it, meta, err := s.GetStateByPartialCompositeKeyWithPagination("owner", nil, 3, bookmark)
		if err != nil {
			t.Fatal(err)
		}
		all = append(all, split(keysOf(t, it))...)
		if meta.Bookmark == "" {
			break
		}
		if typ, _, _ := s.SplitCompositeKey(meta.Bookmark); typ != "owner" {
			t.Fatalf("bookmark %q is not the next key", meta.Bookmark)
		}
		bookmark = meta.Bookmark
	}
	if !reflect.DeepEqual(all, []string{"A/1", "A/2", "AB/9", "B/3"}) {
		t.Fatalf("paged = %v", all)
	}

	it, meta, err := s.GetAllStatesCompositeKeyWithPagination(10, "")
	if err != nil {
		t.Fatal(err)
	}
	if got := keysOf(t, it); len(got) != 5 || meta.Bookmark != "" {
		t.Fatalf("all composite = %d %q", len(got), meta.Bookmark)
	}
}

func TestPaginationIsReadOnly(t *testing.T) {
	s := New()
	seed(t, s, "a", "1", "b", "2")

	s.BeginTx("write-then-page", t0)
	_ = s.PutState("c", []byte("3"))
	if _, _, err := s.GetStateByRangeWithPagination("", "", 1, ""); err == nil || !strings.Contains(err.Error(), "read-only") {
		t.Fatalf("paginated query after write: %v", err)
	}
	s.Abort()

	s.BeginTx("page-then-write", t0)
	if _, _, err := s.GetStateByRangeWithPagination("", "", 1, ""); err != nil {
		t.Fatal(err)
	}
	if err := s.PutState("c", []byte("3")); err == nil {
		t.Fatal("write after paginated query accepted")
	}
	if err := s.SetStateValidationParameter("a", []byte("p")); err == nil {
		t.Fatal("metadata write after paginated query accepted")
	}
	s.StartWriteBatch() // batched writes reach the peer at flush time
	if err := s.PutState("c", []byte("3")); err != nil {
		t.Fatal(err)
	}
	if err := s.Commit(); err == nil {
		t.Fatal("commit flushed a batch after a paginated query")
	}
	if s.State("c") != nil {
		t.Fatal("failed commit wrote")
	}
}

func TestInvocationData(t *testing.T) {
	s := New(WithChannel("ch1"), WithPeerMSPID("PeerMSP"))
	s.BeginTx("tx9", t0)
	s.SetArgs("Fn", "a", "b")
	s.SetCreator([]byte("creator"))
	s.SetTransient(map[string][]byte{"k": []byte("v")})
	if fn, p := s.GetFunctionAndParameters(); fn != "Fn" || !reflect.DeepEqual(p, []string{"a", "b"}) {
		t.Fatalf("fn %q params %q", fn, p)
	}
	if b, _ := s.GetArgsSlice(); string(b) != "Fnab" {
		t.Fatalf("args slice %q", b)
	}
	if len(s.GetArgs()) != 3 || s.GetTxID() != "tx9" || s.GetChannelID() != "ch1" {
		t.Fatal("tx data")
	}
	if c, _ := s.GetCreator(); string(c) != "creator" {
		t.Fatal("creator")
	}
	if m, _ := s.GetTransient(); string(m["k"]) != "v" {
		t.Fatal("transient")
	}
	if ts, _ := s.GetTxTimestamp(); !ts.AsTime().Equal(t0) {
		t.Fatalf("ts %v", ts.AsTime())
	}
	if msp, err := s.PeerMSPID(); msp != "PeerMSP" || err != nil {
		t.Fatalf("peer msp %q %v", msp, err)
	}
	if len(s.GetDecorations()) != 0 {
		t.Fatal("decorations")
	}

	sp, err := s.GetSignedProposal()
	if err != nil {
		t.Fatal(err)
	}
	var prop peer.Proposal
	var hdr common.Header
	var chdr common.ChannelHeader
	var shdr common.SignatureHeader
	if err := proto.Unmarshal(sp.ProposalBytes, &prop); err != nil {
		t.Fatal(err)
	}
	_ = proto.Unmarshal(prop.Header, &hdr)
	_ = proto.Unmarshal(hdr.ChannelHeader, &chdr)
	_ = proto.Unmarshal(hdr.SignatureHeader, &shdr)
	if chdr.TxId != "tx9" || chdr.ChannelId != "ch1" || !chdr.Timestamp.AsTime().Equal(t0) || string(shdr.Creator) != "creator" {
		t.Fatalf("proposal header %v %v", chdr.TxId, chdr.ChannelId)
	}

	if err := s.SetEvent("", nil); err == nil {
		t.Fatal("empty event name accepted")
	}
	_ = s.SetEvent("first", []byte("1"))
	_ = s.SetEvent("custody", []byte("2")) // one event per tx: the last wins
	mustCommit(t, s)
	if ev := s.Event(); ev.EventName != "custody" || string(ev.Payload) != "2" || ev.TxId != "tx9" {
		t.Fatalf("event %v", ev)
	}
	if len(s.Events()) != 1 {
		t.Fatal("events")
	}
	if fn, p := s.GetFunctionAndParameters(); fn != "" || len(p) != 0 {
		t.Fatal("args survive the tx")
	}
}

func TestPeerMSPIDFromEnv(t *testing.T) {
	s := New()
	SetPeerMSPID(t, "EnvMSP")
	if msp, _ := s.PeerMSPID(); msp != "EnvMSP" {
		t.Fatalf("got %q", msp)
	}
	if msp, _ := shim.GetMSPID(); msp != "EnvMSP" {
		t.Fatalf("shim.GetMSPID = %q", msp)
	}
	s.SetPeerMSPID("Other")
	if msp, _ := s.PeerMSPID(); msp != "Other" {
		t.Fatalf("got %q", msp)
	}
}

func TestNotSupported(t *testing.T) {
	s := New()
	var errs []error
	add := func(err error) { errs = append(errs, err) }
	_, err := s.GetQueryResult("{}")
	add(err)
	_, _, err = s.GetQueryResultWithPagination("{}", 1, "")
	add(err)
	_, err = s.GetPrivateData("c", "k")
	add(err)
	_, err = s.GetMultiplePrivateData("c", "k")
	add(err)
	_, err = s.GetPrivateDataHash("c", "k")
	add(err)
	add(s.PutPrivateData("c", "k", nil))
	add(s.DelPrivateData("c", "k"))
	add(s.PurgePrivateData("c", "k"))
	add(s.SetPrivateDataValidationParameter("c", "k", nil))
	_, err = s.GetPrivateDataValidationParameter("c", "k")
	add(err)
	_, err = s.GetPrivateDataByRange("c", "a", "b")
	add(err)
	_, err = s.GetPrivateDataByPartialCompositeKey("c", "t", nil)
	add(err)
	_, err = s.GetPrivateDataQueryResult("c", "{}")
	add(err)
	_, err = s.GetBinding()
	add(err)
	for i, err := range errs {
		if !errors.Is(err, ErrNotSupported) || !strings.Contains(err.Error(), "not supported by shimtest") {
			t.Errorf("call %d: %v", i, err)
		}
	}
	if r := s.InvokeChaincode("cc", nil, ""); r.Status != shim.ERROR || !strings.Contains(r.Message, "not supported") {
		t.Errorf("InvokeChaincode: %v", r)
	}
}

func TestBeginTxDiscardsOpenTx(t *testing.T) {
	s := New()
	s.BeginTx("a", t0)
	_ = s.PutState("k", []byte("v"))
	s.BeginTx("b", t0)
	mustCommit(t, s)
	if s.State("k") != nil {
		t.Fatal("write of the discarded tx committed")
	}
}
