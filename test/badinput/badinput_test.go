// Package badinput throws malformed, oversize, unauthorized and out-of-order
// requests at a live network, through the prov binary and straight at the
// Fabric Gateway, and asserts for each the exact refusal code and that the
// ledger did not change (block height and the affected records' JSON).
package badinput

import (
	"encoding/json"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/provledger/provenance/chaincode/domain"
	"github.com/provledger/provenance/test/harness"
)

const portBase = 12100

var pn = &harness.PackageNetwork{Home: ".prov-badinput", PortBase: portBase, Shared: true}

func TestMain(m *testing.M) { os.Exit(pn.Main(m)) }

var (
	mfr = harness.Manufacturer
	dst = harness.Distributor
	cus = harness.Customs
)

// fixture is ledger state the cases act on, one item per status.
type fixture struct {
	prefix, pending string // an ACTIVE and a PENDING prefix of the manufacturer
	gtin            string
	active          string // held by the manufacturer
	inTransit       string // offered by the manufacturer to the distributor
	atDistributor   string // accepted by the distributor
	decommissioned  string // decommissioned by the manufacturer
	held            string // at the distributor, on customs hold
	recalled        string // recalled item, at the manufacturer
	stolen          string // reported stolen by the manufacturer
	unknown         string // never registered, valid identifier
}

func (f fixture) items() []string {
	return []string{f.active, f.inTransit, f.atDistributor, f.decommissioned, f.held, f.recalled, f.stolen, f.unknown}
}

func setup(t *testing.T) (fixture, map[string]*harness.Conn) {
	conns := map[string]*harness.Conn{}
	for _, o := range harness.Orgs {
		for _, u := range []string{"user1", "admin", "badrole", "norole"} {
			conns[o.Dir+"/"+u] = harness.Connect(t, pn.Net.Home, o, u)
		}
	}
	u := harness.Unique()
	// This run's own prefixes: other packages on a shared network claim theirs.
	f := fixture{prefix: harness.RunPrefix("41"), pending: harness.RunPrefix("42")}
	f.gtin = harness.GTIN("0", f.prefix, "00007")
	key := func(s string) string { return harness.Key(f.gtin, s+u) }
	f.active, f.inTransit, f.atDistributor, f.decommissioned = key("A"), key("B"), key("C"), key("D")
	f.held, f.recalled, f.stolen, f.unknown = key("E"), key("F"), key("G"), key("Z")

	must := func(c *harness.Conn, fn string, args ...string) {
		t.Helper()
		if _, err := c.Submit(fn, args...); err != nil {
			t.Fatalf("fixture %s %v as %s/%s: %v", fn, args, c.Org.Dir, c.User, err)
		}
		// The next step may go through another org's peer: let every peer
		// commit this block first (the gateway waits for its own peer only).
		harness.WaitSameHeight(t, 20*time.Second, conns["manufacturer/user1"], conns["distributor/user1"], conns["customs/user1"])
	}
	js := func(v any) string { b, _ := json.Marshal(v); return string(b) }
	// Tolerate a reused network (PROV_KEEP_NETWORK=1) where the prefixes exist.
	p, _ := conns["customs/user1"].Prefix(f.prefix)
	if p == nil {
		must(conns["manufacturer/admin"], "ClaimPrefix", f.prefix, "GS1-DE-LIC-1")
	}
	if p == nil || p.Status == domain.PrefixPending {
		must(conns["customs/admin"], "ApprovePrefix", f.prefix)
	}
	if p, _ := conns["customs/user1"].Prefix(f.pending); p == nil {
		must(conns["manufacturer/admin"], "ClaimPrefix", f.pending, "GS1-DE-LIC-2")
	}
	var in []domain.ItemInput
	for _, id := range []string{f.active, f.inTransit, f.atDistributor, f.decommissioned, f.held, f.recalled, f.stolen} {
		in = append(in, domain.ItemInput{ID: id, Lot: "LOT" + u})
	}
	must(conns["manufacturer/user1"], "RegisterItems", js(in))
	must(conns["manufacturer/user1"], "OfferTransfer", js([]string{f.inTransit, f.atDistributor, f.held}), dst.MSP)
	must(conns["distributor/user1"], "AcceptTransfer", js([]string{f.atDistributor, f.held}))
	must(conns["customs/user1"], "HoldItems", js([]string{f.held}), "suspicious paperwork")
	must(conns["manufacturer/user1"], "Decommission", f.decommissioned, "destroyed")
	must(conns["manufacturer/admin"], "RecallItem", f.recalled, "mislabelled") // an admin's act (issue 13)
	must(conns["manufacturer/user1"], "ReportStolen", f.stolen)
	harness.WaitSameHeight(t, 15*time.Second, conns["manufacturer/user1"], conns["distributor/user1"], conns["customs/user1"])
	return f, conns
}

