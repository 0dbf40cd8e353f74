// Package provtest holds what the end-to-end, fault and bad-input tests share:
// running the built prov binary as a given org and user, connecting straight
// to an org's gateway from the PROV_HOME layout, refusal codes out of gateway
// errors, ledger snapshots, and GS1 test identifiers with real check digits.
package provtest

import (
	"bytes"
	"context"
	"crypto/x509"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hyperledger/fabric-gateway/pkg/client"
	"github.com/hyperledger/fabric-gateway/pkg/identity"
	"github.com/hyperledger/fabric-protos-go-apiv2/common"
	"github.com/hyperledger/fabric-protos-go-apiv2/peer"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/proto"

	"github.com/provledger/provenance/test/harness"

	"github.com/provledger/provenance/chaincode/domain"
)

// Channel and chaincode of the local network (BRIEF: shared contracts).
const (
	Channel   = "supplychain"
	Chaincode = "provenance"
)

// Org names a peer organization as the PROV_HOME layout spells it.
type Org struct {
	Dir     string // directory under PROV_HOME/orgs and the name prov --profile takes
	Profile string // prov --profile value (bare org name)
	MSP     string
	Role    domain.Role
}

// The three peer organizations.
var (
	Manufacturer = Org{"manufacturer", "Manufacturer", "ManufacturerMSP", domain.RoleManufacturer}
	Distributor  = Org{"distributor", "Distributor", "DistributorMSP", domain.RoleDistributor}
	Customs      = Org{"customs", "Customs", "CustomsMSP", domain.RoleCustoms}
	Orgs         = []Org{Manufacturer, Distributor, Customs}
)

// Integration skips t unless PROV_INTEGRATION=1.
func Integration(t testing.TB) {
	t.Helper()
	if os.Getenv("PROV_INTEGRATION") != "1" {
		t.Skip("integration test: set PROV_INTEGRATION=1 (scripts/test.sh does)")
	}
}

// RepoRoot is the module root (the directory holding go.mod).
func RepoRoot() string {
	dir, err := os.Getwd()
	if err != nil {
		return "."
	}
	for d := dir; ; d = filepath.Dir(d) {
		if _, err := os.Stat(filepath.Join(d, "go.mod")); err == nil {
			return d
		}
		if filepath.Dir(d) == d {
			return dir
		}
	}
}

var (
	buildOnce sync.Once
	provBin   string
	buildErr  error
)

// BuildProv builds client/cmd/prov once per test binary and returns its path.
func BuildProv(t testing.TB) string {
	t.Helper()
	buildOnce.Do(func() {
		dir, err := os.MkdirTemp("", "prov-bin-")
		if err != nil {
			buildErr = err
			return
		}
		provBin = filepath.Join(dir, "prov")
		cmd := exec.Command("go", "build", "-o", provBin, "./client/cmd/prov")
		cmd.Dir = RepoRoot()
		if out, err := cmd.CombinedOutput(); err != nil {
			buildErr = fmt.Errorf("go build prov: %w\n%s", err, out)
		}
	})
	if buildErr != nil {
		t.Fatal(buildErr)
	}
	return provBin
}

// CLI runs the prov binary against one network.
type CLI struct {
	Bin      string
	Home     string // PROV_HOME
	PortBase int    // PROV_PORT_BASE
}

// Result is one prov run.
type Result struct {
	Args     []string
	Stdout   string
	Stderr   string
	Code     int // exit code
	Duration time.Duration
}

func (r Result) String() string {
	return fmt.Sprintf("prov %s\nexit %d\nstdout: %s\nstderr: %s", strings.Join(r.Args, " "), r.Code, r.Stdout, r.Stderr)
}

// Code returns the refusal code in the run's output, or "".
func (r Result) RefusalCode() domain.Code {
	if c := domain.CodeOf(errors.New(r.Stderr)); c != "" {
		return c
	}
	return domain.CodeOf(errors.New(r.Stdout))
}

