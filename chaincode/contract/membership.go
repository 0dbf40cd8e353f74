package contract

// Governed membership: the proposal kinds that set the first role set and
// later add an organization, change its role or remove it. See
// chaincode/README.md ("Governed membership") for the rules and their
// limits.

import (
	"encoding/json"
	"fmt"
	"strings"

	"github.com/hyperledger/fabric-chaincode-go/v2/shim"
	"github.com/hyperledger/fabric-contract-api-go/v2/contractapi"

	"github.com/provledger/provenance/chaincode/domain"
)

// rolesSubject is the subject of every role-set proposal.
const rolesSubject = "roles"

// objOrgExit holds the record of a removed organization: [msp] -> OrgExit.
const objOrgExit = "orgexit"

// roleKinds returns the membership proposal kinds.
func roleKinds() []proposalKind {
	return []proposalKind{
		{
			kind:      domain.KindRoleSet,
			bootstrap: true,
			prepare:   prepareRoleSet,
			electorate: func(p *domain.Proposal, _ []domain.OrgRole) ([]domain.OrgRole, error) {
				return decodeRoleSet(p.Payload)
			},
			apply: applyRoleSet,
		},
		{kind: domain.KindAddOrg, prepare: prepareAddOrg, check: checkAddOrg, apply: applyAddOrg},
		{kind: domain.KindChangeRole, prepare: prepareChangeRole, check: checkChangeRole, apply: applyChangeRole},
		{kind: domain.KindRemoveOrg, prepare: prepareRemoveOrg, check: checkRemoveOrg, apply: applyRemoveOrg},
	}
}

func decodeRoleSet(payload string) ([]domain.OrgRole, error) {
	var roles []domain.OrgRole
	if err := json.Unmarshal([]byte(payload), &roles); err != nil {
		return nil, fmt.Errorf("decode role set payload: %w", err)
	}
	return roles, nil
}

func prepareRoleSet(_ contractapi.TransactionContextInterface, _ []domain.OrgRole, subject, payload string) (string, string, error) {
	if subject != rolesSubject {
		return "", "", domain.Errorf(domain.CodeInvalidArgument, "a %s proposal's subject must be %q, not %q", domain.KindRoleSet, rolesSubject, subject)
	}
	roles, err := parseRoles(payload)
	if err != nil {
		return "", "", err
	}
	if len(roles) < domain.MinRoleSetOrgs {
		return "", "", domain.Errorf(domain.CodeInvalidArgument, "a first role set must name at least %d organizations (so that no single admin is a majority of it); %s names %d",
			domain.MinRoleSetOrgs, domain.RolesString(roles), len(roles))
	}
	b, err := marshal(roles)
	if err != nil {
		return "", "", err
	}
	return rolesSubject, string(b), nil
}

func applyRoleSet(ctx contractapi.TransactionContextInterface, c *Contract, p *domain.Proposal, _ []domain.OrgRole) (string, error) {
	roles, err := decodeRoleSet(p.Payload)
	if err != nil {
		return "", err
	}
	stub := ctx.GetStub()
	n, err := c.closeOthers(stub, domain.KindRoleSet, rolesSubject, p.ID, "superseded: role set "+p.ID+" reached its majority first")
	if err != nil {
		return "", err
	}
	if err := writeRoles(stub, roles); err != nil {
		return "", err
	}
	out := "org roles set to " + domain.RolesString(roles)
	if n > 0 {
		out += fmt.Sprintf("; %d competing role-set proposal(s) closed", n)
	}
	return out, nil
}

func writeRoles(stub shim.ChaincodeStubInterface, roles []domain.OrgRole) error {
	domain.SortRoles(roles)
	b, err := json.Marshal(roles)
	if err != nil {
		return fmt.Errorf("encode org roles: %w", err)
	}
	if err := stub.PutState(rolesKey, b); err != nil {
		return fmt.Errorf("write org roles: %w", err)
	}
	return nil
}

// subjectMSP validates a membership proposal's subject.
func subjectMSP(subject string) (string, error) {
	if err := domain.ValidateMSPID(subject); err != nil {
		return "", err
	}
	return subject, nil
}

func rolePayload(payload string) (string, domain.Role, error) {
	var rp domain.RolePayload
	canon, err := canonicalJSON(payload, &rp, "role")
	if err != nil {
		return "", "", err
	}
	if !domain.ValidRole(rp.Role) {
		return "", "", domain.Errorf(domain.CodeInvalidArgument, "role %q is not manufacturer, distributor or customs", rp.Role)
	}
	return canon, rp.Role, nil
}

