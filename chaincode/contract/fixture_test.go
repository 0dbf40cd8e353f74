package contract_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"sort"
	"strings"
	"testing"

	"github.com/hyperledger/fabric-protos-go-apiv2/common"
	"github.com/hyperledger/fabric-protos-go-apiv2/msp"
	"google.golang.org/protobuf/proto"

	"github.com/provledger/provenance/chaincode/contract"
	"github.com/provledger/provenance/chaincode/domain"
	"github.com/provledger/provenance/chaincode/shimtest"
)

// MSP IDs of the test network: the three role orgs of the real one, plus a
// second manufacturer (a would-be counterfeiter) and an org without a role.
const (
	mfr   = "ManufacturerMSP"
	mfr2  = "RivalMSP"
	dist  = "DistributorMSP"
	cust  = "CustomsMSP"
	other = "StrangerMSP"

	prefix = "9506000" // GS1's example company prefix
	rival  = "9512345"
)

// standardRoles is the deployment's role set.
var standardRoles = []domain.OrgRole{
	{MSP: mfr, Role: domain.RoleManufacturer},
	{MSP: dist, Role: domain.RoleDistributor},
	{MSP: cust, Role: domain.RoleCustoms},
}

// fourRoles adds a second manufacturer (majority then needs 3 of 4).
var fourRoles = append(append([]domain.OrgRole(nil), standardRoles...), domain.OrgRole{MSP: mfr2, Role: domain.RoleManufacturer})

// org holds one organization's test identities.
type org struct {
	admin, user, badrole, norole *shimtest.Identity
}

type fixture struct {
	t    *testing.T
	h    *shimtest.Harness
	orgs map[string]*org
	peer string // MSP of the peer the contract believes it runs on
}

func roleOfMSP(msp string) domain.Role {
	switch msp {
	case mfr, mfr2:
		return domain.RoleManufacturer
	case dist:
		return domain.RoleDistributor
	case cust:
		return domain.RoleCustoms
	}
	return domain.RoleDistributor // StrangerMSP claims some role
}

// newFixture builds identities for every org and a harness; nothing is on
// the ledger yet.
func newFixture(t *testing.T) *fixture {
	t.Helper()
	f := &fixture{t: t, orgs: map[string]*org{}, peer: mfr}
	c := contract.New(contract.WithPeerMSP(func() (string, error) {
		if f.peer == "" {
			return "", fmt.Errorf("CORE_PEER_LOCALMSPID is not set")
		}
		return f.peer, nil
	}))
	h, err := shimtest.NewHarness(c)
	if err != nil {
		t.Fatal(err)
	}
	f.h = h
	for _, msp := range []string{mfr, mfr2, dist, cust, other} {
		ca, err := shimtest.NewCA(strings.ToLower(strings.TrimSuffix(msp, "MSP")))
		if err != nil {
			t.Fatal(err)
		}
		role := string(roleOfMSP(msp))
		wrong := "customs"
		if role == "customs" {
			wrong = "manufacturer"
		}
		issue := func(opts ...shimtest.IdentityOption) *shimtest.Identity {
			id, err := ca.Issue(msp, opts...)
			if err != nil {
				t.Fatal(err)
			}
			return id
		}
		f.orgs[msp] = &org{
			admin:   issue(shimtest.WithCommonName("admin"), shimtest.WithOU(shimtest.OUAdmin), shimtest.WithAttr(domain.RoleAttribute, role)),
			user:    issue(shimtest.WithCommonName("user1"), shimtest.WithAttr(domain.RoleAttribute, role)),
			badrole: issue(shimtest.WithCommonName("badrole"), shimtest.WithAttr(domain.RoleAttribute, wrong)),
			norole:  issue(shimtest.WithCommonName("norole")),
		}
	}
	return f
}

// ready is a fixture with the standard roles and prefix 9506000 ACTIVE for
// the manufacturer.
func ready(t *testing.T) *fixture {
	f := newFixture(t)
	f.initRoles(standardRoles)
	f.activatePrefix(mfr, prefix, dist)
	return f
}

