package gateway

import (
	"context"
	"errors"
	"fmt"
	"net"
	"path/filepath"
	"strings"
	"testing"
	"time"

	gwproto "github.com/hyperledger/fabric-protos-go-apiv2/gateway"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/provledger/provenance/chaincode/domain"
	"github.com/provledger/provenance/client/internal/testutil"
)

func withDetails(t *testing.T, code codes.Code, msg string, details ...*gwproto.ErrorDetail) error {
	st := status.New(code, msg)
	for _, d := range details {
		var err error
		if st, err = st.WithDetails(d); err != nil {
			t.Fatal(err)
		}
	}
	return st.Err()
}

func TestTranslate(t *testing.T) {
	tests := []struct {
		name      string
		op        Op
		fn        string
		err       error
		wantCode  domain.Code
		wantMsg   string
		wantPeers int
		wantText  []string
	}{
		{
			name: "endorsement refusal with details",
			err: withDetails(t, codes.Aborted, "failed to endorse transaction, see attached details for more info",
				&gwproto.ErrorDetail{Address: "127.0.0.1:9051", MspId: "ManufacturerMSP", Message: "chaincode response 500, NOT_OWNER: item 01/09506000134352/21/A is held by DistributorMSP"},
				&gwproto.ErrorDetail{Address: "127.0.0.1:9151", MspId: "DistributorMSP", Message: "chaincode response 500, NOT_OWNER: item 01/09506000134352/21/A is held by DistributorMSP"}),
			wantCode: domain.CodeNotOwner, wantMsg: "NOT_OWNER: item 01/09506000134352/21/A is held by DistributorMSP", wantPeers: 2,
			wantText: []string{"NOT_OWNER: item", "(transaction tx1)", "peer 127.0.0.1:9151 (DistributorMSP)"},
		},
		{
			name:     "evaluate refusal in the status text",
			err:      status.Error(codes.Unknown, "evaluate call to endorser returned error: chaincode response 500, NOT_FOUND: no item 01/09506000134352/21/Z"),
			wantCode: domain.CodeNotFound, wantMsg: "NOT_FOUND: no item 01/09506000134352/21/Z",
			wantText: []string{"NOT_FOUND: no item 01/09506000134352/21/Z (transaction tx1)"},
		},
		{
			name:    "custody act onto a sealed event key",
			op:      OpEndorse,
			err:     status.Error(codes.FailedPrecondition, "no combination of peers can be derived which satisfy the endorsement policy: state based endorsement policy cannot be satisfied"),
			wantMsg: "no combination of peers can be derived which satisfy the endorsement policy: state based endorsement policy cannot be satisfied (the transaction would rewrite a sealed custody event: the item's event counter no longer names its last event; prov verify shows it, prov item repair-counter sets it right)",
		},
		{
			name:     "peer down",
			err:      status.Error(codes.Unavailable, `connection error: desc = "transport: Error while dialing: dial tcp 127.0.0.1:7051: connect: connection refused"`),
			wantMsg:  "peer 127.0.0.1:7051 unavailable: connection refused",
			wantText: []string{"GetItem: evaluate failed: peer 127.0.0.1:7051 unavailable: connection refused (transaction tx1)"},
		},
		{
			name:    "handshake cut short",
			err:     status.Error(codes.Unavailable, `connection error: desc = "transport: authentication handshake failed: read tcp 127.0.0.1:57074->127.0.0.1:9045: read: connection reset by peer"`),
			wantMsg: "peer 127.0.0.1:7051 unavailable: connection reset by peer",
		},
		{
			name:    "wrong TLS CA",
			err:     status.Error(codes.Unavailable, `connection error: desc = "transport: authentication handshake failed: tls: failed to verify certificate: x509: certificate signed by unknown authority"`),
			wantMsg: "peer 127.0.0.1:7051 unavailable: authentication handshake failed: tls: failed to verify certificate: x509: certificate signed by unknown authority",
		},
		{
			name:    "timeout",
			err:     fmt.Errorf("wrapped: %w", context.DeadlineExceeded),
			wantMsg: "timed out waiting for peer 127.0.0.1:7051",
		},
		{
			name: "endorsement failure without a code keeps each peer",
			op:   OpEndorse, fn: "CancelTransfer",
			err: withDetails(t, codes.Unavailable, "failed to collect enough transaction endorsements, see attached details for more info",
				&gwproto.ErrorDetail{Address: "127.0.0.1:9151", MspId: "DistributorMSP", Message: `rpc error: code = Unavailable desc = connection error: desc = "transport: Error while dialing: dial tcp 127.0.0.1:9151: connect: connection refused"`}),
			wantMsg: "failed to collect enough transaction endorsements", wantPeers: 1,
			wantText: []string{"CancelTransfer: endorse failed: failed to collect enough transaction endorsements (transaction tx1)\n  peer 127.0.0.1:9151 (DistributorMSP): unavailable: connection refused"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			op, fn := tt.op, tt.fn
			if op == "" {
				op, fn = OpEvaluate, "GetItem"
			}
			le := Translate(op, fn, "tx1", "127.0.0.1:7051", tt.err)
			if le.Code != tt.wantCode || le.Message != tt.wantMsg || len(le.Peers) != tt.wantPeers {
				t.Errorf("got code %q msg %q peers %d", le.Code, le.Message, len(le.Peers))
			}
			for _, w := range tt.wantText {
				if !strings.Contains(le.Error(), w) {
					t.Errorf("Error() = %q, missing %q", le.Error(), w)
				}
			}
			if !errors.Is(le, tt.err) && le.Err != tt.err {
				t.Errorf("underlying error lost")
			}
		})
	}
}

