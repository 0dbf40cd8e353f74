package verify

import (
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/sha256"
	"crypto/x509"
	"encoding/asn1"
	"encoding/pem"
	"errors"
	"fmt"
	"math/big"
	"strings"
	"sync"
	"time"

	"github.com/hyperledger/fabric-protos-go-apiv2/msp"
	"google.golang.org/protobuf/proto"
)

// identity is a parsed msp.SerializedIdentity.
type identity struct {
	mspID string
	cert  *x509.Certificate
}

// parseSerializedIdentity parses the bytes Fabric puts in signature headers
// and endorsements: a SerializedIdentity holding a PEM certificate.
func parseSerializedIdentity(b []byte) (*identity, error) {
	sid := &msp.SerializedIdentity{}
	if err := proto.Unmarshal(b, sid); err != nil {
		return nil, fmt.Errorf("serialized identity: %w", err)
	}
	cert, err := parsePEMCert(sid.GetIdBytes())
	if err != nil {
		return nil, fmt.Errorf("identity of %s: %w", sid.GetMspid(), err)
	}
	return &identity{mspID: sid.GetMspid(), cert: cert}, nil
}

func parsePEMCert(b []byte) (*x509.Certificate, error) {
	blk, _ := pem.Decode(b)
	if blk == nil {
		return nil, errors.New("no PEM certificate")
	}
	cert, err := x509.ParseCertificate(blk.Bytes)
	if err != nil {
		return nil, fmt.Errorf("certificate: %w", err)
	}
	return cert, nil
}

func (id *identity) String() string {
	return id.mspID + " " + id.cert.Subject.CommonName
}

// verifySignature checks sig over msg the way Fabric's default BCCSP does:
// ECDSA over SHA-256 with a DER signature whose S is in the lower half of
// the order (Fabric rejects high-S signatures as malleable), or Ed25519 over
// the message itself.
func verifySignature(cert *x509.Certificate, msg, sig []byte) error {
	switch pk := cert.PublicKey.(type) {
	case *ecdsa.PublicKey:
		var rs struct{ R, S *big.Int }
		rest, err := asn1.Unmarshal(sig, &rs)
		if err != nil || len(rest) != 0 || rs.R == nil || rs.S == nil {
			return errors.New("malformed ECDSA signature")
		}
		if rs.R.Sign() <= 0 || rs.S.Sign() <= 0 {
			return errors.New("ECDSA signature with non-positive R or S")
		}
		if rs.S.Cmp(halfOrder(pk.Curve)) > 0 {
			return errors.New("ECDSA signature with high S")
		}
		digest := sha256.Sum256(msg)
		if !ecdsa.Verify(pk, digest[:], rs.R, rs.S) {
			return errors.New("ECDSA signature does not verify")
		}
		return nil
	case ed25519.PublicKey:
		if !ed25519.Verify(pk, msg, sig) {
			return errors.New("Ed25519 signature does not verify")
		}
		return nil
	default:
		return fmt.Errorf("unsupported public key type %T", cert.PublicKey)
	}
}

func halfOrder(c elliptic.Curve) *big.Int {
	return new(big.Int).Rsh(c.Params().N, 1)
}

// mspOrg is one organization's MSP from the channel config: the roots and
// intermediates its members' certificates must chain to.
type mspOrg struct {
	id            string
	roots         *x509.CertPool
	intermediates *x509.CertPool
	revoked       map[string]bool   // issuer DN + serial of revoked certificates
	nodeOUs       map[string]string // OU identifier -> role, when NodeOUs are enabled
	admins        map[string]bool   // raw certificates listed as admins

	mu      sync.Mutex // events are checked in parallel
	checked map[string]error
}

