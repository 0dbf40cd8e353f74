package harness

import (
	"encoding/json"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"time"

	"github.com/hyperledger/fabric-gateway/pkg/client"
	"github.com/hyperledger/fabric-gateway/pkg/identity"
	"github.com/hyperledger/fabric-protos-go-apiv2/common"
	"github.com/hyperledger/fabric-protos-go-apiv2/peer"
	"google.golang.org/grpc"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/proto"

	"github.com/provledger/provenance/chaincode/domain"
	"github.com/provledger/provenance/network/netdesc"
)

// Signer is an enrolled identity read from its MSP folder.
type Signer struct {
	ID   *identity.X509Identity
	Sign identity.Sign
}

// loadSigner reads an MSP folder with netdesc's loader, the one the prov
// CLI uses.
func loadSigner(mspID, dir string) (*Signer, *netdesc.Identity, error) {
	id, err := netdesc.LoadMSP(dir, mspID)
	if err != nil {
		return nil, nil, err
	}
	xid, sign, err := id.Gateway()
	if err != nil {
		return nil, nil, err
	}
	return &Signer{ID: xid, Sign: sign}, id, nil
}

// LoadSigner reads PROV_HOME/orgs/<dir>/users/<user>/msp.
func LoadSigner(home string, org PeerOrg, user string) (*Signer, error) {
	s, _, err := loadSigner(org.MSP, filepath.Join(netdesc.OrgHome(home, org.Dir), "users", user, "msp"))
	return s, err
}

// Sign returns the signing function of the enrolled identity
// PROV_HOME/orgs/<org>/users/<user>, for tests that build and sign a
// proposal themselves (e.g. with a rewritten timestamp).
func (n *Network) Sign(org, user string) (identity.Sign, error) {
	o, u, err := n.User(org, user)
	if err != nil {
		return nil, err
	}
	s, _, err := loadSigner(o.MSP, u.MSPDir)
	if err != nil {
		return nil, err
	}
	return s.Sign, nil
}

// PeerOf returns the org's (first) peer from its connection profile
// PROV_HOME/orgs/<dir>/connection.json.
func PeerOf(home string, org PeerOrg) (netdesc.Endpoint, error) {
	p, err := netdesc.LoadProfile(filepath.Join(netdesc.OrgHome(home, org.Dir), "connection.json"))
	if err != nil {
		return netdesc.Endpoint{}, err
	}
	var names []string
	for _, o := range p.Organizations {
		if o.MSPID == org.MSP {
			names = o.Peers
		}
	}
	if len(names) == 0 {
		names = p.PeerNames()
	}
	if len(names) == 0 {
		return netdesc.Endpoint{}, fmt.Errorf("connection profile of %s lists no peer", org.Dir)
	}
	return p.Endpoint(names[0])
}

// Conn is a gateway connection as one org's user, through one peer.
type Conn struct {
	Org     PeerOrg
	User    string
	Signer  *Signer
	GRPC    *grpc.ClientConn
	Gateway *client.Gateway
	Network *client.Network

	contract *client.Contract
}

// Contract is the provenance chaincode on the channel.
func (c *Conn) Contract() *client.Contract { return c.contract }

// Close closes the gateway and its gRPC connection.
func (c *Conn) Close() error {
	_ = c.Gateway.Close()
	return c.GRPC.Close()
}

// open connects id through ep (signing unless sign is false); opts follow
// the defaults and override them.
func open(org PeerOrg, user string, s *Signer, id *netdesc.Identity, ep netdesc.Endpoint, sign bool, opts ...client.ConnectOption) (*Conn, error) {
	if !sign {
		id = &netdesc.Identity{MSPID: id.MSPID, Dir: id.Dir, CertPEM: id.CertPEM, Cert: id.Cert}
	}
	g, err := netdesc.Connect(ep, id, opts...)
	if err != nil {
		return nil, err
	}
	nw := g.GetNetwork(Channel)
	return &Conn{Org: org, User: user, Signer: s, GRPC: g.GRPC, Gateway: g.Gateway, Network: nw, contract: nw.GetContract(Chaincode)}, nil
}

