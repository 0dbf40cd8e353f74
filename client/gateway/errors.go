package gateway

import (
	"context"
	"errors"
	"fmt"
	"strings"

	gwproto "github.com/hyperledger/fabric-protos-go-apiv2/gateway"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/provledger/provenance/chaincode/domain"
)

// Op names the step of a call that failed.
type Op string

// Steps of a call.
const (
	OpConnect  Op = "connect"
	OpEndorse  Op = "endorse"
	OpSubmit   Op = "submit"
	OpCommit   Op = "commit"
	OpStatus   Op = "commit status"
	OpEvaluate Op = "evaluate"
	OpEvents   Op = "events"
)

// PeerMessage is one peer's answer attached to a failed call.
type PeerMessage struct {
	Address string `json:"address"`
	MSPID   string `json:"mspId"`
	Message string `json:"message"`
}

// Error is a failed ledger call. It always names the function and, once a
// proposal exists, its transaction ID.
type Error struct {
	Op         Op
	Function   string
	TxID       string
	Code       domain.Code   // refusal code from the chaincode, "" if none
	Message    string        // the refusal ("CODE: text") or a short cause
	Validation string        // commit validation code when Op is OpCommit
	Block      uint64        // block of a failed commit
	Peers      []PeerMessage // per-peer messages of an endorsement failure
	Err        error         // underlying error
}

func (e *Error) Error() string {
	var b strings.Builder
	switch {
	case e.Code != "":
		b.WriteString(e.Message)
	case e.Op == OpCommit:
		fmt.Fprintf(&b, "%s: transaction failed to commit: %s", e.Function, e.Validation)
	default:
		fmt.Fprintf(&b, "%s: %s failed: %s", e.Function, e.Op, e.Message)
	}
	if e.TxID != "" {
		fmt.Fprintf(&b, " (transaction %s)", e.TxID)
	}
	for _, p := range e.Peers {
		if e.Code != "" && len(e.Peers) == 1 && strings.Contains(p.Message, e.Message) {
			break // the one peer said exactly what the first line says
		}
		fmt.Fprintf(&b, "\n  peer %s (%s): %s", p.Address, p.MSPID, p.Message)
	}
	return b.String()
}

func (e *Error) Unwrap() error { return e.Err }

// CodeOf returns the refusal code carried by err, or "".
func CodeOf(err error) domain.Code {
	var le *Error
	if errors.As(err, &le) && le.Code != "" {
		return le.Code
	}
	return domain.CodeOf(err)
}

// TxIDOf returns the transaction ID carried by err, or "".
func TxIDOf(err error) string {
	var le *Error
	if errors.As(err, &le) {
		return le.TxID
	}
	return ""
}

// Refusal extracts "CODE: text" from a longer message (gateway errors wrap
// the chaincode's message in "chaincode response 500, ..." and similar).
func Refusal(s string) (domain.Code, string) {
	code := domain.CodeOf(errors.New(s))
	if code == "" {
		return "", ""
	}
	i := strings.Index(s, string(code)+": ")
	msg := s[i:]
	if j := strings.IndexByte(msg, '\n'); j >= 0 {
		msg = msg[:j]
	}
	return code, strings.TrimSpace(msg)
}

// translate turns a gateway/gRPC error into an *Error: the refusal
// code and message of the chaincode when there is one, each peer's message
// from the gateway's error details, and a one-line cause instead of a gRPC
// dump for an unreachable peer or a timeout.
func (c *Conn) translate(op Op, fn, txID string, err error) *Error {
	return Translate(op, fn, txID, c.cfg.Endpoint, err)
}

// Translate is translate without a connection (exported for tests).
func Translate(op Op, fn, txID, endpoint string, err error) *Error {
	le := &Error{Op: op, Function: fn, TxID: txID, Err: err}
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
		le.Peers = append(le.Peers, PeerMessage{Address: d.GetAddress(), MSPID: d.GetMspId(), Message: trimPeerMessage(d.GetMessage())})
	}
	// The refusal: first from a peer's message, else from the status text.
	for _, p := range le.Peers {
		if code, msg := Refusal(p.Message); code != "" {
			le.Code, le.Message = code, msg
			return le
		}
	}
	msg := err.Error()
	if st != nil {
		msg = st.Message()
	}
	if code, m := Refusal(msg); code != "" {
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
		if strings.Contains(msg, sealedKeyMessage) {
			le.Message += sealedKeyHint
		}
	}
	return le
}

// The gateway's refusal of a proposal that writes a key whose key-level
// policy no endorsement satisfies. Our only such keys are custody events,
// sealed when written: a custody act meets one when the item's event counter
// no longer names its last event (a colluding majority rewrote it).
const (
	sealedKeyMessage = "state based endorsement policy cannot be satisfied"
	sealedKeyHint    = " (the transaction would rewrite a sealed custody event: the item's event counter no longer names its last event; " +
		"prov verify shows it, prov item repair-counter sets it right)"
)

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