// Run runs prov as user of org with args (global flags first). It never
// fails the test itself; callers assert on the Result.
func (c CLI) Run(t testing.TB, org Org, user string, args ...string) Result {
	t.Helper()
	full := append([]string{"--profile", org.Profile}, args...)
	if user != "" {
		full = append([]string{"--user", user}, full...)
	}
	return c.RunRaw(t, full...)
}

// RunRaw runs prov with exactly args.
func (c CLI) RunRaw(t testing.TB, args ...string) Result {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, c.Bin, args...)
	cmd.Env = append(os.Environ(), "PROV_HOME="+c.Home, fmt.Sprintf("PROV_PORT_BASE=%d", c.PortBase), "NO_COLOR=1")
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	start := time.Now()
	err := cmd.Run()
	r := Result{Args: args, Stdout: out.String(), Stderr: errb.String(), Duration: time.Since(start)}
	var ee *exec.ExitError
	switch {
	case err == nil:
	case errors.As(err, &ee):
		r.Code = ee.ExitCode()
	default:
		r.Code = -1
		r.Stderr += "\n" + err.Error()
	}
	return r
}

// OK runs prov and fails the test unless it exits 0.
func (c CLI) OK(t testing.TB, org Org, user string, args ...string) Result {
	t.Helper()
	r := c.Run(t, org, user, args...)
	if r.Code != 0 {
		t.Fatalf("want exit 0:\n%s", r)
	}
	return r
}

// JSON runs prov with -o json, requires exit 0 and decodes stdout into v.
func (c CLI) JSON(t testing.TB, v any, org Org, user string, args ...string) {
	t.Helper()
	r := c.OK(t, org, user, append(args, "-o", "json")...)
	if err := json.Unmarshal([]byte(r.Stdout), v); err != nil {
		t.Fatalf("decode JSON of %s: %v", r, err)
	}
}

// ---------------------------------------------------------------- gateway

// Profile is the part of a Fabric common connection profile the tests read.
type Profile struct {
	Client struct {
		Organization string `json:"organization"`
	} `json:"client"`
	Organizations map[string]struct {
		MSPID string   `json:"mspid"`
		Peers []string `json:"peers"`
	} `json:"organizations"`
	Peers map[string]struct {
		URL        string `json:"url"`
		TLSCACerts struct {
			PEM  string `json:"pem"`
			Path string `json:"path"`
		} `json:"tlsCACerts"`
		GRPCOptions map[string]any `json:"grpcOptions"`
	} `json:"peers"`
}

// LoadProfile reads PROV_HOME/orgs/<dir>/connection.json.
func LoadProfile(home string, org Org) (*Profile, error) {
	b, err := os.ReadFile(filepath.Join(home, "orgs", org.Dir, "connection.json"))
	if err != nil {
		return nil, err
	}
	p := &Profile{}
	if err := json.Unmarshal(b, p); err != nil {
		return nil, fmt.Errorf("connection profile of %s: %w", org.Dir, err)
	}
	return p, nil
}

// PeerEndpoint is one peer's gateway address and TLS settings.
type PeerEndpoint struct {
	Name, Address, ServerName string
	TLSCA                     []byte
}

// PeerOf returns the org's (first) peer from its connection profile.
func PeerOf(home string, org Org) (PeerEndpoint, error) {
	p, err := LoadProfile(home, org)
	if err != nil {
		return PeerEndpoint{}, err
	}
	var names []string
	for _, o := range p.Organizations {
		if o.MSPID == org.MSP {
			names = o.Peers
		}
	}
	if len(names) == 0 {
		for n := range p.Peers {
			names = append(names, n)
		}
	}
	if len(names) == 0 {
		return PeerEndpoint{}, fmt.Errorf("connection profile of %s lists no peer", org.Dir)
	}
	pe := p.Peers[names[0]]
	ep := PeerEndpoint{Name: names[0], Address: strings.TrimPrefix(strings.TrimPrefix(pe.URL, "grpcs://"), "grpc://")}
	if s, ok := pe.GRPCOptions["ssl-target-name-override"].(string); ok {
		ep.ServerName = s
	}
	ep.TLSCA = []byte(pe.TLSCACerts.PEM)
	if len(ep.TLSCA) == 0 && pe.TLSCACerts.Path != "" {
		if ep.TLSCA, err = os.ReadFile(pe.TLSCACerts.Path); err != nil {
			return PeerEndpoint{}, err
		}
	}
	return ep, nil
}