// tc is one bad input: through the CLI (cli set) or the gateway (fn set).
type tc struct {
	name string
	org  harness.PeerOrg
	user string
	cli  []string // prov arguments after the global flags
	fn   string   // chaincode function, straight through the gateway
	args []string
	code domain.Code // the exact refusal code
	text string      // when code is "": the text the refusal must carry (contract-api's own checks)
	keys []string    // records that must not change (beyond the fixture's items)
}

func cases(f fixture) []tc {
	js := func(v any) string { b, _ := json.Marshal(v); return string(b) }
	reg := func(items ...domain.ItemInput) []string { return []string{js(items)} }
	one := func(id string) []string { return []string{js([]string{id})} }
	g := f.gtin
	badCheck := g[:13] + fmt.Sprint((int(g[13]-'0')+1)%10)
	long := strings.Repeat("x", 600)
	var big []domain.ItemInput
	for i := 0; i <= domain.MaxBatch; i++ {
		big = append(big, domain.ItemInput{ID: harness.Key(g, fmt.Sprintf("BIG%05d", i))})
	}
	return []tc{
		// Malformed identifiers.
		{name: "gtin check digit (cli)", org: mfr, cli: []string{"item", "register", harness.Key(badCheck, "X1")}, code: domain.CodeInvalidID},
		{name: "gtin check digit (gw)", org: mfr, fn: "RegisterItems", args: reg(domain.ItemInput{ID: harness.Key(badCheck, "X1")}), code: domain.CodeInvalidID},
		{name: "gtin 11 digits", org: mfr, fn: "RegisterItems", args: reg(domain.ItemInput{ID: "01/" + g[3:] + "/21/X1"}), code: domain.CodeInvalidID},
		{name: "gtin with a letter (cli)", org: mfr, cli: []string{"item", "register", "01/0401234500O07X/21/X1"}, code: domain.CodeInvalidID},
		{name: "serial of 21 characters", org: mfr, fn: "RegisterItems", args: reg(domain.ItemInput{ID: harness.Key(g, strings.Repeat("S", 21))}), code: domain.CodeInvalidID},
		{name: "empty serial", org: mfr, fn: "RegisterItems", args: reg(domain.ItemInput{ID: "01/" + g + "/21/"}), code: domain.CodeInvalidID},
		{name: "serial with a space", org: mfr, fn: "RegisterItems", args: reg(domain.ItemInput{ID: harness.Key(g, "AB 12")}), code: domain.CodeInvalidID},
		{name: "serial with '#' outside set 82 (cli)", org: mfr, cli: []string{"item", "register", harness.Key(g, "AB#12")}, code: domain.CodeInvalidID},
		{name: "Cyrillic look-alike in serial (cli)", org: mfr, cli: []string{"item", "register", harness.Key(g, "\u0410BC1")}, code: domain.CodeInvalidID},
		{name: "fullwidth digit in serial", org: mfr, fn: "RegisterItems", args: reg(domain.ItemInput{ID: harness.Key(g, "AB\uff11")}), code: domain.CodeInvalidID},
		{name: "Digital Link bad percent-encoding (cli)", org: mfr, cli: []string{"item", "register", "https://id.gs1.org/01/" + g + "/21/AB%ZZ"}, code: domain.CodeInvalidID},
		{name: "Digital Link percent-encoded space", org: mfr, fn: "RegisterItems", args: reg(domain.ItemInput{ID: "https://id.gs1.org/01/" + g + "/21/AB%2012"}), code: domain.CodeInvalidID},
		{name: "Digital Link truncated percent-encoding", org: mfr, fn: "RegisterItems", args: reg(domain.ItemInput{ID: "https://id.gs1.org/01/" + g + "/21/AB%4"}), code: domain.CodeInvalidID},
		{name: "element string with bad check digit", org: mfr, fn: "RegisterItems", args: reg(domain.ItemInput{ID: "(01)" + badCheck + "(21)X1"}), code: domain.CodeInvalidID},
		{name: "EPC URI malformed (cli)", org: mfr, cli: []string{"item", "register", "urn:epc:id:sgtin:4012345.000007"}, code: domain.CodeInvalidID},
		{name: "GTIN in fullwidth digits (cli)", org: mfr, cli: []string{"item", "register", "01/" + toFullwidth(g) + "/21/X11"}, code: domain.CodeInvalidID},
		{name: "Greek look-alike in lot", org: mfr, fn: "RegisterItems", args: reg(domain.ItemInput{ID: harness.Key(g, "X12"), Lot: "L\u039FT1"}), code: domain.CodeInvalidID},
		{name: "lot of 21 characters", org: mfr, fn: "RegisterItems", args: reg(domain.ItemInput{ID: harness.Key(g, "X2"), Lot: strings.Repeat("L", 21)}), code: domain.CodeInvalidID},
		{name: "expiry month 13", org: mfr, fn: "RegisterItems", args: reg(domain.ItemInput{ID: harness.Key(g, "X3"), Expiry: "281301"}), code: domain.CodeInvalidID},
		{name: "inspection GLN check digit (cli)", org: cus, cli: []string{"item", "inspect", f.active, "--location", "4012345000101", "--result", "match"}, code: domain.CodeInvalidID},

		// Oversize fields and batches.
		{name: "description of 600 characters", org: mfr, fn: "RegisterItems", args: reg(domain.ItemInput{ID: harness.Key(g, "X4"), Description: long}), code: domain.CodeInvalidArgument},
		{name: "description of 100 KB", org: mfr, fn: "RegisterItems", args: reg(domain.ItemInput{ID: harness.Key(g, "X13"), Description: strings.Repeat("d", 100<<10)}), code: domain.CodeInvalidArgument},
		{name: "control character in description", org: mfr, fn: "RegisterItems", args: reg(domain.ItemInput{ID: harness.Key(g, "X14"), Description: "ok\x00then"}), code: domain.CodeInvalidArgument},
		{name: "batch of 1001 items", org: mfr, fn: "RegisterItems", args: reg(big...), code: domain.CodeBatchTooLarge},
		{name: "hold reason of 600 characters", org: cus, fn: "HoldItems", args: []string{js([]string{f.active}), long}, code: domain.CodeInvalidArgument},
		{name: "licence of 600 characters", org: mfr, user: "admin", fn: "ClaimPrefix", args: []string{"4055555", long}, code: domain.CodeInvalidArgument, keys: []string{"prefix:4055555"}},
		{name: "atomic batch: one duplicate fails all", org: mfr, fn: "RegisterItems", args: reg(domain.ItemInput{ID: harness.Key(g, "NEW1")}, domain.ItemInput{ID: f.active}), code: domain.CodeAlreadyExists, keys: []string{harness.Key(g, "NEW1")}},

		// Unknown orgs, wrong roles.
		{name: "offer to an unknown org (cli)", org: mfr, cli: []string{"transfer", "offer", f.active, "--to", "AcmeMSP"}, code: domain.CodeUnknownOrg},
		{name: "offer to oneself", org: mfr, fn: "OfferTransfer", args: []string{one(f.active)[0], mfr.MSP}, code: domain.CodeSelfTransfer},
		{name: "distributor registers (cli)", org: dst, cli: []string{"item", "register", harness.Key(g, "X5")}, code: domain.CodeWrongRole},
		{name: "cert role disagrees with MSP role", org: mfr, user: "badrole", fn: "RegisterItems", args: reg(domain.ItemInput{ID: harness.Key(g, "X6")}), code: domain.CodeRoleMismatch},
		{name: "distributor holds", org: dst, fn: "HoldItems", args: []string{one(f.atDistributor)[0], "because"}, code: domain.CodeWrongRole},
		{name: "manufacturer releases (cli)", org: mfr, cli: []string{"customs", "release", f.held}, code: domain.CodeWrongRole},
		{name: "distributor recalls a prefix it does not own", org: dst, fn: "RecallItem", args: []string{f.atDistributor, "no reason"}, code: domain.CodeNotOwner},

		// Prefix governance.
		{name: "non-admin claims a prefix (cli)", org: mfr, user: "user1", cli: []string{"prefix", "claim", "4066666", "--licence", "L"}, code: domain.CodeNotAdmin, keys: []string{"prefix:4066666"}},
		{name: "distributor admin claims a prefix", org: dst, user: "admin", fn: "ClaimPrefix", args: []string{"4077777", "L"}, code: domain.CodeWrongRole, keys: []string{"prefix:4077777"}},
		{name: "non-admin approves", org: cus, user: "user1", fn: "ApprovePrefix", args: []string{f.pending}, code: domain.CodeNotAdmin, keys: []string{"prefix:" + f.pending}},
		{name: "lone org activates its own prefix (cli)", org: mfr, user: "admin", cli: []string{"prefix", "approve", f.pending}, code: domain.CodeAlreadyVoted, keys: []string{"prefix:" + f.pending}},
		{name: "prefix of 5 digits", org: mfr, user: "admin", fn: "ClaimPrefix", args: []string{"40123", "L"}, code: domain.CodeInvalidID},
		{name: "register under a pending prefix", org: mfr, fn: "RegisterItems", args: reg(domain.ItemInput{ID: harness.Key(harness.GTIN("0", f.pending, "00001"), "X7")}), code: domain.CodePrefixNotActive},
		{name: "register under an unclaimed prefix (cli)", org: mfr, cli: []string{"item", "register", harness.Key(harness.GTIN("0", "5012345", "00001"), "X8")}, code: domain.CodePrefixNotActive},
		{name: "re-initialize org roles with another set", org: mfr, user: "admin", fn: "InitOrgRoles", args: []string{`[{"msp":"ManufacturerMSP","role":"manufacturer"}]`}, code: domain.CodeAlreadyInitialized},
		{name: "re-initialize giving oneself another role", org: mfr, user: "admin", fn: "InitOrgRoles", args: []string{`[{"msp":"ManufacturerMSP","role":"customs"}]`}, code: domain.CodeRoleMismatch},

		// Every refused transition.
		{name: "offer an item held by another org (cli)", org: dst, cli: []string{"transfer", "offer", f.active, "--to", cus.MSP}, code: domain.CodeNotOwner},
		{name: "offer an item in transit", org: mfr, fn: "OfferTransfer", args: []string{one(f.inTransit)[0], cus.MSP}, code: domain.CodeInvalidTransition},
		{name: "accept by an org it was not offered to", org: cus, fn: "AcceptTransfer", args: one(f.inTransit), code: domain.CodeNotRecipient},
		{name: "reject by an org it was not offered to (cli)", org: cus, cli: []string{"transfer", "reject", f.inTransit}, code: domain.CodeNotRecipient},
		{name: "cancel by the recipient", org: dst, fn: "CancelTransfer", args: one(f.inTransit), code: domain.CodeNotOwner},
		{name: "accept an item not in transit", org: dst, fn: "AcceptTransfer", args: one(f.atDistributor), code: domain.CodeInvalidTransition},
		{name: "offer a decommissioned item", org: mfr, fn: "OfferTransfer", args: []string{one(f.decommissioned)[0], dst.MSP}, code: domain.CodeInvalidTransition},
		// The CLI skips items already in the target state (a re-run is safe,
		// client/README.md "Bulk commands"); the chaincode refuses them.
		{name: "decommission twice", org: mfr, fn: "Decommission", args: []string{f.decommissioned, "destroyed"}, code: domain.CodeInvalidTransition},
		{name: "offer a recalled item", org: mfr, fn: "OfferTransfer", args: []string{one(f.recalled)[0], dst.MSP}, code: domain.CodeRecalled},
		{name: "offer a held item (cli)", org: dst, cli: []string{"transfer", "offer", f.held, "--to", mfr.MSP}, code: domain.CodeOnHold},
		{name: "release an item not on hold", org: cus, fn: "ReleaseItems", args: one(f.atDistributor), code: domain.CodeInvalidTransition},
		{name: "offer a stolen item", org: mfr, fn: "OfferTransfer", args: []string{one(f.stolen)[0], dst.MSP}, code: domain.CodeInvalidTransition},
		{name: "report stolen by a non-owner", org: dst, fn: "ReportStolen", args: []string{f.active}, code: domain.CodeNotOwner},
		{name: "offer an unregistered item (cli)", org: mfr, cli: []string{"transfer", "offer", f.unknown, "--to", dst.MSP}, code: domain.CodeNotFound},

		{name: "reject an item not in transit", org: dst, fn: "RejectTransfer", args: one(f.atDistributor), code: domain.CodeInvalidTransition},
		{name: "cancel an item not in transit", org: mfr, fn: "CancelTransfer", args: one(f.active), code: domain.CodeInvalidTransition},
		{name: "hold an item already on hold", org: cus, fn: "HoldItems", args: []string{one(f.held)[0], "again"}, code: domain.CodeOnHold},
		{name: "report a decommissioned item stolen", org: mfr, fn: "ReportStolen", args: []string{f.decommissioned}, code: domain.CodeInvalidTransition},
		{name: "recall an item twice", org: mfr, user: "admin", fn: "RecallItem", args: []string{f.recalled, "again"}, code: domain.CodeAlreadyExists},
		{name: "claim one's active prefix again", org: mfr, user: "admin", fn: "ClaimPrefix", args: []string{f.prefix, "L"}, code: domain.CodeAlreadyExists, keys: []string{"prefix:" + f.prefix}},
		{name: "approve an unclaimed prefix", org: cus, user: "admin", fn: "ApprovePrefix", args: []string{"4088888"}, code: domain.CodeNotFound, keys: []string{"prefix:4088888"}},
		{name: "certificate without prov.role (cli)", org: mfr, user: "norole", cli: []string{"item", "register", harness.Key(g, "X10")}, code: domain.CodeRoleMismatch},

		// Malformed transaction arguments.
		{name: "shipment of 1001 items", org: dst, fn: "AcceptTransfer", args: []string{js(func() []string {
			var ids []string
			for _, in := range big {
				ids = append(ids, in.ID)
			}
			return ids
		}())}, code: domain.CodeBatchTooLarge},
		{name: "item listed twice in one shipment", org: mfr, fn: "OfferTransfer", args: []string{js([]string{f.active, f.active}), dst.MSP}, code: domain.CodeInvalidArgument},
		{name: "page size 10000", org: mfr, fn: "ListItems", args: []string{"owner", mfr.MSP, "10000", ""}, code: domain.CodeInvalidArgument},
		{name: "decommission with an unknown reason", org: mfr, fn: "Decommission", args: []string{f.active, "lost"}, code: domain.CodeInvalidArgument},
		{name: "inspection with an unknown result", org: cus, fn: "RecordInspection", args: []string{f.active, harness.GLN("401234500010"), "fine"}, code: domain.CodeInvalidArgument},
		{name: "item list JSON is not JSON", org: mfr, fn: "OfferTransfer", args: []string{`["` + f.active, dst.MSP}, code: domain.CodeInvalidArgument},
		{name: "batch JSON is an object", org: mfr, fn: "RegisterItems", args: []string{`{"id":"` + harness.Key(g, "X9") + `"}`}, code: domain.CodeInvalidArgument},
		{name: "empty batch", org: mfr, fn: "RegisterItems", args: []string{`[]`}, code: domain.CodeInvalidArgument},
		{name: "wrong argument count", org: mfr, fn: "OfferTransfer", args: one(f.active), text: "incorrect number of params"},
		{name: "unknown function", org: mfr, fn: "MintMoney", args: []string{"1"}, text: "MintMoney"},
	}
}

