package gateway

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/sha256"
	"errors"
	"net"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hyperledger/fabric-gateway/pkg/client"
	"github.com/hyperledger/fabric-protos-go-apiv2/common"
	gwproto "github.com/hyperledger/fabric-protos-go-apiv2/gateway"
	"github.com/hyperledger/fabric-protos-go-apiv2/msp"
	"github.com/hyperledger/fabric-protos-go-apiv2/peer"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/status"
	"google.golang.org/grpc/test/bufconn"
	"google.golang.org/protobuf/proto"

	"github.com/provledger/provenance/client/internal/testutil"
	"github.com/provledger/provenance/network/netdesc"
)

// fakeGateway is an in-process Gateway service: Endorse always succeeds
// with a prepared transaction carrying result, Submit answers from
// submitErrs in turn (nil or past the end: accepted), CommitStatus from
// statuses in turn ("VALID", a validation code name, or "never": block
// until the caller gives up).
type fakeGateway struct {
	gwproto.UnimplementedGatewayServer
	result     []byte
	submitErrs []error
	statuses   []string

	mu       sync.Mutex
	endorsed []string
	submits  int
	requests []*gwproto.SignedCommitStatusRequest
}

// seen is what the service has received so far.
func (g *fakeGateway) seen() (endorsed []string, submits int, requests []*gwproto.SignedCommitStatusRequest) {
	g.mu.Lock()
	defer g.mu.Unlock()
	return append([]string(nil), g.endorsed...), g.submits, append([]*gwproto.SignedCommitStatusRequest(nil), g.requests...)
}

func (g *fakeGateway) Endorse(_ context.Context, req *gwproto.EndorseRequest) (*gwproto.EndorseResponse, error) {
	g.mu.Lock()
	g.endorsed = append(g.endorsed, req.GetTransactionId())
	g.mu.Unlock()
	env, err := preparedEnvelope(req.GetChannelId(), req.GetTransactionId(), g.result)
	if err != nil {
		return nil, status.Error(codes.Internal, err.Error())
	}
	return &gwproto.EndorseResponse{PreparedTransaction: env}, nil
}

func (g *fakeGateway) Submit(context.Context, *gwproto.SubmitRequest) (*gwproto.SubmitResponse, error) {
	g.mu.Lock()
	defer g.mu.Unlock()
	i := g.submits
	g.submits++
	if i < len(g.submitErrs) && g.submitErrs[i] != nil {
		return nil, g.submitErrs[i]
	}
	return &gwproto.SubmitResponse{}, nil
}

func (g *fakeGateway) CommitStatus(ctx context.Context, req *gwproto.SignedCommitStatusRequest) (*gwproto.CommitStatusResponse, error) {
	g.mu.Lock()
	i := len(g.requests)
	g.requests = append(g.requests, req)
	g.mu.Unlock()
	answer := "VALID"
	if i < len(g.statuses) {
		answer = g.statuses[i]
	}
	if answer == "never" {
		<-ctx.Done()
		return nil, status.FromContextError(ctx.Err()).Err()
	}
	return &gwproto.CommitStatusResponse{
		Result:      peer.TxValidationCode(peer.TxValidationCode_value[answer]),
		BlockNumber: 7,
	}, nil
}

// preparedEnvelope is the transaction envelope a gateway returns from
// Endorse, as far as the client reads it: channel and result.
func preparedEnvelope(channel, txID string, result []byte) (*common.Envelope, error) {
	ext, err := proto.Marshal(&peer.ChaincodeAction{Response: &peer.Response{Status: 200, Payload: result}})
	if err != nil {
		return nil, err
	}
	prp, err := proto.Marshal(&peer.ProposalResponsePayload{Extension: ext})
	if err != nil {
		return nil, err
	}
	cap, err := proto.Marshal(&peer.ChaincodeActionPayload{Action: &peer.ChaincodeEndorsedAction{ProposalResponsePayload: prp}})
	if err != nil {
		return nil, err
	}
	tx, err := proto.Marshal(&peer.Transaction{Actions: []*peer.TransactionAction{{Payload: cap}}})
	if err != nil {
		return nil, err
	}
	ch, err := proto.Marshal(&common.ChannelHeader{Type: int32(common.HeaderType_ENDORSER_TRANSACTION), ChannelId: channel, TxId: txID})
	if err != nil {
		return nil, err
	}
	payload, err := proto.Marshal(&common.Payload{Header: &common.Header{ChannelHeader: ch}, Data: tx})
	if err != nil {
		return nil, err
	}
	return &common.Envelope{Payload: payload}, nil
}

