package contract

// What happens to a removed organization's items: they stay frozen (no
// organization may act on them: the owner has no role, the others are not
// the owner) until the successor named by the majority takes them over,
// item by item in batches, each take-over a HANDED_OVER custody event in
// the item's history. A later majority may name (or change) the successor
// of a removal that froze the items (kind assign-successor).

import (
	"encoding/json"
	"fmt"

	"github.com/hyperledger/fabric-chaincode-go/v2/shim"
	"github.com/hyperledger/fabric-contract-api-go/v2/contractapi"

	"github.com/provledger/provenance/chaincode/domain"
)

// KindAssignSuccessor (subject: a removed MSP, payload {"to": MSP}) names
// the organization that takes over a removed organization's items.
const kindAssignSuccessor = domain.KindAssignSuccessor

// successorPayload is the payload of an assign-successor proposal.
type successorPayload struct {
	To string `json:"to"`
}

func exitKinds() []proposalKind {
	return []proposalKind{{
		kind:    kindAssignSuccessor,
		prepare: prepareAssignSuccessor,
		check: func(ctx contractapi.TransactionContextInterface, p *domain.Proposal, roles []domain.OrgRole) error {
			_, _, err := prepareAssignSuccessor(ctx, roles, p.Subject, p.Payload)
			return err
		},
		apply: applyAssignSuccessor,
	}}
}

func readOrgExit(stub shim.ChaincodeStubInterface, msp string) (string, *domain.OrgExit, error) {
	k, err := orgExitKey(stub, msp)
	if err != nil {
		return "", nil, err
	}
	b, err := stub.GetState(k)
	if err != nil {
		return "", nil, fmt.Errorf("read exit of %s: %w", msp, err)
	}
	if len(b) == 0 {
		return k, nil, nil
	}
	var e domain.OrgExit
	if err := json.Unmarshal(b, &e); err != nil {
		return "", nil, fmt.Errorf("decode exit of %s: %w", msp, err)
	}
	return k, &e, nil
}

func prepareAssignSuccessor(ctx contractapi.TransactionContextInterface, roles []domain.OrgRole, subject, payload string) (string, string, error) {
	msp, err := subjectMSP(subject)
	if err != nil {
		return "", "", err
	}
	var sp successorPayload
	canon, err := canonicalJSON(payload, &sp, "successor")
	if err != nil {
		return "", "", err
	}
	if roleOf(roles, sp.To) == "" {
		return "", "", domain.Errorf(domain.CodeUnknownOrg, "successor %q has no role", sp.To)
	}
	_, exit, err := readOrgExit(ctx.GetStub(), msp)
	if err != nil {
		return "", "", err
	}
	if exit == nil || roleOf(roles, msp) != "" {
		return "", "", domain.Errorf(domain.CodeNotFound, "%s has not been removed", msp)
	}
	if exit.Items == domain.RemovalHandOver && exit.To == sp.To {
		return "", "", domain.Errorf(domain.CodeAlreadyExists, "%s's items already go to %s", msp, sp.To)
	}
	return msp, canon, nil
}

func applyAssignSuccessor(ctx contractapi.TransactionContextInterface, _ *Contract, p *domain.Proposal, _ []domain.OrgRole) (string, error) {
	var sp successorPayload
	if err := json.Unmarshal([]byte(p.Payload), &sp); err != nil {
		return "", fmt.Errorf("decode successor payload: %w", err)
	}
	stub := ctx.GetStub()
	k, exit, err := readOrgExit(stub, p.Subject)
	if err != nil {
		return "", err
	}
	exit.Items, exit.To, exit.Proposal = domain.RemovalHandOver, sp.To, p.ID
	b, err := marshal(exit)
	if err != nil {
		return "", err
	}
	if err := stub.PutState(k, b); err != nil {
		return "", fmt.Errorf("write exit of %s: %w", p.Subject, err)
	}
	return fmt.Sprintf("%s's items go to %s", p.Subject, sp.To), nil
}

// GetOrgExit returns the record of a removed organization (NOT_FOUND for
// one never removed).
func (c *Contract) GetOrgExit(ctx contractapi.TransactionContextInterface, msp string) (*domain.OrgExit, error) {
	if err := domain.ValidateMSPID(msp); err != nil {
		return nil, err
	}
	_, e, err := readOrgExit(ctx.GetStub(), msp)
	if err != nil {
		return nil, err
	}
	if e == nil {
		return nil, domain.Errorf(domain.CodeNotFound, "%s has never been removed", msp)
	}
	return e, nil
}

// TakeOverItems lets the successor that a majority named for a removed
// organization take over its ACTIVE items (1..MaxBatch): owner := the
// successor, a HANDED_OVER event in each item's history. It needs an admin
// of the successor. The items' key-level policy still names the removed
// organization's peers, so the transaction is valid only with their
// endorsement too (see chaincode/README.md, "Governed membership").
func (c *Contract) TakeOverItems(ctx contractapi.TransactionContextInterface, fromMSP, idsJSON string) ([]string, error) {
	s, err := identify(ctx)
	if err != nil {
		return nil, err
	}
	if err := s.requireAdmin("TakeOverItems"); err != nil {
		return nil, err
	}
	if err := domain.ValidateMSPID(fromMSP); err != nil {
		return nil, err
	}
	ids, err := parseIDList(idsJSON)
	if err != nil {
		return nil, err
	}
	_, exit, err := readOrgExit(ctx.GetStub(), fromMSP)
	if err != nil {
		return nil, err
	}
	if exit == nil || s.hasRole(fromMSP) {
		return nil, domain.Errorf(domain.CodeNotFound, "%s has not been removed; its items are its own", fromMSP)
	}
	if exit.Items != domain.RemovalHandOver || exit.To != s.MSP {
		who := "nobody yet (frozen; a majority may name a successor: " + string(kindAssignSuccessor) + ")"
		if exit.Items == domain.RemovalHandOver {
			who = exit.To
		}
		return nil, domain.Errorf(domain.CodeNotOwner, "the removal of %s hands its items to %s, not to %s", fromMSP, who, s.MSP)
	}
	return c.batchOf(ctx, s, ids, func(w *txWriter) domain.Request {
		r := w.request(domain.ActHandOver)
		r.Authority, r.Vote, r.From = domain.ByMajority, exit.Proposal, fromMSP
		return r
	})
}
