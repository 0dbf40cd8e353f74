package gateway

import (
	"context"
	"errors"
	"fmt"
	"strings"

	gwproto "github.com/hyperledger/fabric-protos-go-apiv2/gateway"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/provledger/provenance/client/internal/ledger"
)

// translate turns a gateway/gRPC error into a *ledger.Error: the refusal
// code and message of the chaincode when there is one, each peer's message
// from the gateway's error details, and a one-line cause instead of a gRPC
// dump for an unreachable peer or a timeout.
func (c *Conn) translate(op ledger.Op, fn, txID string, err error) *ledger.Error {
	return Translate(op, fn, txID, c.cfg.Endpoint, err)
}

// Translate is translate without a connection (exported for tests).
func Translate(op ledger.Op, fn, txID, endpoint string, err error) *ledger.Error {
	le := &ledger.Error{Op: op, Function: fn, TxID: txID, Err: err}
	st, _ := status.FromError(err)
	var details []*gwproto.ErrorDetail
	if st != nil {
		for _, d := range st.Details() {
			if ed, ok := d.(*gwproto.ErrorDetail); ok {
				details = append(details, ed)
			}
		}
	}
	for _, d := range details {
		le.Peers = append(le.Peers, ledger.PeerMessage{Address: d.GetAddress(), MSPID: d.GetMspId(), Message: trimPeerMessage(d.GetMessage())})
	}
	// The refusal: first from a peer's message, else from the status text.
	for _, p := range le.Peers {
		if code, msg := ledger.Refusal(p.Message); code != "" {
			le.Code, le.Message = code, msg
			return le
		}
	}
	msg := err.Error()
	if st != nil {
		msg = st.Message()
	}
	if code, m := ledger.Refusal(msg); code != "" {
		le.Code, le.Message = code, m
		return le
	}
	switch {
	case errors.Is(err, context.DeadlineExceeded) || (st != nil && st.Code() == codes.DeadlineExceeded):
		le.Message = fmt.Sprintf("timed out waiting for peer %s", endpoint)
	case errors.Is(err, context.Canceled) || (st != nil && st.Code() == codes.Canceled):
		le.Message = "cancelled"
	case st != nil && st.Code() == codes.Unavailable && len(details) == 0:
		le.Message = fmt.Sprintf("peer %s unavailable: %s", endpoint, dialCause(st.Message()))
	default:
		le.Message = trimPeerMessage(msg)
	}
	return le
}

// dialCause reduces gRPC's connection error text, e.g.
// `connection error: desc = "transport: Error while dialing: dial tcp
// 127.0.0.1:7051: connect: connection refused"`, to "connection refused".
func dialCause(s string) string {
	if i := strings.LastIndex(s, "desc = "); i >= 0 {
		s = strings.Trim(s[i+len("desc = "):], `"`)
	}
	s = strings.TrimPrefix(s, "transport: ")
	s = strings.TrimPrefix(s, "Error while dialing: ")
	s = strings.TrimPrefix(s, "Error while dialing ")
	if i := strings.LastIndex(s, "connect: "); i >= 0 {
		s = s[i+len("connect: "):]
	}
	for _, c := range []string{"connection refused", "connection reset by peer", "i/o timeout", "no route to host"} {
		if strings.Contains(s, c) {
			return c
		}
	}
	if s == "" {
		return "no connection"
	}
	return s
}

// trimPeerMessage drops the gateway's boilerplate around a chaincode
// message, and turns a peer's gRPC error text into its cause.
func trimPeerMessage(s string) string {
	for _, p := range []string{"chaincode response 500, ", "chaincode response 400, "} {
		if i := strings.Index(s, p); i >= 0 {
			return s[i+len(p):]
		}
	}
	s = strings.TrimSuffix(s, ", see attached details for more info")
	if rest, ok := strings.CutPrefix(s, "rpc error: code = "); ok {
		code, desc, _ := strings.Cut(rest, " desc = ")
		if code == "Unavailable" {
			return "unavailable: " + dialCause(desc)
		}
		return desc
	}
	return s
}
