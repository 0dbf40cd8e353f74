package clitest

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/provledger/provenance/chaincode/domain"
)

// txResult is the JSON of single-record changes.
type txResult struct {
	Action string          `json:"action"`
	TxID   string          `json:"txId"`
	Block  uint64          `json:"block"`
	Items  []string        `json:"items"`
	Result json.RawMessage `json:"result"`
}

// batchResult is the JSON of multi-item changes.
type batchResult struct {
	Action       string   `json:"action"`
	To           string   `json:"to"`
	Items        []string `json:"items"`
	Transactions []struct {
		TxID  string   `json:"txId"`
		Block uint64   `json:"block"`
		Items []string `json:"items"`
	} `json:"transactions"`
}

func TestVersionWhoamiCompletion(t *testing.T) {
	integration(t)
	r := ok(t, "version")
	if !strings.HasPrefix(r.out, "prov ") || !strings.Contains(r.out, "fabric-gateway: v1.12.1") {
		t.Errorf("version: %s", r)
	}
	for _, tc := range []struct{ org, user, msp, role, typ string }{
		{"manufacturer", "user1", "ManufacturerMSP", "manufacturer", "client"},
		{"Distributor", "admin", "DistributorMSP", "distributor", "admin"},
		{"CustomsMSP", "user1", "CustomsMSP", "customs", "client"},
	} {
		var who struct {
			MSPID, Role, Type, Subject, Endpoint string
			Expired                              bool
		}
		okJSON(t, &who, "whoami", "-p", tc.org, "-u", tc.user)
		if who.MSPID != tc.msp || who.Role != tc.role || who.Type != tc.typ || who.Expired || !strings.Contains(who.Subject, "CN="+tc.user) {
			t.Errorf("whoami %s/%s: %+v", tc.org, tc.user, who)
		}
		if want := peerNode(t, strings.ToLower(strings.TrimSuffix(tc.msp, "MSP"))).Address; who.Endpoint != want {
			t.Errorf("endpoint %s, want %s", who.Endpoint, want)
		}
	}
	if r := ok(t, "whoami", "-p", "distributor", "-u", "norole"); !strings.Contains(r.out, "Role:       (no prov.role attribute)") {
		t.Errorf("norole: %s", r)
	}
	if r := ok(t, "completion", "bash"); !strings.Contains(r.out, "__start_prov") {
		t.Errorf("completion: %.200s", r.out)
	}
	r = run(t, "whoami", "-p", "distributor", "-u", "nobody")
	if r.code != 1 || !strings.Contains(r.err, `no identity "nobody"`) {
		t.Errorf("unknown user: %s", r)
	}
	r = run(t, "whoami", "-p", "wholesaler")
	if r.code != 1 || !strings.Contains(r.err, `no connection profile for organization "wholesaler"`) {
		t.Errorf("unknown org: %s", r)
	}
}

func TestUsageErrors(t *testing.T) {
	integration(t)
	usage(t, "item", "show")
	usage(t, "item", "frobnicate")
	usage(t, "frobnicate")
	usage(t, "transfer", "offer", "01/09506000134352/21/X", "-p", "manufacturer") // no --to
	usage(t, "item", "recall", "01/09506000134352/21/X", "-p", "manufacturer")    // no --reason
	usage(t, "item", "register", "--file", "x", "--batch-size", "5000", "-p", "manufacturer")
	usage(t, "item", "list", "-o", "yaml", "-p", "manufacturer")
	usage(t, "customs", "hold", "--reason", "r")
}