func newMSPOrg(conf *msp.FabricMSPConfig) (*mspOrg, error) {
	o := &mspOrg{
		id:            conf.GetName(),
		roots:         x509.NewCertPool(),
		intermediates: x509.NewCertPool(),
		revoked:       map[string]bool{},
		admins:        map[string]bool{},
		checked:       map[string]error{},
	}
	if n := conf.GetFabricNodeOus(); n.GetEnable() {
		o.nodeOUs = map[string]string{}
		for role, id := range map[string]*msp.FabricOUIdentifier{
			roleClient: n.GetClientOuIdentifier(), rolePeer: n.GetPeerOuIdentifier(),
			roleAdmin: n.GetAdminOuIdentifier(), roleOrderer: n.GetOrdererOuIdentifier(),
		} {
			if ou := id.GetOrganizationalUnitIdentifier(); ou != "" {
				o.nodeOUs[ou] = role
			}
		}
	}
	for _, b := range conf.GetAdmins() {
		if c, err := parsePEMCert(b); err == nil {
			o.admins[string(c.Raw)] = true
		}
	}
	if len(conf.GetRootCerts()) == 0 {
		return nil, fmt.Errorf("MSP %s has no root certificates", o.id)
	}
	for _, b := range conf.GetRootCerts() {
		c, err := parsePEMCert(b)
		if err != nil {
			return nil, fmt.Errorf("MSP %s root: %w", o.id, err)
		}
		o.roots.AddCert(c)
	}
	for _, b := range conf.GetIntermediateCerts() {
		c, err := parsePEMCert(b)
		if err != nil {
			return nil, fmt.Errorf("MSP %s intermediate: %w", o.id, err)
		}
		o.intermediates.AddCert(c)
	}
	for _, b := range conf.GetRevocationList() {
		blk, _ := pem.Decode(b)
		if blk == nil {
			return nil, fmt.Errorf("MSP %s: revocation list is not PEM", o.id)
		}
		crl, err := x509.ParseRevocationList(blk.Bytes)
		if err != nil {
			return nil, fmt.Errorf("MSP %s revocation list: %w", o.id, err)
		}
		for _, e := range crl.RevokedCertificateEntries {
			o.revoked[string(crl.RawIssuer)+"/"+e.SerialNumber.String()] = true
		}
	}
	return o, nil
}

// NodeOU roles.
const (
	roleClient  = "client"
	rolePeer    = "peer"
	roleAdmin   = "admin"
	roleOrderer = "orderer"
)

// requireRole checks that cert plays one of roles in the org, as Fabric's
// NodeOU classification does: with NodeOUs enabled an identity carries
// exactly one of the configured role OUs (or is listed as an admin); without
// NodeOUs every valid member passes.
func (o *mspOrg) requireRole(cert *x509.Certificate, roles ...string) error {
	if o.nodeOUs == nil {
		return nil
	}
	var have []string
	if o.admins[string(cert.Raw)] {
		have = append(have, roleAdmin)
	}
	for _, ou := range cert.Subject.OrganizationalUnit {
		if r, ok := o.nodeOUs[ou]; ok {
			have = append(have, r)
		}
	}
	if len(have) != 1 {
		return fmt.Errorf("certificate %q of %s has node roles %v; Fabric needs exactly one", cert.Subject.CommonName, o.id, have)
	}
	for _, r := range roles {
		if have[0] == r {
			return nil
		}
	}
	return fmt.Errorf("certificate %q of %s is a %s, not %s", cert.Subject.CommonName, o.id, have[0], strings.Join(roles, " or "))
}

// validate checks that cert chains to the org's roots, as Fabric's MSP does:
// expiry is not held against it (the MSP validates at NotBefore+1s), CA
// certificates are not identities, and revoked certificates are refused.
func (o *mspOrg) validate(cert *x509.Certificate) error {
	key := string(cert.Raw)
	o.mu.Lock()
	err, ok := o.checked[key]
	o.mu.Unlock()
	if ok {
		return err
	}
	err = o.validateUncached(cert)
	o.mu.Lock()
	o.checked[key] = err
	o.mu.Unlock()
	return err
}

func (o *mspOrg) validateUncached(cert *x509.Certificate) error {
	if cert.IsCA {
		return fmt.Errorf("certificate %q is a CA certificate, not an identity", cert.Subject.CommonName)
	}
	_, err := cert.Verify(x509.VerifyOptions{
		Roots:         o.roots,
		Intermediates: o.intermediates,
		CurrentTime:   cert.NotBefore.Add(time.Second),
		KeyUsages:     []x509.ExtKeyUsage{x509.ExtKeyUsageAny},
	})
	if err != nil {
		return fmt.Errorf("certificate %q does not chain to a root of %s: %w", cert.Subject.CommonName, o.id, err)
	}
	if o.revoked[string(cert.RawIssuer)+"/"+cert.SerialNumber.String()] {
		return fmt.Errorf("certificate %q is revoked by %s", cert.Subject.CommonName, o.id)
	}
	return nil
}