// A peer that is not listening gives a one-line message naming it, from a
// real gRPC dial.
func TestEvaluatePeerDown(t *testing.T) {
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := lis.Addr().String()
	lis.Close() // nothing listens there now
	home := testutil.Home(t, "manufacturer", "ManufacturerOrg", "ManufacturerMSP", "grpcs://"+addr)
	conn, err := Connect(Config{Home: home, Profile: "manufacturer", Timeouts: Timeouts{Evaluate: 3 * time.Second}})
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	_, err = conn.Evaluate(context.Background(), "GetItem", "01/09506000134352/21/A")
	var le *Error
	if !errors.As(err, &le) {
		t.Fatalf("err = %v", err)
	}
	want := "peer " + addr + " unavailable: connection refused"
	if le.Message != want || le.TxID == "" || strings.Contains(le.Error(), "desc =") {
		t.Errorf("Error() = %q, want message %q and a transaction ID", le.Error(), want)
	}
	if conn.MSPID() != "ManufacturerMSP" || filepath.Base(conn.Identity().Dir) != "msp" {
		t.Errorf("identity %s %s", conn.MSPID(), conn.Identity().Dir)
	}
}

func TestSubmitRetriesMVCC(t *testing.T) {
	tests := []struct {
		name      string
		fails     []string // validation codes of successive attempts; "" = success
		retries   int
		wantCalls int
		wantErr   string
	}{
		{"success first time", []string{""}, 3, 1, ""},
		{"mvcc then success", []string{"MVCC_READ_CONFLICT", "PHANTOM_READ_CONFLICT", ""}, 3, 3, ""},
		{"mvcc exhausted", []string{"MVCC_READ_CONFLICT", "MVCC_READ_CONFLICT", "MVCC_READ_CONFLICT"}, 2, 3, "MVCC_READ_CONFLICT"},
		{"policy failure at commit (a lost race for a sealed key) then success", []string{"ENDORSEMENT_POLICY_FAILURE", ""}, 3, 2, ""},
		{"other validation code not retried", []string{"BAD_RWSET", ""}, 3, 1, "BAD_RWSET"},
		{"endorsement mismatch then success", []string{"mismatch", ""}, 3, 2, ""},
		{"refusal not retried", []string{"refusal", ""}, 3, 1, "NOT_OWNER"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			calls := 0
			var delays []time.Duration
			c := &Conn{retries: tt.retries, backoff: 10 * time.Millisecond, cfg: &Resolved{}}
			c.sleep = func(_ context.Context, d time.Duration) error { delays = append(delays, d); return nil }
			c.submitFn = func(ctx context.Context, fn string, args []string) (*Result, error) {
				v := tt.fails[calls]
				calls++
				switch v {
				case "":
					return &Result{TxID: fmt.Sprintf("tx%d", calls)}, nil
				case "mismatch":
					return nil, &Error{Op: OpEndorse, Function: fn, Message: "failed to collect enough transaction endorsements",
						Peers: []PeerMessage{{Address: "a:1", MSPID: "AMSP", Message: "ProposalResponsePayloads do not match"}}}
				case "refusal":
					return nil, &Error{Op: OpEndorse, Function: fn, Code: domain.CodeNotOwner, Message: "NOT_OWNER: x"}
				}
				return nil, &Error{Op: OpCommit, Function: fn, TxID: fmt.Sprintf("tx%d", calls), Validation: v}
			}
			_, err := c.Submit(context.Background(), "OfferTransfer", "[]", "DistributorMSP")
			if calls != tt.wantCalls {
				t.Errorf("calls = %d, want %d", calls, tt.wantCalls)
			}
			if (err == nil) != (tt.wantErr == "") || (err != nil && !strings.Contains(err.Error(), tt.wantErr)) {
				t.Errorf("err = %v, want %q", err, tt.wantErr)
			}
			for i := 1; i < len(delays); i++ {
				if delays[i] != 2*delays[i-1] {
					t.Errorf("delays %v do not double", delays)
				}
			}
		})
	}
}