// Connect opens a fabric-gateway connection to org's peer as the enrolled
// identity PROV_HOME/orgs/<org>/users/<user>, both from network.json. Extra
// options override the defaults (timeouts: evaluate 10 s, endorse 15 s,
// submit 10 s, commit 60 s).
func (n *Network) Connect(org, user string, opts ...client.ConnectOption) (*Conn, error) {
	o, u, err := n.User(org, user)
	if err != nil {
		return nil, err
	}
	if o.Peer == nil {
		return nil, fmt.Errorf("organization %s has no peer", o.Name)
	}
	s, id, err := loadSigner(o.MSP, u.MSPDir)
	if err != nil {
		return nil, err
	}
	ep, err := o.Peer.Endpoint()
	if err != nil {
		return nil, err
	}
	po := PeerOrg{Dir: o.Dir, Profile: o.Dir, MSP: o.MSP, Role: domain.Role(o.Role)}
	return open(po, user, s, id, ep, true, append([]client.ConnectOption{
		client.WithEvaluateTimeout(10 * time.Second),
		client.WithEndorseTimeout(15 * time.Second),
		client.WithSubmitTimeout(10 * time.Second),
		client.WithCommitStatusTimeout(60 * time.Second),
	}, opts...)...)
}

// ConnectOptions adjust ConnectWith.
type ConnectOptions struct {
	Peer     *netdesc.Endpoint // another org's peer than org's own
	NoSigner bool              // offline signing: the gateway gets no signer
	// CommitTimeout bounds the wait for a commit status (default 90 s): a
	// transaction lost with a killed ordering node never gets one.
	CommitTimeout time.Duration
}

// Connect opens a gateway connection as user of org through org's peer,
// from the PROV_HOME layout; it is closed at the end of the test.
func Connect(t TB, home string, org PeerOrg, user string) *Conn {
	t.Helper()
	return ConnectOpts(t, home, org, user, ConnectOptions{})
}

// ConnectOpts is Connect with options.
func ConnectOpts(t TB, home string, org PeerOrg, user string, o ConnectOptions) *Conn {
	t.Helper()
	c, err := ConnectWith(home, org, user, o)
	if err != nil {
		t.Fatalf("connect as %s/%s: %v", org.Dir, user, err)
	}
	t.Cleanup(func() { _ = c.Close() })
	return c
}

// ConnectWith opens a gateway connection from the PROV_HOME layout; the
// caller closes it.
func ConnectWith(home string, org PeerOrg, user string, o ConnectOptions) (*Conn, error) {
	s, id, err := loadSigner(org.MSP, filepath.Join(netdesc.OrgHome(home, org.Dir), "users", user, "msp"))
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
	if o.CommitTimeout == 0 {
		o.CommitTimeout = 90 * time.Second
	}
	return open(org, user, s, id, *ep, !o.NoSigner,
		client.WithEvaluateTimeout(20*time.Second),
		client.WithEndorseTimeout(30*time.Second),
		client.WithSubmitTimeout(30*time.Second),
		client.WithCommitStatusTimeout(o.CommitTimeout))
}

// Evaluate calls a query and returns its result.
func (c *Conn) Evaluate(fn string, args ...string) ([]byte, error) {
	b, err := c.contract.EvaluateTransaction(fn, args...)
	return b, Detailed(err)
}

