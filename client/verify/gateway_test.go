package verify

import (
	"context"
	"encoding/json"
	"errors"
	"net"
	"strconv"
	"sync"
	"testing"

	"github.com/hyperledger/fabric-gateway/pkg/client"
	gwid "github.com/hyperledger/fabric-gateway/pkg/identity"
	"github.com/hyperledger/fabric-protos-go-apiv2/gateway"
	"github.com/hyperledger/fabric-protos-go-apiv2/peer"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/status"
	"google.golang.org/grpc/test/bufconn"
	"google.golang.org/protobuf/proto"

	"github.com/provledger/provenance/chaincode/domain"
)

// fakeGateway is a Gateway gRPC service answering Evaluate from a fixture the
// way a peer does: qscc functions return marshalled protos, the chaincode
// returns JSON, failures come back as gRPC errors carrying the peer's text.
type fakeGateway struct {
	gateway.UnimplementedGatewayServer
	f       *fixture
	mu      sync.Mutex
	calls   []string
	garbage bool // answer bytes that are neither JSON nor protobuf
}

func (g *fakeGateway) Evaluate(ctx context.Context, req *gateway.EvaluateRequest) (*gateway.EvaluateResponse, error) {
	prop := &peer.Proposal{}
	if err := proto.Unmarshal(req.GetProposedTransaction().GetProposalBytes(), prop); err != nil {
		return nil, err
	}
	cpp := &peer.ChaincodeProposalPayload{}
	if err := proto.Unmarshal(prop.GetPayload(), cpp); err != nil {
		return nil, err
	}
	cis := &peer.ChaincodeInvocationSpec{}
	if err := proto.Unmarshal(cpp.GetInput(), cis); err != nil {
		return nil, err
	}
	cc := cis.GetChaincodeSpec().GetChaincodeId().GetName()
	var args []string
	for _, a := range cis.GetChaincodeSpec().GetInput().GetArgs() {
		args = append(args, string(a))
	}
	g.mu.Lock()
	g.calls = append(g.calls, cc+"."+args[0])
	g.mu.Unlock()
	if g.garbage {
		return &gateway.EvaluateResponse{Result: &peer.Response{Status: 200, Payload: []byte{0xff, 0xff, 0xff}}}, nil
	}
	out, err := g.answer(ctx, req.GetChannelId(), cc, args)
	if err != nil {
		return nil, status.Error(codes.Unknown, "evaluate call to endorser returned error: chaincode response 500, "+err.Error())
	}
	return &gateway.EvaluateResponse{Result: &peer.Response{Status: 200, Payload: out}}, nil
}

func (g *fakeGateway) answer(ctx context.Context, channel, cc string, args []string) ([]byte, error) {
	f := g.f
	switch cc {
	case "qscc":
		if args[1] != channel {
			return nil, errors.New("wrong channel")
		}
		switch args[0] {
		case "GetTransactionByID":
			pt, err := f.TransactionByID(ctx, args[2])
			if err != nil {
				return nil, errors.New("Failed to get transaction with id " + args[2] + ", error no such transaction ID [" + args[2] + "] in index")
			}
			return proto.Marshal(pt)
		case "GetBlockByTxID":
			b, err := f.BlockByTxID(ctx, args[2])
			if err != nil {
				return nil, errors.New("Failed to get block for txID " + args[2] + ", error no such transaction ID [" + args[2] + "] in index")
			}
			return proto.Marshal(b)
		case "GetBlockByNumber":
			n, _ := strconv.ParseUint(args[2], 10, 64)
			b, err := f.BlockByNumber(ctx, n)
			if err != nil {
				return nil, errors.New("Failed to get block number " + args[2] + ", error no such block number [" + args[2] + "] in index")
			}
			return proto.Marshal(b)
		case "GetChainInfo":
			info, _ := f.ChainInfo(ctx)
			return proto.Marshal(info)
		}
	case testChaincode:
		switch args[0] {
		case "GetHistory":
			from, _ := strconv.ParseUint(args[2], 10, 64)
			limit, _ := strconv.Atoi(args[3])
			page, err := f.History(ctx, args[1], from, limit)
			if err != nil {
				return nil, err
			}
			return json.Marshal(page)
		case "GetOrgRoles":
			return json.Marshal(f.roles)
		case "GetPrefix":
			p := f.prefixes[args[1]]
			if p == nil {
				return nil, errors.New("NOT_FOUND: prefix " + args[1] + " was never claimed")
			}
			return json.Marshal(p)
		}
	}
	return nil, errors.New("no such function " + args[0])
}