func TestRefusal(t *testing.T) {
	tests := []struct {
		in   string
		code domain.Code
		msg  string
	}{
		{"chaincode response 500, NOT_OWNER: item X is held by Y", domain.CodeNotOwner, "NOT_OWNER: item X is held by Y"},
		{"NOT_FOUND: no item\nmore text", domain.CodeNotFound, "NOT_FOUND: no item"},
		{"SOMETHING_ELSE: not ours", "", ""},
		{"plain failure", "", ""},
	}
	for _, tt := range tests {
		code, msg := Refusal(tt.in)
		if code != tt.code || msg != tt.msg {
			t.Errorf("Refusal(%q) = %q, %q", tt.in, code, msg)
		}
	}
}

func TestErrorText(t *testing.T) {
	tests := []struct {
		name string
		err  *Error
		want string
	}{
		{"refusal", &Error{Op: OpEndorse, Function: "OfferTransfer", TxID: "t1", Code: domain.CodeNotOwner, Message: "NOT_OWNER: item X"},
			"NOT_OWNER: item X (transaction t1)"},
		{"commit", &Error{Op: OpCommit, Function: "OfferTransfer", TxID: "t2", Validation: "MVCC_READ_CONFLICT"},
			"OfferTransfer: transaction failed to commit: MVCC_READ_CONFLICT (transaction t2)"},
		{"peers", &Error{Op: OpEndorse, Function: "F", TxID: "t3", Message: "no quorum", Peers: []PeerMessage{{"a:1", "AMSP", "down"}, {"b:2", "BMSP", "bad"}}},
			"F: endorse failed: no quorum (transaction t3)\n  peer a:1 (AMSP): down\n  peer b:2 (BMSP): bad"},
		{"single peer echoing the refusal is not repeated", &Error{Op: OpEndorse, Function: "F", TxID: "t4", Code: domain.CodeNotOwner, Message: "NOT_OWNER: x",
			Peers: []PeerMessage{{"a:1", "AMSP", "NOT_OWNER: x"}}}, "NOT_OWNER: x (transaction t4)"},
	}
	for _, tt := range tests {
		if got := tt.err.Error(); got != tt.want {
			t.Errorf("%s:\n got %q\nwant %q", tt.name, got, tt.want)
		}
	}
}

func TestCodeAndTxIDOf(t *testing.T) {
	err := fmt.Errorf("ctx: %w", &Error{TxID: "t9", Code: domain.CodeOnHold, Message: "ON_HOLD: x"})
	if CodeOf(err) != domain.CodeOnHold || TxIDOf(err) != "t9" {
		t.Errorf("CodeOf/TxIDOf = %q %q", CodeOf(err), TxIDOf(err))
	}
	if CodeOf(errors.New("INVALID_ID: bad")) != domain.CodeInvalidID || TxIDOf(errors.New("x")) != "" {
		t.Error("plain errors")
	}
	if !strings.Contains((&Error{Function: "F", Op: OpEvaluate, Message: "m"}).Error(), "F: evaluate failed: m") {
		t.Error("no tx")
	}
}