// Submit submits fn and waits for its commit; a commit that is not VALID is
// an error naming the validation code.
func (c *Conn) Submit(fn string, args ...string) ([]byte, error) {
	b, err := c.contract.SubmitTransaction(fn, args...)
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
func (c *Conn) MustItem(t TB, id string) *domain.Item {
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

// Snapshot is what a refused transaction must leave unchanged.
type Snapshot struct {
	Height uint64
	State  map[string]string // key -> JSON of item or prefix
}

// Snap records the block height and the JSON of the given items and prefixes
// (prefixes spelled "prefix:NNN").
func (c *Conn) Snap(t TB, keys ...string) Snapshot {
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

// WaitSameHeight waits until every connection's peer reports the same block
// height (and returns it). It fails when the lowest peer has not moved for
// timeout (a peer that is stuck), or after 6 x timeout in all: a peer that
// catches up block by block on a loaded machine is slow, not wrong.
func WaitSameHeight(t TB, timeout time.Duration, conns ...*Conn) uint64 {
	t.Helper()
	start := time.Now()
	stallDeadline, hardDeadline := start.Add(timeout), start.Add(6*timeout)
	var lowest uint64
	for {
		var hs []uint64
		same := true
		low := uint64(0)
		for i, c := range conns {
			h, err := c.Height()
			if err != nil {
				same = false
				hs = append(hs, 0)
				low = 0
				continue
			}
			if len(hs) > 0 && h != hs[0] {
				same = false
			}
			if i == 0 || h < low {
				low = h
			}
			hs = append(hs, h)
		}
		if same && len(hs) > 0 {
			return hs[0]
		}
		if low > lowest {
			lowest, stallDeadline = low, time.Now().Add(timeout)
		}
		if now := time.Now(); now.After(stallDeadline) || now.After(hardDeadline) {
			t.Fatalf("peers do not reach the same height (lowest peer still for %s, %s in all): %v",
				timeout, now.Sub(start).Round(time.Millisecond), hs)
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

// StatusOf waits up to timeout for txID to be on this peer's ledger and
// returns its commit status as the gateway's commit status would: for a
// transaction whose submit reported an error but may have been ordered all
// the same (SmartBFT's "request already processed" when the request reached
// the leader by another path first).
func (c *Conn) StatusOf(txID string, timeout time.Duration) (*client.Status, error) {
	var last error
	for deadline := time.Now().Add(timeout); time.Now().Before(deadline); time.Sleep(300 * time.Millisecond) {
		code, err := c.TxValidation(txID)
		if err != nil {
			last = err
			continue
		}
		b, err := c.Network.GetContract("qscc").EvaluateTransaction("GetBlockByTxID", Channel, txID)
		if err != nil {
			last = Detailed(err)
			continue
		}
		blk := &common.Block{}
		if err := proto.Unmarshal(b, blk); err != nil {
			return nil, err
		}
		v := peer.TxValidationCode(peer.TxValidationCode_value[code])
		return &client.Status{Code: v, Successful: v == peer.TxValidationCode_VALID,
			BlockNumber: blk.GetHeader().GetNumber(), TransactionID: txID}, nil
	}
	return nil, fmt.Errorf("transaction %s not on the ledger after %s: %v", txID, timeout, last)
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
			_, err = c.contract.Submit("InitOrgRoles", client.WithArguments(roles),
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

// WaitPrefixActive waits until every peer organization's peer reads the
// prefix ACTIVE (an approval commits on one peer first).
func WaitPrefixActive(home, prefix string, timeout time.Duration) error {
	return WaitPrefixStatus(home, prefix, domain.PrefixActive, timeout)
}

// WaitPrefixStatus waits until every peer organization's peer reads the
// prefix in status st.
func WaitPrefixStatus(home, prefix string, st domain.PrefixStatus, timeout time.Duration) error {
	for _, o := range Orgs {
		c, err := ConnectWith(home, o, "user1", ConnectOptions{})
		if err != nil {
			return err
		}
		deadline := time.Now().Add(timeout)
		for {
			p, err := c.Prefix(prefix)
			if err == nil && p != nil && p.Status == st {
				break
			}
			if time.Now().After(deadline) {
				c.Close()
				return fmt.Errorf("prefix %s not %s on %s's peer: %+v %v", prefix, st, o.Dir, p, err)
			}
			time.Sleep(200 * time.Millisecond)
		}
		c.Close()
	}
	return nil
}

// SubmitResolved submits fn and waits for its commit. A submit the SmartBFT
// orderers refused ("request already processed", fabric#4415) may have been
// ordered anyway: it is resolved by the transaction's validation code, as
// prov does, before it counts as failed.
func (c *Conn) SubmitResolved(fn string, args ...string) error {
	_, err := c.Submit(fn, args...)
	txID := TxIDOf(err)
	if err == nil || txID == "" {
		return err
	}
	for deadline := time.Now().Add(15 * time.Second); time.Now().Before(deadline); time.Sleep(500 * time.Millisecond) {
		code, qerr := c.TxValidation(txID)
		if qerr != nil {
			continue
		}
		if code == peer.TxValidationCode_VALID.String() {
			return nil
		}
		return fmt.Errorf("%s %s: %s (after %v)", fn, txID, code, err)
	}
	return err
}

// ActivatePrefix claims prefix as claimer's admin, waits until approver's
// peer has the claim (each org's peer commits blocks on its own time),
// approves it as approver's admin and waits until every peer reads it ACTIVE.
func ActivatePrefix(home, prefix string, claimer, approver PeerOrg, timeout time.Duration) error {
	c, err := ConnectWith(home, claimer, "admin", ConnectOptions{})
	if err != nil {
		return err
	}
	err = c.SubmitResolved("ClaimPrefix", prefix, "GS1-LIC-"+prefix)
	c.Close()
	if err != nil {
		return fmt.Errorf("ClaimPrefix: %w", err)
	}
	a, err := ConnectWith(home, approver, "admin", ConnectOptions{})
	if err != nil {
		return err
	}
	defer a.Close()
	for deadline := time.Now().Add(timeout); ; time.Sleep(200 * time.Millisecond) {
		if p, err := a.Prefix(prefix); err == nil && p != nil {
			break
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("the claim of %s did not reach %s's peer", prefix, approver.Dir)
		}
	}
	if err := a.SubmitResolved("ApprovePrefix", prefix); err != nil {
		return fmt.Errorf("ApprovePrefix: %w", err)
	}
	return WaitPrefixActive(home, prefix, timeout)
}