// Every spelling of an ID reaches the same item; bad IDs and GTINs are
// refused locally, with no transaction.
func TestIdentifiersAndUnknownItems(t *testing.T) {
	integration(t)
	prefix := prefixFor(1)
	ensurePrefix(t, prefix)
	g := gtin(t, prefix, 1)
	serial := "ID-" + runID
	key := "01/" + g + "/21/" + serial
	dl := fmt.Sprintf("https://id.gs1.org/01/%s/10/LOT7/21/%s?17=271130", g, serial)
	var reg struct{ Registered []string }
	okJSON(t, &reg, "item", "register", dl, "--description", "digital link", "-p", "manufacturer")
	for _, spelling := range []string{key, dl, "(01)" + g + "(21)" + serial, "https://example.com/01/" + g + "/21/" + serial} {
		var it domain.Item
		okJSON(t, &it, "item", "show", spelling, "-p", "distributor")
		if it.ID != key || it.Lot != "LOT7" || it.Expiry != "271130" || it.Owner != "ManufacturerMSP" {
			t.Errorf("%s: %+v", spelling, it)
		}
	}
	bad := "01/" + g[:13] + string('0'+(g[13]-'0'+1)%10) + "/21/X" // wrong check digit
	refused(t, domain.CodeInvalidID, false, "item", "show", bad, "-p", "customs")
	refused(t, domain.CodeInvalidID, false, "item", "register", bad, "-p", "manufacturer")
	refused(t, domain.CodeInvalidID, false, "transfer", "offer", "01/123/21/X", "--to", "distributor", "-p", "manufacturer")
	refused(t, domain.CodeInvalidID, false, "item", "list", "--gtin", "12345", "-p", "customs")
	refused(t, domain.CodeInvalidID, false, "item", "inspect", key, "--location", "1234567890123", "--result", "match", "-p", "customs")
	refused(t, domain.CodeInvalidID, false, "prefix", "show", "12", "-p", "customs")

	unknown := item(t, g, "NOPE")
	refused(t, domain.CodeNotFound, true, "item", "show", unknown, "-p", "customs")
	refused(t, domain.CodeNotFound, true, "item", "history", unknown, "-p", "customs")
	refused(t, domain.CodeNotFound, false, "transfer", "offer", unknown, "--to", "distributor", "-p", "manufacturer")
	refused(t, domain.CodeNotFound, true, "prefix", "show", "9999999", "-p", "customs")
	// verify reports every ID; an unknown one is an error (exit 1), not a
	// failed verification (exit 3).
	r := run(t, "verify", unknown, "-p", "customs")
	if r.code != 1 || !strings.Contains(r.out, "NOT VERIFIED: NOT_FOUND") {
		t.Errorf("verify of an unknown item is an error (exit 1), not a failed verification: %s", r)
	}
}