// fakeConn is a Conn whose gRPC connection reaches fg in-process.
func fakeConn(t *testing.T, fg *fakeGateway, to Timeouts, retries int) (*Conn, *netdesc.Identity) {
	t.Helper()
	lis := bufconn.Listen(1 << 20)
	srv := grpc.NewServer()
	gwproto.RegisterGatewayServer(srv, fg)
	go func() { _ = srv.Serve(lis) }()
	t.Cleanup(srv.Stop)
	cc, err := grpc.NewClient("passthrough:///bufnet",
		grpc.WithContextDialer(func(ctx context.Context, _ string) (net.Conn, error) { return lis.DialContext(ctx) }),
		grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		t.Fatal(err)
	}
	home := testutil.Home(t, "manufacturer", "ManufacturerOrg", "ManufacturerMSP", "grpcs://127.0.0.1:1")
	id, err := netdesc.LoadMSP(filepath.Join(home, "orgs", "manufacturer", "users", "user1", "msp"), "ManufacturerMSP")
	if err != nil {
		t.Fatal(err)
	}
	r := &Resolved{MSPID: "ManufacturerMSP", Endpoint: "bufnet", Channel: DefaultChannel, Chaincode: DefaultChaincode}
	c, err := newConn(r, id, to, retries, time.Millisecond, cc)
	if err != nil {
		t.Fatal(err)
	}
	c.sleep = func(context.Context, time.Duration) error { return nil }
	t.Cleanup(func() { _ = c.Close() })
	return c, id
}

// quorumRefusal is the gateway's answer when too few BFT orderers accept a
// transaction (fabric internal/pkg/gateway/submit.go), as measured on the
// live network with two of four orderers down.
func quorumRefusal(t *testing.T) error {
	return withDetails(t, codes.Unavailable,
		"insufficient number of orderers could successfully process transaction to satisfy quorum requirement",
		&gwproto.ErrorDetail{Address: "127.0.0.1:7050", MspId: "OrdererMSP",
			Message: "received unsuccessful response from orderer: status=SERVICE_UNAVAILABLE, info=request already processed"})
}

// commitRequest checks a commit status request the way a peer's gateway
// would read it, and returns it.
func commitRequest(t *testing.T, signed *gwproto.SignedCommitStatusRequest, id *netdesc.Identity) *gwproto.CommitStatusRequest {
	t.Helper()
	req := &gwproto.CommitStatusRequest{}
	if err := proto.Unmarshal(signed.GetRequest(), req); err != nil {
		t.Fatal(err)
	}
	sid := &msp.SerializedIdentity{}
	if err := proto.Unmarshal(req.GetIdentity(), sid); err != nil {
		t.Fatal(err)
	}
	if sid.GetMspid() != "ManufacturerMSP" || !bytes.Contains(sid.GetIdBytes(), []byte("BEGIN CERTIFICATE")) {
		t.Errorf("identity %q %q", sid.GetMspid(), sid.GetIdBytes())
	}
	digest := sha256.Sum256(signed.GetRequest())
	pub, ok := id.Cert.PublicKey.(*ecdsa.PublicKey)
	if !ok || !ecdsa.VerifyASN1(pub, digest[:], signed.GetSignature()) {
		t.Errorf("commit status request not signed by the client's key")
	}
	return req
}

// A refused submit whose transaction commits VALID is a success, with the
// endorsed result; the commit status request is the one the client library
// itself builds for an accepted submit.
func TestSubmitRefusedButCommitted(t *testing.T) {
	fg := &fakeGateway{result: []byte(`{"state":"IN_TRANSIT"}`), submitErrs: []error{nil, quorumRefusal(t)}}
	c, id := fakeConn(t, fg, Timeouts{SubmitResolve: 2 * time.Second}, 3)
	ctx := context.Background()

	// An accepted submit first: its commit status request is the reference.
	if _, err := c.Submit(ctx, "OfferTransfer", "[]", "DistributorMSP"); err != nil {
		t.Fatal(err)
	}
	res, err := c.Submit(ctx, "OfferTransfer", "[]", "DistributorMSP")
	if err != nil {
		t.Fatalf("refused but committed: %v", err)
	}
	endorsed, submits, requests := fg.seen()
	if len(endorsed) != 2 || submits != 2 || len(requests) != 2 {
		t.Fatalf("endorsed %d submits %d status requests %d", len(endorsed), submits, len(requests))
	}
	txID := endorsed[1]
	if res.TxID != txID || res.Block != 7 || string(res.Payload) != `{"state":"IN_TRANSIT"}` {
		t.Errorf("result %+v, want tx %s block 7 and the endorsed payload", res, txID)
	}
	ref := commitRequest(t, requests[0], id)
	got := commitRequest(t, requests[1], id)
	if got.GetTransactionId() != txID || got.GetChannelId() != DefaultChannel {
		t.Errorf("request for %q on %q, want %q on %q", got.GetTransactionId(), got.GetChannelId(), txID, DefaultChannel)
	}
	if !bytes.Equal(got.GetIdentity(), ref.GetIdentity()) {
		t.Errorf("identity differs from the client library's own commit status request")
	}
}