func (f *fixture) admin(msp string) *shimtest.Identity { return f.orgs[msp].admin }
func (f *fixture) user(msp string) *shimtest.Identity  { return f.orgs[msp].user }

// initRoles gets the role set approved by admins of a majority of the
// organizations it names (InitOrgRoles by each, in its own transaction).
func (f *fixture) initRoles(roles []domain.OrgRole) {
	f.t.Helper()
	set := mustJSON(f.t, roles)
	for i := 0; i < domain.MajorityOf(len(roles)); i++ {
		f.ok(f.h.Submit(f.admin(roles[i].MSP), "InitOrgRoles", set))
	}
	var got []domain.OrgRole
	f.decode(f.h.Evaluate(nil, "GetOrgRoles"), &got)
	if len(got) != len(roles) {
		f.t.Fatalf("roles after a majority's approvals: %v", got)
	}
}

// activatePrefix claims prefix for owner and approves it by voters.
func (f *fixture) activatePrefix(owner, p string, voters ...string) {
	f.t.Helper()
	f.ok(f.h.Submit(f.admin(owner), "ClaimPrefix", p, "GS1-LIC-"+p))
	for _, v := range voters {
		f.ok(f.h.Submit(f.admin(v), "ApprovePrefix", p))
	}
	var got domain.Prefix
	f.decode(f.h.Evaluate(nil, "GetPrefix", p), &got)
	if got.Status != domain.PrefixActive {
		f.t.Fatalf("prefix %s is %s after approvals by %v", p, got.Status, voters)
	}
}

// ok fails the test unless the response succeeded; it returns it.
func (f *fixture) ok(r *shimtest.Response) *shimtest.Response {
	f.t.Helper()
	if err := r.Err(); err != nil {
		f.t.Fatalf("unexpected refusal: %v", err)
	}
	return r
}

func (f *fixture) decode(r *shimtest.Response, v any) {
	f.t.Helper()
	if err := r.JSON(v); err != nil {
		f.t.Fatalf("decode: %v", err)
	}
}

// snapshot is the committed ledger: every key's value and validation parameter.
func (f *fixture) snapshot() string {
	var b strings.Builder
	for _, k := range f.h.Stub.Keys() {
		fmt.Fprintf(&b, "%q=%x|%x\n", k, f.h.Stub.State(k), f.h.Stub.ValidationParameter(k))
	}
	return b.String()
}

// refused submits fn and asserts the refusal code, a message naming want
// (if given) and an unchanged ledger.
func (f *fixture) refused(code domain.Code, want string, id *shimtest.Identity, fn string, args ...string) string {
	f.t.Helper()
	before := f.snapshot()
	events := len(f.h.Stub.Events())
	r := f.h.Submit(id, fn, args...)
	err := r.Err()
	if err == nil {
		f.t.Fatalf("%s(%s) succeeded, want %s", fn, strings.Join(args, ", "), code)
	}
	if got := domain.CodeOf(err); got != code {
		f.t.Fatalf("%s: code %q, want %s (message %q)", fn, got, code, err)
	}
	if !strings.HasPrefix(err.Error(), string(code)+": ") {
		f.t.Fatalf("%s: message %q does not start with %s", fn, err, code)
	}
	if want != "" && !strings.Contains(err.Error(), want) {
		f.t.Fatalf("%s: message %q does not name %q", fn, err, want)
	}
	if after := f.snapshot(); after != before {
		f.t.Fatalf("%s refused with %s but the ledger changed", fn, code)
	}
	if len(f.h.Stub.Events()) != events {
		f.t.Fatalf("%s refused but an event was committed", fn)
	}
	return err.Error()
}

// item reads one item.
func (f *fixture) item(id string) domain.Item {
	f.t.Helper()
	var it domain.Item
	f.decode(f.h.Evaluate(nil, "GetItem", id), &it)
	return it
}

func (f *fixture) history(id string) []domain.CustodyEvent {
	f.t.Helper()
	var p domain.HistoryPage
	f.decode(f.h.Evaluate(nil, "GetHistory", id, "", ""), &p)
	return p.Events
}