func TestBadInput(t *testing.T) {
	harness.Integration(t)
	start := time.Now()
	f, conns := setup(t)
	cli := pn.Net.CLI(harness.BuildProv(t))
	ref := conns["customs/user1"] // the snapshot is read through a peer the cases do not submit to alone
	all := cases(f)
	if len(all) < 30 {
		t.Fatalf("only %d cases", len(all))
	}
	var viaCLI, viaGW int
	for _, c := range all {
		t.Run(c.name, func(t *testing.T) {
			user := c.user
			if user == "" {
				user = "user1"
			}
			keys := append(f.items(), c.keys...)
			before := ref.Snap(t, keys...)
			var got domain.Code
			var text string
			if c.cli != nil {
				viaCLI++
				r := cli.Run(t, c.org, user, c.cli...)
				if r.Code == 0 {
					t.Fatalf("accepted:\n%s", r)
				}
				got, text = r.RefusalCode(), r.Stderr+r.Stdout
				if r.Code != 1 && r.Code != 2 {
					t.Errorf("exit %d, want 1 (refused) or 2 (usage)", r.Code)
				}
			} else {
				viaGW++
				_, err := conns[c.org.Dir+"/"+user].Submit(c.fn, c.args...)
				if err == nil {
					t.Fatalf("%s accepted", c.fn)
				}
				got, text = domain.CodeOf(err), err.Error()
			}
			if got != c.code {
				t.Errorf("refusal code %q, want %q; message: %s", got, c.code, short(text))
			}
			if c.text != "" && !strings.Contains(text, c.text) {
				t.Errorf("refusal %s lacks %q", short(text), c.text)
			}
			after := ref.Snap(t, keys...)
			if d := before.Diff(after); d != "" {
				t.Errorf("the ledger changed: %s", d)
			}
		})
	}
	t.Logf("%d cases (%d through prov, %d through the gateway) in %s", len(all), viaCLI, viaGW, time.Since(start).Round(time.Millisecond))
}

// toFullwidth spells ASCII digits as fullwidth digits (U+FF10..U+FF19), a
// look-alike a forged label could carry.
func toFullwidth(s string) string {
	var b strings.Builder
	for _, r := range s {
		if r >= '0' && r <= '9' {
			r += 0xFF10 - '0'
		}
		b.WriteRune(r)
	}
	return b.String()
}

func short(s string) string {
	if len(s) > 600 {
		return s[:600] + "…"
	}
	return s
}