// Signer is an enrolled identity read from its MSP folder.
type Signer struct {
	ID   *identity.X509Identity
	Sign identity.Sign
}

// LoadSigner reads PROV_HOME/orgs/<dir>/users/<user>/msp.
func LoadSigner(home string, org Org, user string) (*Signer, error) {
	msp := filepath.Join(home, "orgs", org.Dir, "users", user, "msp")
	certPEM, err := firstFile(filepath.Join(msp, "signcerts"))
	if err != nil {
		return nil, err
	}
	cert, err := identity.CertificateFromPEM(certPEM)
	if err != nil {
		return nil, err
	}
	id, err := identity.NewX509Identity(org.MSP, cert)
	if err != nil {
		return nil, err
	}
	keyPEM, err := firstFile(filepath.Join(msp, "keystore"))
	if err != nil {
		return nil, err
	}
	key, err := identity.PrivateKeyFromPEM(keyPEM)
	if err != nil {
		return nil, err
	}
	sign, err := identity.NewPrivateKeySign(key)
	if err != nil {
		return nil, err
	}
	return &Signer{ID: id, Sign: sign}, nil
}

func firstFile(dir string) ([]byte, error) {
	ents, err := os.ReadDir(dir)
	if err != nil {
		return nil, err
	}
	for _, e := range ents {
		if !e.IsDir() {
			return os.ReadFile(filepath.Join(dir, e.Name()))
		}
	}
	return nil, fmt.Errorf("no file in %s", dir)
}

// Dial opens a gRPC connection to ep (TLS, server name from the profile).
func Dial(ep PeerEndpoint) (*grpc.ClientConn, error) {
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(ep.TLSCA) {
		return nil, fmt.Errorf("no TLS CA certificate for peer %s", ep.Name)
	}
	creds := credentials.NewClientTLSFromCert(pool, ep.ServerName)
	return grpc.NewClient(ep.Address, grpc.WithTransportCredentials(creds))
}

// Conn is a gateway connection as one org's user, through that org's peer.
type Conn struct {
	Org      Org
	User     string
	Signer   *Signer
	GRPC     *grpc.ClientConn
	Gateway  *client.Gateway
	Network  *client.Network
	Contract *client.Contract
}

// ConnectOptions adjust Connect.
type ConnectOptions struct {
	Peer     *PeerEndpoint // another org's peer than org's own
	NoSigner bool          // offline signing: the gateway gets no signer
	// CommitTimeout bounds the wait for a commit status (default 90 s): a
	// transaction lost with a killed ordering node never gets one.
	CommitTimeout time.Duration
}

// Connect opens a gateway connection as user of org through org's peer.
// The connection is closed at the end of the test.
func Connect(t testing.TB, home string, org Org, user string) *Conn {
	t.Helper()
	return ConnectOpts(t, home, org, user, ConnectOptions{})
}

// ConnectOpts is Connect with options.
func ConnectOpts(t testing.TB, home string, org Org, user string, o ConnectOptions) *Conn {
	t.Helper()
	c, err := ConnectWith(home, org, user, o)
	if err != nil {
		t.Fatalf("connect as %s/%s: %v", org.Dir, user, err)
	}
	t.Cleanup(c.Close)
	return c
}

// ConnectWith opens a gateway connection; the caller closes it.
func ConnectWith(home string, org Org, user string, o ConnectOptions) (*Conn, error) {
	s, err := LoadSigner(home, org, user)
	if err != nil {
		return nil, err
	}
	ep := o.Peer
	if ep == nil {
		e, err := PeerOf(home, org)
		if err != nil {
			return nil, err
		}
		ep = &e
	}
	cc, err := Dial(*ep)
	if err != nil {
		return nil, err
	}
	opts := []client.ConnectOption{
		client.WithClientConnection(cc),
		client.WithEvaluateTimeout(20 * time.Second),
		client.WithEndorseTimeout(30 * time.Second),
		client.WithSubmitTimeout(30 * time.Second),
	}
	if o.CommitTimeout == 0 {
		o.CommitTimeout = 90 * time.Second
	}
	opts = append(opts, client.WithCommitStatusTimeout(o.CommitTimeout))
	if !o.NoSigner {
		opts = append(opts, client.WithSign(s.Sign))
	}
	gw, err := client.Connect(s.ID, opts...)
	if err != nil {
		cc.Close()
		return nil, err
	}
	nw := gw.GetNetwork(Channel)
	return &Conn{Org: org, User: user, Signer: s, GRPC: cc, Gateway: gw, Network: nw, Contract: nw.GetContract(Chaincode)}, nil
}

