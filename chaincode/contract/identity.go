package contract

import (
	"encoding/json"
	"fmt"
	"sort"

	"github.com/hyperledger/fabric-chaincode-go/v2/shim"
	"github.com/hyperledger/fabric-contract-api-go/v2/contractapi"

	"github.com/provledger/provenance/chaincode/domain"
)

// adminOU is the NodeOU a Fabric CA puts in an org admin's certificate subject.
const adminOU = "admin"

// submitter is the verified identity of a transaction's client.
type submitter struct {
	MSP   string
	ID    string // cid GetID: x509::subject::issuer, base64
	Name  string // certificate subject CN, for messages
	Role  domain.Role
	Admin bool
	roles []domain.OrgRole // the ledger's org roles, sorted by MSP
}

// clientIdentity reads the client's MSP, ID, certificate attribute and
// admin NodeOU; it does not consult the ledger.
func clientIdentity(ctx contractapi.TransactionContextInterface) (*submitter, string, bool, error) {
	ci := ctx.GetClientIdentity()
	if ci == nil {
		return nil, "", false, fmt.Errorf("no client identity")
	}
	msp, err := ci.GetMSPID()
	if err != nil {
		return nil, "", false, fmt.Errorf("client MSP ID: %w", err)
	}
	id, err := ci.GetID()
	if err != nil {
		return nil, "", false, fmt.Errorf("client ID: %w", err)
	}
	cert, err := ci.GetX509Certificate()
	if err != nil || cert == nil {
		return nil, "", false, fmt.Errorf("client certificate: %v", err)
	}
	s := &submitter{MSP: msp, ID: id, Name: cert.Subject.CommonName}
	for _, ou := range cert.Subject.OrganizationalUnit {
		if ou == adminOU {
			s.Admin = true
		}
	}
	attr, found, err := ci.GetAttributeValue(domain.RoleAttribute)
	if err != nil {
		return nil, "", false, fmt.Errorf("client attribute %s: %w", domain.RoleAttribute, err)
	}
	return s, attr, found, nil
}

// identify resolves the submitter against the ledger's org roles: its MSP
// must have a role, and its certificate's prov.role attribute must name the
// same role.
func identify(ctx contractapi.TransactionContextInterface) (*submitter, error) {
	roles, err := readRoles(ctx.GetStub())
	if err != nil {
		return nil, err
	}
	return identifyWith(ctx, roles)
}

// identifyWith is identify with the org roles already read (readState reads
// them with the items, saving a round trip to the peer).
func identifyWith(ctx contractapi.TransactionContextInterface, roles []domain.OrgRole) (*submitter, error) {
	if len(roles) == 0 {
		return nil, domain.Errorf(domain.CodeNotInitialized, "org roles are not initialized; an org admin must call InitOrgRoles first")
	}
	s, attr, found, err := clientIdentity(ctx)
	if err != nil {
		return nil, err
	}
	s.roles = roles
	s.Role = roleOf(roles, s.MSP)
	if s.Role == "" {
		return nil, domain.Errorf(domain.CodeUnknownOrg, "MSP %s has no role on the ledger", s.MSP)
	}
	if err := checkAttr(s, attr, found); err != nil {
		return nil, err
	}
	return s, nil
}

func checkAttr(s *submitter, attr string, found bool) error {
	if !found {
		return domain.Errorf(domain.CodeRoleMismatch, "certificate of %s (%s) carries no %s attribute; %s's role is %s",
			s.Name, s.MSP, domain.RoleAttribute, s.MSP, s.Role)
	}
	if domain.Role(attr) != s.Role {
		return domain.Errorf(domain.CodeRoleMismatch, "certificate of %s says %s=%s but %s's role is %s",
			s.Name, domain.RoleAttribute, attr, s.MSP, s.Role)
	}
	return nil
}