func TestPrefixGovernance(t *testing.T) {
	integration(t)
	p := prefixFor(2)
	g := gtin(t, p, 1)

	refused(t, domain.CodeNotAdmin, true, "prefix", "claim", p, "--licence", "L", "-p", "manufacturer")
	refused(t, domain.CodeWrongRole, true, "prefix", "claim", p, "--licence", "L", "-p", "distributor", "-u", "admin")

	var res txResult
	okJSON(t, &res, "prefix", "claim", p, "--licence", "GS1-LIC-"+p, "-p", "manufacturer", "-u", "admin")
	var claimed domain.Prefix
	json.Unmarshal(res.Result, &claimed)
	if res.Action != "claim" || res.TxID == "" || claimed.Status != domain.PrefixPending || claimed.Owner != "ManufacturerMSP" {
		t.Fatalf("claim: %+v %+v", res, claimed)
	}
	// unapproved prefix
	refused(t, domain.CodePrefixNotActive, true, "item", "register", item(t, g, "EARLY"), "-p", "manufacturer")
	refused(t, domain.CodeAlreadyVoted, true, "prefix", "approve", p, "-p", "manufacturer", "-u", "admin")
	refused(t, domain.CodeNotAdmin, true, "prefix", "approve", p, "-p", "customs")

	r := ok(t, "prefix", "approve", p, "-p", "customs", "-u", "admin")
	if !strings.Contains(r.out, "now ACTIVE") {
		t.Errorf("approve: %s", r)
	}
	refused(t, domain.CodeInvalidTransition, true, "prefix", "reject", p, "-p", "distributor", "-u", "admin")
	ok(t, "item", "register", item(t, g, "OK"), "-p", "manufacturer")

	var page domain.PrefixPage
	okJSON(t, &page, "prefix", "list", "--status", "ACTIVE", "-p", "customs", "--limit", "500")
	if !slices.ContainsFunc(page.Prefixes, func(x domain.Prefix) bool { return x.Prefix == p }) {
		t.Errorf("prefix list --status ACTIVE lacks %s", p)
	}
	if r := ok(t, "prefix", "list", "-p", "customs", "--limit", "500"); !strings.Contains(r.out, p+"  ") {
		t.Errorf("prefix list: %s", r)
	}

	// revocation by a majority; then registration is refused again
	ok(t, "prefix", "revoke", p, "-p", "distributor", "-u", "admin")
	r = ok(t, "prefix", "revoke", p, "-p", "customs", "-u", "admin")
	if !strings.Contains(r.out, "now REVOKED") {
		t.Errorf("revoke: %s", r)
	}
	var shown domain.Prefix
	okJSON(t, &shown, "prefix", "show", p, "-p", "manufacturer")
	if shown.Status != domain.PrefixRevoked || len(shown.Revocations) != 2 {
		t.Errorf("show: %+v", shown)
	}
	refused(t, domain.CodePrefixNotActive, true, "item", "register", item(t, g, "LATE"), "-p", "manufacturer")

	// rejection by a majority
	p3 := prefixFor(3)
	ok(t, "prefix", "claim", p3, "--licence", "GS1-LIC-"+p3, "-p", "manufacturer", "-u", "admin")
	ok(t, "prefix", "reject", p3, "-p", "distributor", "-u", "admin")
	if r := ok(t, "prefix", "reject", p3, "-p", "customs", "-u", "admin"); !strings.Contains(r.out, "now REJECTED") {
		t.Errorf("reject: %s", r)
	}
}

