package domain

import (
	"errors"
	"fmt"
	"regexp"
)

// Code is a refusal's stable code. Every refusal message starts with it and a
// colon, e.g. "NOT_OWNER: item 01/09506000134352/21/ABC is held by DistributorMSP",
// so that clients can match it across the gateway, which passes only text.
type Code string

// Refusal codes; chaincode/README.md explains each.
const (
	CodeInvalidArgument    Code = "INVALID_ARGUMENT"    // malformed argument (JSON, length, enum)
	CodeInvalidID          Code = "INVALID_ID"          // identifier does not parse (names the part)
	CodeNotFound           Code = "NOT_FOUND"           // no such item or prefix
	CodeAlreadyExists      Code = "ALREADY_EXISTS"      // item already registered / prefix already claimed
	CodeBatchTooLarge      Code = "BATCH_TOO_LARGE"     // more than MaxBatch items
	CodeNotInitialized     Code = "NOT_INITIALIZED"     // org roles not yet written
	CodeAlreadyInitialized Code = "ALREADY_INITIALIZED" // org roles written with other values
	CodeUnknownOrg         Code = "UNKNOWN_ORG"         // MSP has no role on the ledger
	CodeWrongRole          Code = "WRONG_ROLE"          // submitter's role may not do this
	CodeRoleMismatch       Code = "ROLE_MISMATCH"       // certificate prov.role disagrees with the MSP's role
	CodeNotAdmin           Code = "NOT_ADMIN"           // governance act by a non-admin identity
	CodeWrongPeer          Code = "WRONG_PEER"          // endorsing peer's org may not endorse this alone
	CodeNotOwner           Code = "NOT_OWNER"           // submitter does not hold the item
	CodeNotRecipient       Code = "NOT_RECIPIENT"       // accept/reject by an org the item was not offered to
	CodeInvalidTransition  Code = "INVALID_TRANSITION"  // the item's status forbids this change
	CodeRecalled           Code = "RECALLED"            // recalled items cannot be offered
	CodeOnHold             Code = "ON_HOLD"             // held items cannot be offered or accepted
	CodePrefixNotActive    Code = "PREFIX_NOT_ACTIVE"   // GTIN's company prefix not active for submitter
	CodePrefixTaken        Code = "PREFIX_TAKEN"        // prefix (or an overlapping one) has another owner
	CodeAlreadyVoted       Code = "ALREADY_VOTED"       // this org already voted on the prefix
	CodeSelfTransfer       Code = "SELF_TRANSFER"       // offer to one's own org
	CodePrefixBarred       Code = "PREFIX_BARRED"       // org's claim on the prefix was rejected/revoked, not reopened
	CodeTooManyPending     Code = "TOO_MANY_PENDING"    // too many pending prefix claims (MaxPendingClaims) or proposals of a kind
	CodeBackdated          Code = "BACKDATED"           // transaction time before the item's last event beyond EventTimeTolerance
	CodePacked             Code = "PACKED"              // the item (or unit) is inside a logistic unit: act on the unit or unpack it
)

// Codes lists every refusal code, in declaration order: the one list that
// CodeOf recognizes in text.
func Codes() []Code {
	return []Code{
		CodeInvalidArgument, CodeInvalidID, CodeNotFound, CodeAlreadyExists, CodeBatchTooLarge,
		CodeNotInitialized, CodeAlreadyInitialized, CodeUnknownOrg, CodeWrongRole, CodeRoleMismatch,
		CodeNotAdmin, CodeWrongPeer, CodeNotOwner, CodeNotRecipient, CodeInvalidTransition,
		CodeRecalled, CodeOnHold, CodePrefixNotActive, CodePrefixTaken, CodeAlreadyVoted,
		CodeSelfTransfer, CodePrefixBarred, CodeTooManyPending, CodeBackdated, CodePacked,
	}
}

func knownCode(c Code) bool {
	for _, k := range Codes() {
		if k == c {
			return true
		}
	}
	return false
}

// Error is a refusal with a stable code.
type Error struct {
	Code Code
	Msg  string
}

func (e *Error) Error() string { return string(e.Code) + ": " + e.Msg }

// Errorf builds a refusal with the given code.
func Errorf(code Code, format string, args ...any) *Error {
	return &Error{Code: code, Msg: fmt.Sprintf(format, args...)}
}

var codeInText = regexp.MustCompile(`\b([A-Z][A-Z_]{2,}[A-Z]): `)

// CodeOf returns the refusal code of err: the code of a wrapped *Error, or
// the first "CODE: " found in its text (gateway errors carry the chaincode's
// message inside longer text). It returns "" when there is none.
func CodeOf(err error) Code {
	if err == nil {
		return ""
	}
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	for _, m := range codeInText.FindAllStringSubmatch(err.Error(), -1) {
		if knownCode(Code(m[1])) {
			return Code(m[1])
		}
	}
	return ""
}