func TestSubmitRefused(t *testing.T) {
	tests := []struct {
		name      string
		statuses  []string // commit status answers in turn
		resolve   time.Duration
		retries   int
		cancel    time.Duration // cancel the caller's context after this long
		wantOp    Op
		wantText  []string
		wantCalls int // submits
		wantAsked int // commit status requests
	}{
		{
			name: "committed invalid", statuses: []string{"BAD_RWSET"}, resolve: time.Second, retries: 3,
			wantOp: OpCommit, wantText: []string{"OfferTransfer: transaction failed to commit: BAD_RWSET (transaction "},
			wantCalls: 1, wantAsked: 1,
		},
		{
			name: "never confirmed", statuses: []string{"never"}, resolve: 300 * time.Millisecond, retries: 3,
			wantOp: OpSubmit, wantText: []string{
				"OfferTransfer: submit failed: the ordering service refused or did not confirm the transaction " +
					"(insufficient number of orderers could successfully process transaction to satisfy quorum requirement), " +
					"and it did not commit within 300ms; transaction ",
				" may still commit. Running the command again is safe: the chaincode refuses an operation that already happened (transaction ",
				"info=request already processed",
			},
			wantCalls: 1, wantAsked: 1,
		},
		{
			name: "interrupted while waiting", statuses: []string{"never"}, resolve: time.Minute, cancel: 200 * time.Millisecond,
			wantOp: OpSubmit, wantText: []string{"and the wait for its commit was interrupted; transaction "},
			wantCalls: 1, wantAsked: 1,
		},
		{
			name: "resolution disabled", resolve: -1, retries: 3,
			wantOp: OpSubmit, wantText: []string{"(insufficient number of orderers could successfully process transaction to satisfy quorum requirement); transaction "},
			wantCalls: 1, wantAsked: 0,
		},
		{
			// The read conflict proves the transaction wrote nothing, so
			// the usual retry applies.
			name: "committed as a read conflict is resubmitted", statuses: []string{"MVCC_READ_CONFLICT", "VALID"}, resolve: time.Second, retries: 3,
			wantCalls: 2, wantAsked: 2,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fg := &fakeGateway{result: []byte("r"), submitErrs: []error{quorumRefusal(t)}, statuses: tt.statuses}
			c, _ := fakeConn(t, fg, Timeouts{SubmitResolve: tt.resolve}, tt.retries)
			ctx := context.Background()
			if tt.cancel > 0 { // an interrupt (Ctrl-C) cancels, it sets no deadline
				var cancel context.CancelFunc
				ctx, cancel = context.WithCancel(ctx)
				defer time.AfterFunc(tt.cancel, cancel).Stop()
			}
			start := time.Now()
			res, err := c.Submit(ctx, "OfferTransfer", "[]", "DistributorMSP")
			if took := time.Since(start); took > 5*time.Second {
				t.Errorf("took %s", took)
			}
			endorsed, submits, requests := fg.seen()
			if submits != tt.wantCalls || len(requests) != tt.wantAsked {
				t.Errorf("submits %d, commit status requests %d; want %d, %d", submits, len(requests), tt.wantCalls, tt.wantAsked)
			}
			if tt.wantOp == "" {
				if err != nil || res.TxID != endorsed[len(endorsed)-1] {
					t.Fatalf("res %+v err %v", res, err)
				}
				return
			}
			var le *Error
			if !errors.As(err, &le) {
				t.Fatalf("err = %v", err)
			}
			if le.Op != tt.wantOp || le.TxID != endorsed[0] || le.Code != "" {
				t.Errorf("op %q tx %q code %q; want %q %q", le.Op, le.TxID, le.Code, tt.wantOp, endorsed[0])
			}
			text := le.Error()
			for _, w := range tt.wantText {
				if !strings.Contains(text, w) {
					t.Errorf("Error() = %q\nmissing %q", text, w)
				}
			}
			if tt.wantOp == OpSubmit {
				if !strings.Contains(text, "transaction "+le.TxID+" may still commit") {
					t.Errorf("Error() = %q does not name the transaction that may still commit", text)
				}
				if strings.Contains(text, "rpc error") || strings.Contains(text, "desc =") {
					t.Errorf("Error() = %q reads like a gRPC dump", text)
				}
				var se *client.SubmitError
				if !errors.As(err, &se) {
					t.Errorf("underlying submit error lost")
				}
			}
		})
	}
}