// Close closes the gateway and its gRPC connection.
func (c *Conn) Close() {
	c.Gateway.Close()
	c.GRPC.Close()
}

// Evaluate calls a query and returns its result.
func (c *Conn) Evaluate(fn string, args ...string) ([]byte, error) {
	b, err := c.Contract.EvaluateTransaction(fn, args...)
	return b, Detailed(err)
}

// Submit submits fn and waits for its commit; a commit that is not VALID is
// an error naming the validation code.
func (c *Conn) Submit(fn string, args ...string) ([]byte, error) {
	b, err := c.Contract.SubmitTransaction(fn, args...)
	return b, Detailed(err)
}

// Detailed returns err with the gateway's per-peer details (where the
// chaincode's refusal text lives) folded into its message.
func Detailed(err error) error {
	if err == nil {
		return nil
	}
	var te *client.TransactionError
	if errors.As(err, &te) {
		return err // its Error() already lists every peer's message
	}
	st, ok := status.FromError(err)
	if !ok {
		var ge interface{ GRPCStatus() *status.Status }
		if errors.As(err, &ge) {
			st, ok = ge.GRPCStatus(), true
		}
	}
	if !ok {
		return err
	}
	var parts []string
	for _, d := range st.Details() {
		if ed, ok := d.(interface {
			GetAddress() string
			GetMspId() string
			GetMessage() string
		}); ok {
			parts = append(parts, fmt.Sprintf("%s (%s): %s", ed.GetAddress(), ed.GetMspId(), ed.GetMessage()))
		}
	}
	if len(parts) == 0 {
		return err
	}
	return fmt.Errorf("%w [%s]", err, strings.Join(parts, "; "))
}

// Height is the channel's block height as the connected peer reports it.
func (c *Conn) Height() (uint64, error) {
	info, err := c.ChainInfo()
	if err != nil {
		return 0, err
	}
	return info.GetHeight(), nil
}

// ChainInfo asks qscc for the peer's chain info.
func (c *Conn) ChainInfo() (*common.BlockchainInfo, error) {
	b, err := c.Network.GetContract("qscc").EvaluateTransaction("GetChainInfo", Channel)
	if err != nil {
		return nil, Detailed(err)
	}
	info := &common.BlockchainInfo{}
	if err := proto.Unmarshal(b, info); err != nil {
		return nil, err
	}
	return info, nil
}

// Block asks qscc for block n.
func (c *Conn) Block(n uint64) (*common.Block, error) {
	b, err := c.Network.GetContract("qscc").EvaluateTransaction("GetBlockByNumber", Channel, fmt.Sprint(n))
	if err != nil {
		return nil, Detailed(err)
	}
	blk := &common.Block{}
	if err := proto.Unmarshal(b, blk); err != nil {
		return nil, err
	}
	return blk, nil
}

// Item reads an item; nil when it is not registered.
func (c *Conn) Item(id string) (*domain.Item, error) {
	b, err := c.Evaluate("GetItem", id)
	if err != nil {
		if domain.CodeOf(err) == domain.CodeNotFound {
			return nil, nil
		}
		return nil, err
	}
	it := &domain.Item{}
	if err := json.Unmarshal(b, it); err != nil {
		return nil, fmt.Errorf("GetItem %s: %w (%q)", id, err, b)
	}
	return it, nil
}