func decodeRolePayload(payload string) domain.Role {
	var rp domain.RolePayload
	_ = json.Unmarshal([]byte(payload), &rp) // validated when filed
	return rp.Role
}

func prepareAddOrg(_ contractapi.TransactionContextInterface, roles []domain.OrgRole, subject, payload string) (string, string, error) {
	msp, err := subjectMSP(subject)
	if err != nil {
		return "", "", err
	}
	canon, _, err := rolePayload(payload)
	if err != nil {
		return "", "", err
	}
	if r := roleOf(roles, msp); r != "" {
		return "", "", domain.Errorf(domain.CodeAlreadyExists, "%s already has the role %s; propose %s instead", msp, r, domain.KindChangeRole)
	}
	return msp, canon, nil
}

func checkAddOrg(_ contractapi.TransactionContextInterface, p *domain.Proposal, roles []domain.OrgRole) error {
	if r := roleOf(roles, p.Subject); r != "" {
		return domain.Errorf(domain.CodeAlreadyExists, "%s already has the role %s", p.Subject, r)
	}
	return nil
}

func applyAddOrg(ctx contractapi.TransactionContextInterface, _ *Contract, p *domain.Proposal, roles []domain.OrgRole) (string, error) {
	role := decodeRolePayload(p.Payload)
	next := append(append([]domain.OrgRole(nil), roles...), domain.OrgRole{MSP: p.Subject, Role: role})
	if err := writeRoles(ctx.GetStub(), next); err != nil {
		return "", err
	}
	return fmt.Sprintf("%s added as %s", p.Subject, role), nil
}

func prepareChangeRole(_ contractapi.TransactionContextInterface, roles []domain.OrgRole, subject, payload string) (string, string, error) {
	msp, err := subjectMSP(subject)
	if err != nil {
		return "", "", err
	}
	canon, role, err := rolePayload(payload)
	if err != nil {
		return "", "", err
	}
	cur := roleOf(roles, msp)
	if cur == "" {
		return "", "", domain.Errorf(domain.CodeUnknownOrg, "%s has no role to change; propose %s instead", msp, domain.KindAddOrg)
	}
	if cur == role {
		return "", "", domain.Errorf(domain.CodeInvalidArgument, "%s already has the role %s", msp, role)
	}
	return msp, canon, nil
}

func checkChangeRole(_ contractapi.TransactionContextInterface, p *domain.Proposal, roles []domain.OrgRole) error {
	cur := roleOf(roles, p.Subject)
	if cur == "" {
		return domain.Errorf(domain.CodeUnknownOrg, "%s no longer has a role", p.Subject)
	}
	if cur == decodeRolePayload(p.Payload) {
		return domain.Errorf(domain.CodeInvalidArgument, "%s already has the role %s", p.Subject, cur)
	}
	return nil
}

func applyChangeRole(ctx contractapi.TransactionContextInterface, _ *Contract, p *domain.Proposal, roles []domain.OrgRole) (string, error) {
	role := decodeRolePayload(p.Payload)
	next := make([]domain.OrgRole, len(roles))
	old := domain.Role("")
	for i, r := range roles {
		next[i] = r
		if r.MSP == p.Subject {
			old, next[i].Role = r.Role, role
		}
	}
	if err := writeRoles(ctx.GetStub(), next); err != nil {
		return "", err
	}
	return fmt.Sprintf("%s changed from %s to %s", p.Subject, old, role), nil
}

// minRolesAfterRemoval: a removal must leave at least two organizations
// with a role, so that no single organization governs alone afterwards.
const minRolesAfterRemoval = 2

func removalPayload(payload string) (string, domain.RemovalPayload, error) {
	var rp domain.RemovalPayload
	canon, err := canonicalJSON(payload, &rp, "removal")
	if err != nil {
		return "", rp, err
	}
	switch rp.Items {
	case domain.RemovalFreeze:
		if rp.To != "" {
			return "", rp, domain.Errorf(domain.CodeInvalidArgument, "removal with items %q names no successor (to %q)", rp.Items, rp.To)
		}
	case domain.RemovalHandOver:
		if err := domain.ValidateMSPID(rp.To); err != nil {
			return "", rp, withContext(err, "removal successor")
		}
	default:
		return "", rp, domain.Errorf(domain.CodeInvalidArgument, "removal items %q is not %s or %s", rp.Items, domain.RemovalFreeze, domain.RemovalHandOver)
	}
	return canon, rp, nil
}