// gatewayNetwork connects a real fabric-gateway client to the fake service.
func gatewayNetwork(t *testing.T, f *fixture) (*client.Network, *fakeGateway) {
	t.Helper()
	lis := bufconn.Listen(1 << 24)
	srv := grpc.NewServer()
	fg := &fakeGateway{f: f}
	gateway.RegisterGatewayServer(srv, fg)
	go func() { _ = srv.Serve(lis) }()
	t.Cleanup(srv.Stop)
	conn, err := grpc.NewClient("passthrough:///bufnet",
		grpc.WithContextDialer(func(ctx context.Context, _ string) (net.Conn, error) { return lis.DialContext(ctx) }),
		grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = conn.Close() })
	user := f.users[mspMan]
	id, err := gwid.NewX509Identity(user.msp, user.cert)
	if err != nil {
		t.Fatal(err)
	}
	sign, err := gwid.NewPrivateKeySign(user.key)
	if err != nil {
		t.Fatal(err)
	}
	gw, err := client.Connect(id, client.WithSign(sign), client.WithClientConnection(conn))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = gw.Close() })
	return gw.GetNetwork(testChannel), fg
}

func TestGatewayLedger(t *testing.T) {
	f := newFixture(t, consensusBFT)
	f.tenEvents(nil)
	network, fg := gatewayNetwork(t, f)
	l := NewGatewayLedger(network, testChaincode)
	if l.Channel() != testChannel || l.ChaincodeName() != testChaincode {
		t.Fatalf("channel %q chaincode %q", l.Channel(), l.ChaincodeName())
	}
	rep, err := Item(context.Background(), l, testItem, Options{Chain: true})
	if err != nil {
		t.Fatal(err)
	}
	if !rep.OK {
		t.Fatalf("failed: %+v", rep.Failed())
	}
	seen := map[string]int{}
	for _, c := range fg.calls {
		seen[c]++
	}
	for _, c := range []string{"provenance.GetHistory", "provenance.GetOrgRoles", "provenance.GetPrefix", "qscc.GetTransactionByID", "qscc.GetBlockByTxID", "qscc.GetBlockByNumber", "qscc.GetChainInfo"} {
		if seen[c] == 0 {
			t.Errorf("%s not called: %v", c, seen)
		}
	}

	ctx := context.Background()
	if _, err := l.TransactionByID(ctx, "nope"); !errors.Is(err, ErrNotFound) {
		t.Errorf("missing tx: %v", err)
	}
	if _, err := l.BlockByTxID(ctx, "nope"); !errors.Is(err, ErrNotFound) {
		t.Errorf("missing tx block: %v", err)
	}
	if _, err := l.BlockByNumber(ctx, 999); !errors.Is(err, ErrNotFound) {
		t.Errorf("missing block: %v", err)
	}
	_, err = l.History(ctx, "01/09506000134352/21/NOPE", 0, 10)
	if domain.CodeOf(err) != domain.CodeNotFound || errors.Is(err, ErrNotFound) {
		t.Errorf("unknown item: %v", err)
	}
	// A tampered history served by a peer is caught like the fixture's.
	f.events[3].To = mspCust
	rep, err = Item(ctx, l, testItem, Options{})
	if err != nil || rep.OK {
		t.Fatalf("tampered history over the gateway: ok %v err %v", rep.OK, err)
	}
}

func TestGatewayLedgerBadAnswers(t *testing.T) {
	f := newFixture(t, consensusBFT)
	network, fg := gatewayNetwork(t, f)
	g := &gatewayLedger{channel: testChannel, chaincode: network.GetContract(testChaincode), qscc: network.GetContract("qscc")}
	ctx := context.Background()
	bad := &gatewayLedger{channel: testChannel, chaincode: network.GetContract("nochaincode"), qscc: network.GetContract("nochaincode")}
	if _, err := bad.History(ctx, testItem, 0, 1); err == nil {
		t.Error("history from a missing chaincode")
	}
	if _, err := bad.OrgRoles(ctx); err == nil {
		t.Error("roles from a missing chaincode")
	}
	if _, err := bad.TransactionByID(ctx, "x"); err == nil || errors.Is(err, ErrNotFound) {
		t.Errorf("tx from a missing chaincode: %v", err)
	}
	if _, err := bad.ChainInfo(ctx); err == nil {
		t.Error("chain info from a missing chaincode")
	}
	if _, err := bad.BlockByNumber(ctx, 0); err == nil {
		t.Error("block from a missing chaincode")
	}
	// Answers that do not parse.
	fg.garbage = true
	if _, err := g.History(ctx, testItem, 0, 1); err == nil {
		t.Error("garbage history")
	}
	if _, err := g.OrgRoles(ctx); err == nil {
		t.Error("garbage roles")
	}
	if _, err := g.TransactionByID(ctx, "x"); err == nil {
		t.Error("garbage tx")
	}
	if _, err := g.BlockByTxID(ctx, "x"); err == nil {
		t.Error("garbage block")
	}
	if _, err := g.ChainInfo(ctx); err == nil {
		t.Error("garbage chain info")
	}
}