// MustItem reads an item and fails the test unless it exists.
func (c *Conn) MustItem(t testing.TB, id string) *domain.Item {
	t.Helper()
	it, err := c.Item(id)
	if err != nil {
		t.Fatalf("GetItem %s as %s: %v", id, c.Org.MSP, err)
	}
	if it == nil {
		t.Fatalf("GetItem %s as %s: not registered", id, c.Org.MSP)
	}
	return it
}

// History reads an item's whole custody history.
func (c *Conn) History(id string) ([]domain.CustodyEvent, error) {
	var all []domain.CustodyEvent
	from := uint64(0)
	for {
		b, err := c.Evaluate("GetHistory", id, fmt.Sprint(from), "100")
		if err != nil {
			return nil, err
		}
		var p domain.HistoryPage
		if err := json.Unmarshal(b, &p); err != nil {
			return nil, err
		}
		all = append(all, p.Events...)
		if p.NextSeq == 0 || len(p.Events) == 0 {
			return all, nil
		}
		from = p.NextSeq
	}
}

// Prefix reads a prefix claim; nil when there is none.
func (c *Conn) Prefix(p string) (*domain.Prefix, error) {
	b, err := c.Evaluate("GetPrefix", p)
	if err != nil {
		if domain.CodeOf(err) == domain.CodeNotFound {
			return nil, nil
		}
		return nil, err
	}
	out := &domain.Prefix{}
	return out, json.Unmarshal(b, out)
}

// WaitPrefixActive waits until every peer organization's peer reads the
// prefix ACTIVE (an approval commits on one peer first).
func WaitPrefixActive(home, prefix string, timeout time.Duration) error {
	for _, o := range Orgs {
		c, err := ConnectWith(home, o, "user1", ConnectOptions{})
		if err != nil {
			return err
		}
		deadline := time.Now().Add(timeout)
		for {
			p, err := c.Prefix(prefix)
			if err == nil && p != nil && p.Status == domain.PrefixActive {
				break
			}
			if time.Now().After(deadline) {
				c.Close()
				return fmt.Errorf("prefix %s not ACTIVE on %s's peer: %+v %v", prefix, o.Dir, p, err)
			}
			time.Sleep(200 * time.Millisecond)
		}
		c.Close()
	}
	return nil
}

// Snapshot is what a refused transaction must leave unchanged.
type Snapshot struct {
	Height uint64
	State  map[string]string // key -> JSON of item or prefix
}

// Snap records the block height and the JSON of the given items and prefixes
// (prefixes spelled "prefix:NNN").
func (c *Conn) Snap(t testing.TB, keys ...string) Snapshot {
	t.Helper()
	h, err := c.Height()
	if err != nil {
		t.Fatalf("height: %v", err)
	}
	s := Snapshot{Height: h, State: map[string]string{}}
	for _, k := range keys {
		var b []byte
		if p, ok := strings.CutPrefix(k, "prefix:"); ok {
			b, err = c.Evaluate("GetPrefix", p)
		} else {
			b, err = c.Evaluate("GetItem", k)
		}
		if err != nil {
			s.State[k] = "error " + string(domain.CodeOf(err))
			continue
		}
		s.State[k] = string(b)
	}
	return s
}

// Diff describes how b differs from a, or "" when equal.
func (a Snapshot) Diff(b Snapshot) string {
	var d []string
	if a.Height != b.Height {
		d = append(d, fmt.Sprintf("height %d -> %d", a.Height, b.Height))
	}
	for k, v := range a.State {
		if b.State[k] != v {
			d = append(d, fmt.Sprintf("%s: %s -> %s", k, v, b.State[k]))
		}
	}
	return strings.Join(d, "; ")
}

// ---------------------------------------------------------------- GS1

// GTIN returns the GTIN-14 for indicator digit, company prefix and item
// reference (together 12 digits) with its real check digit.
func GTIN(indicator, prefix, itemRef string) string {
	base := indicator + prefix + itemRef
	if len(base) != 13 {
		panic(fmt.Sprintf("provtest.GTIN: %q is not 13 digits", base))
	}
	cd, _ := domain.CheckDigit(base)
	return base + fmt.Sprint(cd)
}