func prepareRemoveOrg(ctx contractapi.TransactionContextInterface, roles []domain.OrgRole, subject, payload string) (string, string, error) {
	msp, err := subjectMSP(subject)
	if err != nil {
		return "", "", err
	}
	canon, rp, err := removalPayload(payload)
	if err != nil {
		return "", "", err
	}
	p := &domain.Proposal{Subject: msp, Payload: canon}
	if err := checkRemoval(p, rp, roles); err != nil {
		return "", "", err
	}
	return msp, canon, nil
}

func checkRemoval(p *domain.Proposal, rp domain.RemovalPayload, roles []domain.OrgRole) error {
	if roleOf(roles, p.Subject) == "" {
		return domain.Errorf(domain.CodeUnknownOrg, "%s has no role to remove", p.Subject)
	}
	if len(roles)-1 < minRolesAfterRemoval {
		return domain.Errorf(domain.CodeInvalidArgument, "removing %s would leave fewer than %d organizations with a role", p.Subject, minRolesAfterRemoval)
	}
	if rp.Items == domain.RemovalHandOver {
		if rp.To == p.Subject {
			return domain.Errorf(domain.CodeInvalidArgument, "%s cannot succeed itself", p.Subject)
		}
		if roleOf(roles, rp.To) == "" {
			return domain.Errorf(domain.CodeUnknownOrg, "successor %s has no role", rp.To)
		}
	}
	return nil
}

func checkRemoveOrg(_ contractapi.TransactionContextInterface, p *domain.Proposal, roles []domain.OrgRole) error {
	_, rp, err := removalPayload(p.Payload)
	if err != nil {
		return err
	}
	return checkRemoval(p, rp, roles)
}

func orgExitKey(stub shim.ChaincodeStubInterface, msp string) (string, error) {
	return key(stub, objOrgExit, msp)
}

// applyRemoveOrg takes the organization's role away (so it can no longer
// act: UNKNOWN_ORG), records its exit and the disposition of its items, and
// ends its prefixes: PENDING claims REJECTED, ACTIVE prefixes REVOKED.
func applyRemoveOrg(ctx contractapi.TransactionContextInterface, _ *Contract, p *domain.Proposal, roles []domain.OrgRole) (string, error) {
	_, rp, err := removalPayload(p.Payload)
	if err != nil {
		return "", err
	}
	stub := ctx.GetStub()
	txID, at, err := txInfo(stub)
	if err != nil {
		return "", err
	}
	// Read everything first.
	it, err := stub.GetStateByPartialCompositeKey(objPrefix, nil)
	if err != nil {
		return "", fmt.Errorf("list prefixes: %w", err)
	}
	type pk struct {
		key string
		p   *domain.Prefix
	}
	var ended []pk
	for it.HasNext() {
		kv, err := it.Next()
		if err != nil {
			it.Close()
			return "", fmt.Errorf("list prefixes: %w", err)
		}
		pr, err := decodePrefix(kv.Value, kv.Key)
		if err != nil {
			it.Close()
			return "", err
		}
		if pr.Owner == p.Subject && (pr.Status == domain.PrefixPending || pr.Status == domain.PrefixActive) {
			ended = append(ended, pk{kv.Key, pr})
		}
	}
	it.Close()
	var role domain.Role
	next := make([]domain.OrgRole, 0, len(roles))
	for _, r := range roles {
		if r.MSP == p.Subject {
			role = r.Role
			continue
		}
		next = append(next, r)
	}
	exit := &domain.OrgExit{MSP: p.Subject, Role: role, Items: rp.Items, To: rp.To, Proposal: p.ID, TxID: txID, At: at}
	var names []string
	for _, e := range ended {
		if e.p.Status == domain.PrefixPending {
			e.p.Status = domain.PrefixRejected
		} else {
			e.p.Status = domain.PrefixRevoked
		}
		e.p.UpdatedAt = at
		exit.Prefixes = append(exit.Prefixes, e.p.Prefix)
		names = append(names, e.p.Prefix+" "+string(e.p.Status))
		if err := writePrefix(stub, e.key, e.p); err != nil {
			return "", err
		}
	}
	if err := writeRoles(stub, next); err != nil {
		return "", err
	}
	ek, err := orgExitKey(stub, p.Subject)
	if err != nil {
		return "", err
	}
	b, err := marshal(exit)
	if err != nil {
		return "", err
	}
	if err := stub.PutState(ek, b); err != nil {
		return "", fmt.Errorf("write exit of %s: %w", p.Subject, err)
	}
	out := fmt.Sprintf("%s (%s) removed; its items: %s", p.Subject, role, rp.Items)
	if rp.Items == domain.RemovalHandOver {
		out += " to " + rp.To
	}
	if len(names) > 0 {
		out += "; prefixes " + strings.Join(names, ", ")
	}
	return out, nil
}
