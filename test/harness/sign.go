package harness

import "github.com/hyperledger/fabric-gateway/pkg/identity"

// Sign returns the signing function of the enrolled identity
// PROV_HOME/orgs/<org>/users/<user>, for tests that build and sign a
// proposal themselves (e.g. with a rewritten timestamp).
func (n *Network) Sign(org, user string) (identity.Sign, error) {
	o, err := n.Org(org)
	if err != nil {
		return nil, err
	}
	u, ok := o.Users[user]
	if !ok {
		return nil, errNoUser(user, o.Name)
	}
	_, sign, err := loadIdentity(o.MSP, u.MSPDir)
	return sign, err
}

func errNoUser(user, org string) error {
	return &noUserError{user: user, org: org}
}

type noUserError struct{ user, org string }

func (e *noUserError) Error() string { return "no user " + e.user + " in organization " + e.org }