// requireRole refuses a submitter whose role is not one of want.
func (s *submitter) requireRole(action string, want ...domain.Role) error {
	for _, r := range want {
		if s.Role == r {
			return nil
		}
	}
	names := make([]string, len(want))
	for i, r := range want {
		names[i] = string(r)
	}
	return domain.Errorf(domain.CodeWrongRole, "%s needs the %s role; %s is %s", action, joinOr(names), s.MSP, s.Role)
}

// requireAdmin refuses a governance act by a non-admin identity.
func (s *submitter) requireAdmin(action string) error {
	if !s.Admin {
		return domain.Errorf(domain.CodeNotAdmin, "%s needs an org admin identity (NodeOU %s); %s of %s is not one",
			action, adminOU, s.Name, s.MSP)
	}
	return nil
}

// actor is the submitter as the domain decision sees it.
func (s *submitter) actor() domain.Actor {
	return domain.Actor{MSP: s.MSP, ID: s.ID, Name: s.Name, Role: s.Role, Admin: s.Admin}
}

// hasRole reports whether msp is an organization with a role.
func (s *submitter) hasRole(msp string) bool { return roleOf(s.roles, msp) != "" }

// checkPeer applies the endorsing-peer check (domain.PeerMayEndorse) to the
// policy the transaction's writes need. It can only refuse.
func (c *Contract) checkPeer(s *submitter, p domain.Policy) error {
	org, single := p.SingleOrg()
	if !single || org != s.MSP {
		return nil
	}
	peer, err := c.peerMSP()
	if err != nil {
		return domain.Errorf(domain.CodeWrongPeer, "cannot tell the endorsing peer's organization: %v", err)
	}
	if !domain.PeerMayEndorse(p, s.MSP, peer) {
		return domain.Errorf(domain.CodeWrongPeer, "a change only %s may endorse must be endorsed by a %s peer, not by a %s peer",
			s.MSP, s.MSP, peer)
	}
	return nil
}

func roleOf(roles []domain.OrgRole, msp string) domain.Role {
	for _, r := range roles {
		if r.MSP == msp {
			return r.Role
		}
	}
	return ""
}

func readRoles(stub shim.ChaincodeStubInterface) ([]domain.OrgRole, error) {
	b, err := stub.GetState(rolesKey)
	if err != nil {
		return nil, fmt.Errorf("read org roles: %w", err)
	}
	return decodeRoles(b)
}

// decodeRoles reads the org roles key's value (nil when it is empty).
func decodeRoles(b []byte) ([]domain.OrgRole, error) {
	if len(b) == 0 {
		return nil, nil
	}
	var roles []domain.OrgRole
	if err := json.Unmarshal(b, &roles); err != nil {
		return nil, fmt.Errorf("decode org roles: %w", err)
	}
	return roles, nil
}

// parseRoles validates an InitOrgRoles argument and returns it sorted by MSP.
func parseRoles(rolesJSON string) ([]domain.OrgRole, error) {
	if len(rolesJSON) > domain.MaxRolesBytes {
		return nil, domain.Errorf(domain.CodeInvalidArgument, "roles argument is %d bytes, at most %d allowed", len(rolesJSON), domain.MaxRolesBytes)
	}
	var roles []domain.OrgRole
	if err := strictUnmarshal(rolesJSON, &roles); err != nil {
		return nil, domain.Errorf(domain.CodeInvalidArgument, "roles must be a JSON array of {\"msp\",\"role\"}: %v", err)
	}
	if len(roles) == 0 {
		return nil, domain.Errorf(domain.CodeInvalidArgument, "roles must name at least one organization")
	}
	sort.Slice(roles, func(i, j int) bool { return roles[i].MSP < roles[j].MSP })
	for i, r := range roles {
		if r.MSP == "" {
			return nil, domain.Errorf(domain.CodeInvalidArgument, "role entry %d has an empty msp", i+1)
		}
		switch r.Role {
		case domain.RoleManufacturer, domain.RoleDistributor, domain.RoleCustoms:
		default:
			return nil, domain.Errorf(domain.CodeInvalidArgument, "MSP %s: role %q is not manufacturer, distributor or customs", r.MSP, r.Role)
		}
		if i > 0 && roles[i-1].MSP == r.MSP {
			return nil, domain.Errorf(domain.CodeInvalidArgument, "MSP %s appears twice", r.MSP)
		}
	}
	return roles, nil
}