// GLN returns a 13-digit GLN from 12 digits with its check digit.
func GLN(twelve string) string {
	cd, _ := domain.CheckDigit(twelve)
	return twelve + fmt.Sprint(cd)
}

// Key is the canonical item key.
func Key(gtin, serial string) string { return "01/" + gtin + "/21/" + serial }

// Unique returns a short token that differs between test runs (serials must
// be fresh on a network that outlives one run).
func Unique() string {
	return strings.ToUpper(fmt.Sprintf("%x", time.Now().UnixNano()/1e6%0xfffffff))
}

// ---------------------------------------------------------------- network

// Net is a local network brought up by scripts/network.sh under its own
// PROV_HOME and port base.
type Net struct {
	Name      string
	Home      string
	PortBase  int
	Consensus string // "bft" or "raft"
	reused    bool
	// ReadyAfter is how long every org's gateway took, after network.sh up,
	// to get a three-org endorsement (see WaitReady).
	ReadyAfter time.Duration
}

// NetHome is the PROV_HOME of a test network: <repo>/.prov-<name>.
func NetHome(name string) string { return filepath.Join(RepoRoot(), ".prov-"+name) }

// Script runs scripts/network.sh with args for this network.
func (n *Net) Script(args ...string) (string, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 8*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, filepath.Join(RepoRoot(), "scripts", "network.sh"), args...)
	cmd.Dir = RepoRoot()
	cmd.Env = append(os.Environ(), "PROV_HOME="+n.Home, fmt.Sprintf("PROV_PORT_BASE=%d", n.PortBase))
	out, err := cmd.CombinedOutput()
	if err != nil {
		return string(out), fmt.Errorf("network.sh %s: %w\n%s", strings.Join(args, " "), err, tail(string(out), 4000))
	}
	return string(out), nil
}

// StartNetwork brings a fresh network up (after cleaning any leftover of an
// earlier run under the same PROV_HOME) and waits until it is ready. When
// network.sh up fails, its logs are kept in <PROV_HOME>-logs and it is tried
// once more from clean (the failure is printed, not hidden).
func StartNetwork(name string, portBase int, consensus string) (*Net, error) {
	n := &Net{Name: name, Home: NetHome(name), PortBase: portBase + harness.PortOffset(), Consensus: consensus}
	if os.Getenv("PROV_REUSE_NETWORK") == "1" {
		// Development loop: keep using a running network of this name.
		if _, err := n.Script("status"); err == nil {
			n.reused = true
			return n, nil
		}
	}
	var err error
	for attempt := 1; attempt <= 2; attempt++ {
		_, _ = n.Script("down")
		_, _ = n.Script("clean")
		_ = os.RemoveAll(n.Home)
		if _, err = n.Script("up", "--consensus", consensus); err == nil {
			break
		}
		n.KeepLogs()
		fmt.Fprintf(os.Stderr, "%s: network.sh up failed (attempt %d of 2; logs in %s-logs): %v\n", name, attempt, n.Home, err)
	}
	if err != nil {
		return n, err
	}
	d, err := WaitReady(n.Home, 90*time.Second)
	n.ReadyAfter = d
	return n, err
}

// KeepLogs moves the network's logs to <PROV_HOME>-logs (for a post-mortem
// of a failed run; clean would remove them).
func (n *Net) KeepLogs() {
	logs := n.Home + "-logs"
	_ = os.RemoveAll(logs)
	_ = os.Rename(filepath.Join(n.Home, "logs"), logs)
}

// Stop takes the network down and removes its PROV_HOME unless
// PROV_KEEP_NETWORK=1 (for a post-mortem).
func (n *Net) Stop() {
	if n.reused || os.Getenv("PROV_REUSE_NETWORK") == "1" {
		return
	}
	_, _ = n.Script("down")
	if os.Getenv("PROV_KEEP_NETWORK") == "1" {
		return
	}
	_, _ = n.Script("clean")
	_ = os.RemoveAll(n.Home)
}