// The custody story of a few items through every item, transfer and
// customs command, with the refusals each org meets on the way.
func TestCustody(t *testing.T) {
	integration(t)
	prefix := prefixFor(1)
	ensurePrefix(t, prefix)
	g := gtin(t, prefix, 2)
	a, b, c, d := item(t, g, "A"), item(t, g, "B"), item(t, g, "C"), item(t, g, "D")

	// registration: only manufacturers, once
	for _, id := range []string{a, b, c, d} {
		ok(t, "item", "register", id, "--lot", "L1", "--expiry", "281231", "-p", "manufacturer")
	}
	refused(t, domain.CodeWrongRole, true, "item", "register", item(t, g, "X"), "-p", "distributor")
	refused(t, domain.CodeRoleMismatch, true, "item", "register", item(t, g, "X"), "-p", "manufacturer", "-u", "badrole")
	if r := ok(t, "item", "register", a, "-p", "manufacturer"); !strings.Contains(r.out, "Skipped 1 item already registered by ManufacturerMSP") {
		t.Errorf("re-register: %s", r)
	}

	// offer: not the owner, self, short org name. Custody commands decide
	// refusals from the ledger read before any transaction (client/README.md
	// "Bulk commands"): no transaction ID is named.
	refused(t, domain.CodeNotOwner, false, "transfer", "offer", a, "--to", "customs", "-p", "distributor")
	refused(t, domain.CodeSelfTransfer, false, "transfer", "offer", a, "--to", "manufacturer", "-p", "manufacturer")
	var offer batchResult
	okJSON(t, &offer, "transfer", "offer", a, b, c, "--to", "distributor", "-p", "manufacturer")
	if offer.To != "DistributorMSP" || len(offer.Items) != 3 || len(offer.Transactions) != 1 || offer.Transactions[0].TxID == "" {
		t.Fatalf("offer: %+v", offer)
	}
	refused(t, domain.CodeInvalidTransition, false, "transfer", "offer", a, "--to", "customs", "-p", "manufacturer")
	refused(t, domain.CodeNotRecipient, false, "transfer", "accept", a, "-p", "customs")

	// answer: accept a, reject b, cancel c
	ok(t, "transfer", "accept", a, "-p", "distributor")
	ok(t, "transfer", "reject", b, "-p", "distributor")
	refused(t, domain.CodeNotOwner, false, "transfer", "cancel", c, "-p", "distributor")
	ok(t, "transfer", "cancel", c, "-p", "manufacturer")
	for id, owner := range map[string]string{a: "DistributorMSP", b: "ManufacturerMSP", c: "ManufacturerMSP"} {
		var it domain.Item
		okJSON(t, &it, "item", "show", id, "-p", "customs")
		if it.Owner != owner || it.Status != domain.StatusActive {
			t.Errorf("%s: owner %s status %s, want %s ACTIVE", id, it.Owner, it.Status, owner)
		}
	}

	// customs: hold blocks an offer until release; only customs holds
	refused(t, domain.CodeWrongRole, false, "customs", "hold", a, "--reason", "papers", "-p", "distributor")
	ok(t, "customs", "hold", a, "--reason", "documents missing", "-p", "customs")
	refused(t, domain.CodeOnHold, false, "transfer", "offer", a, "--to", "manufacturer", "-p", "distributor")
	if r := ok(t, "item", "show", a, "-p", "distributor"); !strings.Contains(r.out, "ACTIVE, ON HOLD") || !strings.Contains(r.out, "documents missing") {
		t.Errorf("held item: %s", r)
	}
	ok(t, "customs", "release", a, "-p", "customs")
	// Already released: skipped, no transaction (a re-run is safe).
	if r := ok(t, "customs", "release", a, "-p", "customs"); !strings.Contains(r.out, "Skipped 1 item") || !strings.Contains(r.out, "not on hold") {
		t.Errorf("release twice: %s", r)
	}

	// inspection by anyone; recall by the prefix owner only
	var insp txResult
	okJSON(t, &insp, "item", "inspect", a, "--location", "9506000000015", "--result", "suspect", "-p", "customs")
	if insp.Action != "inspect" || insp.TxID == "" {
		t.Errorf("inspect: %+v", insp)
	}
	refused(t, domain.CodeInvalidArgument, true, "item", "inspect", a, "--location", "9506000000015", "--result", "maybe", "-p", "customs")
	refused(t, domain.CodeNotOwner, true, "item", "recall", b, "--reason", "r", "-p", "distributor")
	// By design (issue 13): a recall is an admin's act.
	refused(t, domain.CodeNotAdmin, true, "item", "recall", b, "--reason", "r", "-p", "manufacturer")
	ok(t, "item", "recall", b, "--reason", "seal defect", "-p", "manufacturer", "--user", "admin")
	refused(t, domain.CodeRecalled, false, "transfer", "offer", b, "--to", "distributor", "-p", "manufacturer")
	lot := run(t, "item", "recall", "--gtin", g, "--lot", "L1", "--reason", "contamination", "-p", "manufacturer", "--user", "admin")
	if lot.code != 0 || !strings.Contains(lot.out, "Recalled lot L1 of GTIN "+g) {
		t.Errorf("lot recall: %s", lot)
	}
	var recalled domain.Item
	okJSON(t, &recalled, "item", "show", c, "-p", "customs")
	if recalled.Recall == nil {
		t.Errorf("lot recall does not show on %s: %+v", c, recalled)
	}

	// stolen and decommissioned
	refused(t, domain.CodeNotOwner, false, "item", "report-stolen", a, "-p", "manufacturer")
	ok(t, "item", "report-stolen", a, "-p", "distributor")
	refused(t, domain.CodeInvalidArgument, false, "item", "decommission", d, "--reason", "lost", "-p", "manufacturer")
	ok(t, "item", "decommission", d, "--reason", "destroyed", "-p", "manufacturer")
	if r := ok(t, "item", "decommission", d, "--reason", "destroyed", "-p", "manufacturer"); !strings.Contains(r.out, "Skipped 1 item") || !strings.Contains(r.out, "already decommissioned") {
		t.Errorf("decommission twice: %s", r)
	}

	// history, list
	var h struct {
		Item   string
		Events []domain.CustodyEvent
	}
	okJSON(t, &h, "item", "history", a, "-p", "manufacturer")
	var types []string
	for _, e := range h.Events {
		types = append(types, string(e.Type))
	}
	// The inspection is a sighting on a key of its own, not a custody event
	// (by design, issue 13: inspections must never conflict with custody).
	if got := strings.Join(types, " "); got != "REGISTERED OFFERED ACCEPTED HELD RELEASED STOLEN" {
		t.Errorf("history of %s: %s", a, got)
	}
	okJSON(t, &h, "item", "history", a, "--from-seq", "3", "--limit", "2", "-p", "customs")
	if len(h.Events) != 2 || h.Events[0].Seq != 3 {
		t.Errorf("history page: %+v", h.Events)
	}
	if r := ok(t, "item", "history", a, "-p", "customs"); !strings.HasPrefix(r.out, "SEQ  EVENT") {
		t.Errorf("history table: %s", r)
	}
	var page domain.ItemPage
	okJSON(t, &page, "item", "list", "--gtin", g, "--lot", "L1", "-p", "customs")
	if len(page.Items) != 4 {
		t.Errorf("list by lot: %d items", len(page.Items))
	}
	okJSON(t, &page, "item", "list", "--gtin", g, "--limit", "2", "-p", "customs")
	if len(page.Items) != 2 || page.Bookmark == "" {
		t.Fatalf("list page 1: %+v", page)
	}
	var page2 domain.ItemPage
	okJSON(t, &page2, "item", "list", "--gtin", g, "--limit", "2", "--bookmark", page.Bookmark, "-p", "customs")
	if len(page2.Items) != 2 || page2.Items[0].ID == page.Items[0].ID {
		t.Errorf("list page 2: %+v", page2)
	}
	if !slices.ContainsFunc(listAll(t, "item", "list", "--status", "stolen", "-p", "customs"), func(it domain.Item) bool { return it.ID == a }) {
		t.Errorf("list --status STOLEN lacks %s", a)
	}
	okJSON(t, &page, "item", "list", "-p", "distributor", "--limit", "500") // default: my org's items
	for _, it := range page.Items {
		if it.Owner != "DistributorMSP" {
			t.Errorf("default list has %s owned by %s", it.ID, it.Owner)
		}
	}
	if !slices.ContainsFunc(listAll(t, "item", "list", "--owner", "distributor", "-p", "manufacturer"), func(it domain.Item) bool { return it.ID == a }) {
		t.Errorf("list --owner distributor lacks %s", a)
	}

	// verify the item with the longest record, and the hash chain
	var v struct {
		OK      bool
		Reports []struct {
			Item  string
			OK    bool
			Steps []struct{ Check string }
		}
	}
	okJSON(t, &v, "verify", a, b, "--chain", "-p", "customs")
	if !v.OK || len(v.Reports) != 2 || !v.Reports[0].OK || len(v.Reports[0].Steps) < 8*3 {
		t.Errorf("verify: %+v", v)
	}
	if r := ok(t, "verify", a, "-p", "manufacturer"); !strings.HasPrefix(r.out, a+": verified (") {
		t.Errorf("verify table: %s", r)
	}
	// --file: items are verified several at a time, but every line is
	// reported in file order with its line number, a bad line in its place.
	file := filepath.Join(t.TempDir(), "verify.txt")
	os.WriteFile(file, []byte("# declaration\n"+b+"\nnot-an-id\n"+c+"\n"+a+"\n"), 0o600)
	r := run(t, "verify", "--file", file, "-p", "customs")
	var lines []string // verdict lines; a report's detail lines are indented
	for _, l := range strings.Split(strings.TrimSpace(r.out), "\n") {
		if !strings.HasPrefix(l, " ") {
			lines = append(lines, l)
		}
	}
	if r.code != 1 || len(lines) != 4 || !strings.HasPrefix(lines[0], b+": verified (") ||
		!strings.HasPrefix(lines[1], "line 3: not-an-id: NOT VERIFIED") ||
		!strings.HasPrefix(lines[2], c+": verified (") || !strings.HasPrefix(lines[3], a+": verified (") {
		t.Errorf("verify --file with a bad line: want b, line 3, c, a in order and exit 1: %s", r)
	}
}