func sameRoles(a, b []domain.OrgRole) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// InitOrgRoles files or approves the first role set: it is Propose of a
// role-set proposal with this set, or, when an identical one is pending,
// ApproveProposal of it. The set takes effect once admins of a majority of
// the organizations it names approved it, each in its own transaction (each
// admin's certificate must name its org's role in that set). It returns the
// roles in effect after the call: empty while the set is pending. Once the
// roles are set, the same set again is a no-op returning it (writes nothing)
// and another set is ALREADY_INITIALIZED; so is a second approval by an org
// that already approved it.
func (c *Contract) InitOrgRoles(ctx contractapi.TransactionContextInterface, rolesJSON string) ([]domain.OrgRole, error) {
	roles, err := parseRoles(rolesJSON)
	if err != nil {
		return nil, err
	}
	stub := ctx.GetStub()
	current, err := readRoles(stub)
	if err != nil {
		return nil, err
	}
	if len(current) > 0 {
		if _, err := voter(ctx, roles, "InitOrgRoles"); err != nil {
			return nil, err
		}
		if sameRoles(current, roles) {
			return current, nil
		}
		return nil, domain.Errorf(domain.CodeAlreadyInitialized, "org roles are already set to %s", rolesString(current))
	}
	p, existing, err := c.propose(ctx, string(domain.KindRoleSet), rolesSubject, rolesJSON)
	if existing != nil {
		s, verr := voter(ctx, roles, "InitOrgRoles")
		if verr != nil {
			return nil, verr
		}
		if contains(existing.Approvals, s.MSP) {
			return []domain.OrgRole{}, nil // this org already approved it: nothing to do
		}
		p, err = c.voteProposal(ctx, existing.ID, true)
	}
	if err != nil {
		return nil, err
	}
	if p.Status == domain.ProposalApproved {
		return roles, nil
	}
	return []domain.OrgRole{}, nil
}

// GetOrgRoles returns the organizations' roles sorted by MSP (empty before
// InitOrgRoles).
func (c *Contract) GetOrgRoles(ctx contractapi.TransactionContextInterface) ([]domain.OrgRole, error) {
	roles, err := readRoles(ctx.GetStub())
	if err != nil {
		return nil, err
	}
	if roles == nil {
		roles = []domain.OrgRole{}
	}
	return roles, nil
}

// GetOrgRolesHistory returns every committed write of the org-role set,
// newest first (the peer's history database): what prov verify needs to
// judge each custody event under the role set in force at its time.
func (c *Contract) GetOrgRolesHistory(ctx contractapi.TransactionContextInterface) ([]domain.RoleSetChange, error) {
	it, err := ctx.GetStub().GetHistoryForKey(rolesKey)
	if err != nil {
		return nil, fmt.Errorf("org role history: %w", err)
	}
	defer it.Close()
	out := []domain.RoleSetChange{}
	for it.HasNext() {
		m, err := it.Next()
		if err != nil {
			return nil, fmt.Errorf("org role history: %w", err)
		}
		ch := domain.RoleSetChange{TxID: m.GetTxId(), Roles: []domain.OrgRole{}}
		if ts := m.GetTimestamp(); ts != nil {
			ch.Timestamp = formatUnixNano(ts.GetSeconds(), ts.GetNanos())
		}
		if !m.GetIsDelete() && len(m.GetValue()) > 0 {
			if err := json.Unmarshal(m.GetValue(), &ch.Roles); err != nil {
				return nil, fmt.Errorf("decode org roles of %s: %w", m.GetTxId(), err)
			}
		}
		out = append(out, ch)
	}
	return out, nil
}

func rolesString(roles []domain.OrgRole) string {
	parts := make([]string, len(roles))
	for i, r := range roles {
		parts[i] = r.MSP + "=" + string(r.Role)
	}
	return joinComma(parts)
}