// Main is the TestMain of a package that runs on its own network: without
// PROV_INTEGRATION=1 it only runs the tests (they skip); otherwise it starts
// the network (StartNetwork), sets *net, runs the tests, keeps the logs when
// they failed and stops the network. It returns the exit code.
func Main(m *testing.M, net **Net, name string, portBase int, consensus string) int {
	if os.Getenv("PROV_INTEGRATION") != "1" {
		return m.Run()
	}
	start := time.Now()
	n, err := StartNetwork(name, portBase, consensus)
	if err != nil {
		fmt.Fprintf(os.Stderr, "%s: network up failed: %v\n", name, err)
		n.Stop()
		return 1
	}
	fmt.Printf("%s: network up and ready in %s (discovery ready %s after up)\n", name, time.Since(start).Round(time.Millisecond), n.ReadyAfter.Round(time.Millisecond))
	*net = n
	code := m.Run()
	if code != 0 {
		n.KeepLogs()
	}
	n.Stop()
	return code
}

// CLI returns a prov runner for this network.
func (n *Net) CLI(bin string) CLI { return CLI{Bin: bin, Home: n.Home, PortBase: n.PortBase} }

func tail(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return "…" + s[len(s)-n:]
}

// WaitSameHeight waits until every connection's peer reports the same block
// height (and returns it), or fails after timeout.
func WaitSameHeight(t testing.TB, timeout time.Duration, conns ...*Conn) uint64 {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		var hs []uint64
		same := true
		for _, c := range conns {
			h, err := c.Height()
			if err != nil {
				same = false
				hs = append(hs, 0)
				continue
			}
			if len(hs) > 0 && h != hs[0] {
				same = false
			}
			hs = append(hs, h)
		}
		if same && len(hs) > 0 {
			return hs[0]
		}
		if time.Now().After(deadline) {
			t.Fatalf("peers do not reach the same height within %s: %v", timeout, hs)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// TxIDOf returns the transaction ID a gateway error carries, or "".
func TxIDOf(err error) string {
	var te *client.TransactionError
	if errors.As(err, &te) {
		return te.TransactionID
	}
	var ce *client.CommitError
	if errors.As(err, &ce) {
		return ce.TransactionID
	}
	return ""
}

// TxValidation asks qscc for a committed transaction's validation code
// (peer.TxValidationCode name), or "" with the error when it is not on the
// ledger.
func (c *Conn) TxValidation(txID string) (string, error) {
	b, err := c.Network.GetContract("qscc").EvaluateTransaction("GetTransactionByID", Channel, txID)
	if err != nil {
		return "", Detailed(err)
	}
	pt := &peer.ProcessedTransaction{}
	if err := proto.Unmarshal(b, pt); err != nil {
		return "", err
	}
	return peer.TxValidationCode(pt.GetValidationCode()).String(), nil
}

// WaitReady waits until every peer org's gateway can get a transaction
// endorsed by all three organizations' peers, which needs its peer's service
// discovery to know the other orgs' peers and their chaincode (gossip
// converges a few seconds after the network is up; until then a two-org
// policy such as an open offer's fails with "no combination of peers can be
// derived"). The probe is InitOrgRoles with the set the network was deployed
// with, a no-op, endorsed explicitly by every org. It returns how long it
// waited.
func WaitReady(home string, timeout time.Duration) (time.Duration, error) {
	const roles = `[{"msp":"ManufacturerMSP","role":"manufacturer"},{"msp":"DistributorMSP","role":"distributor"},{"msp":"CustomsMSP","role":"customs"}]`
	start := time.Now()
	for _, o := range Orgs {
		c, err := ConnectWith(home, o, "admin", ConnectOptions{CommitTimeout: 20 * time.Second})
		if err != nil {
			return time.Since(start), err
		}
		for {
			_, err = c.Contract.Submit("InitOrgRoles", client.WithArguments(roles),
				client.WithEndorsingOrganizations(Manufacturer.MSP, Distributor.MSP, Customs.MSP))
			if err == nil {
				break
			}
			if time.Since(start) > timeout {
				c.Close()
				return time.Since(start), fmt.Errorf("%s's gateway cannot get a cross-org endorsement after %s: %w", o.MSP, timeout, err)
			}
			time.Sleep(500 * time.Millisecond)
		}
		c.Close()
	}
	return time.Since(start), nil
}
