package ledger

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/provledger/provenance/chaincode/domain"
)

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