// register registers items for the manufacturer and returns their keys.
func (f *fixture) register(ids ...string) []string {
	f.t.Helper()
	in := make([]domain.ItemInput, len(ids))
	for i, id := range ids {
		in[i] = domain.ItemInput{ID: id}
	}
	var keys []string
	f.decode(f.ok(f.h.Submit(f.user(mfr), "RegisterItems", mustJSON(f.t, in))), &keys)
	return keys
}

// lastEvent decodes the last committed chaincode event.
func (f *fixture) lastEvent() domain.ChaincodeEvent {
	f.t.Helper()
	evs := f.h.Stub.Events()
	if len(evs) == 0 {
		f.t.Fatal("no chaincode event")
	}
	e := evs[len(evs)-1]
	if e.EventName != domain.ChaincodeEventName {
		f.t.Fatalf("event name %q", e.EventName)
	}
	var ce domain.ChaincodeEvent
	if err := json.Unmarshal(e.Payload, &ce); err != nil {
		f.t.Fatal(err)
	}
	return ce
}

func mustJSON(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// gtin builds a GTIN-13 (as 14 digits) from a 7-digit company prefix and a
// 5-digit item reference, with its check digit.
func gtin(t *testing.T, companyPrefix, ref string) string {
	t.Helper()
	body := "0" + companyPrefix + ref
	d, err := domain.CheckDigit(body)
	if err != nil {
		t.Fatal(err)
	}
	return fmt.Sprintf("%s%d", body, d)
}

// itemID is the canonical key of an item.
func itemID(g, serial string) string { return "01/" + g + "/21/" + serial }

// sbeOrgs decodes a key's committed key-level policy to its org list.
func (f *fixture) sbeOrgs(key string) []string {
	f.t.Helper()
	return decodeSBE(f.t, f.h.Stub.ValidationParameter(key))
}

// keyPolicy decodes a key's committed key-level policy: AND(AllOf) or
// OutOf(1, AND(AllOf), OutOf(Threshold, Orgs)) over peer principals.
func (f *fixture) keyPolicy(key string) domain.KeyPolicy {
	f.t.Helper()
	b := f.h.Stub.ValidationParameter(key)
	if len(b) == 0 {
		f.t.Fatalf("key %q has no key-level policy", key)
	}
	var env common.SignaturePolicyEnvelope
	if err := proto.Unmarshal(b, &env); err != nil {
		f.t.Fatal(err)
	}
	orgs := make([]string, len(env.Identities))
	for i, id := range env.Identities {
		var r msp.MSPRole
		if err := proto.Unmarshal(id.Principal, &r); err != nil || r.Role != msp.MSPRole_PEER {
			f.t.Fatalf("principal %d of %q: %v %v", i, key, r.Role, err)
		}
		orgs[i] = r.MspIdentifier
	}
	signers := func(p *common.SignaturePolicy) []string {
		var out []string
		for _, r := range p.GetNOutOf().GetRules() {
			out = append(out, orgs[r.GetSignedBy()])
		}
		sort.Strings(out)
		return out
	}
	top := env.Rule.GetNOutOf()
	if len(top.GetRules()) == 0 && top.GetN() > 0 {
		return domain.SealedPolicy()
	}
	if len(top.GetRules()) == 2 && top.GetRules()[0].GetNOutOf() != nil {
		all, maj := top.GetRules()[0], top.GetRules()[1]
		if int(all.GetNOutOf().GetN()) != len(all.GetNOutOf().GetRules()) {
			f.t.Fatalf("key %q: first branch is not AND", key)
		}
		return domain.KeyPolicy{AllOf: signers(all), Orgs: signers(maj), Threshold: int(maj.GetNOutOf().GetN()), AndMajority: top.GetN() == 2}
	}
	if int(top.GetN()) != len(top.GetRules()) {
		f.t.Fatalf("key %q: policy is not AND", key)
	}
	return domain.KeyPolicy{AllOf: signers(env.Rule)}
}

func equalJSON(t *testing.T, a, b any) bool {
	t.Helper()
	return bytes.Equal([]byte(mustJSON(t, a)), []byte(mustJSON(t, b)))
}