func TestRegisterFile(t *testing.T) {
	integration(t)
	prefix := prefixFor(1)
	ensurePrefix(t, prefix)
	g := gtin(t, prefix, 3)
	dir := t.TempDir()

	var csv strings.Builder
	csv.WriteString("gtin,serial,lot,expiry,description\n")
	for i := 0; i < 25; i++ {
		fmt.Fprintf(&csv, "%s,F%02d-%s,LF,290101,\"file, row %d\"\n", g, i, runID, i)
	}
	clean := csv.String()
	wrong := string(rune('0' + (g[13]-'0'+1)%10))
	csv.WriteString(g[:13] + wrong + ",BAD,LF,,\n")          // wrong check digit
	fmt.Fprintf(&csv, "%s,F03-%s,LF,290101,dup\n", g, runID) // duplicate of row 5
	path := filepath.Join(dir, "items.csv")
	os.WriteFile(path, []byte(csv.String()), 0o600)

	type summary struct {
		Registered, Skipped []string
		Failed              []struct {
			Line int
			ID   string
			Code string
		}
		Transactions []struct {
			TxID  string
			Items int
		}
	}
	r := run(t, "item", "register", "--file", path, "--batch-size", "10", "-p", "manufacturer", "-o", "json")
	var s summary
	if err := json.Unmarshal([]byte(r.out), &s); err != nil || r.code != 1 {
		t.Fatalf("want exit 1 with a JSON summary: %v %s", err, r)
	}
	if len(s.Registered) != 25 || len(s.Transactions) != 3 || s.Transactions[0].Items != 10 || s.Transactions[2].Items != 5 {
		t.Errorf("registered %d in %+v", len(s.Registered), s.Transactions)
	}
	if len(s.Failed) != 2 || s.Failed[0].Line != 27 || s.Failed[0].Code != "INVALID_ID" || s.Failed[1].Code != "INVALID_ARGUMENT" {
		t.Errorf("failed %+v", s.Failed)
	}
	if r.err != "" {
		t.Errorf("no progress bar off a terminal, got stderr %q", r.err)
	}

	// a re-run registers nothing and skips everything
	cleanPath := filepath.Join(dir, "clean.csv")
	os.WriteFile(cleanPath, []byte(clean), 0o600)
	r = ok(t, "item", "register", "--file", cleanPath, "-p", "manufacturer")
	if !strings.Contains(r.out, "Registered 0 items\nSkipped 25 items already registered by ManufacturerMSP\n") {
		t.Errorf("re-run: %s", r)
	}
	var it domain.Item
	okJSON(t, &it, "item", "show", "01/"+g+"/21/F07-"+runID, "-p", "customs")
	if it.Lot != "LF" || it.Expiry != "290101" || it.Description != "file, row 7" {
		t.Errorf("row 7: %+v", it)
	}

	// Digital Links on stdin-like file; another org's item fails without a transaction
	links := filepath.Join(dir, "links.txt")
	body := fmt.Sprintf("# digital links\nhttps://id.gs1.org/01/%s/10/LD/21/DL1-%s\nhttps://id.gs1.org/01/%s/21/DL2-%s?17=300101\n", g, runID, g, runID)
	os.WriteFile(links, []byte(body), 0o600)
	okJSON(t, &s, "item", "register", "--file", links, "-p", "manufacturer")
	if len(s.Registered) != 2 || len(s.Transactions) != 1 {
		t.Errorf("links: %+v", s)
	}

	// a registering org without the prefix: every batch refused
	r = run(t, "item", "register", "--file", cleanPath, "-p", "distributor", "-o", "json")
	json.Unmarshal([]byte(r.out), &s)
	if r.code != 1 || len(s.Failed) != 25 || s.Failed[0].Code != "ALREADY_EXISTS" {
		t.Errorf("another org's items: %s", r)
	}
}
