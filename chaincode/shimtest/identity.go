package shimtest

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"math/big"
	"time"

	"github.com/hyperledger/fabric-chaincode-go/v2/pkg/attrmgr"
	"github.com/hyperledger/fabric-protos-go-apiv2/msp"
	"google.golang.org/protobuf/proto"
)

// NodeOU values of Fabric's NodeOUs.
const (
	OUClient  = "client"
	OUAdmin   = "admin"
	OUPeer    = "peer"
	OUOrderer = "orderer"
)

// Certificates are valid over a fixed window so that tests do not depend
// on the clock.
var (
	notBefore = time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC)
	notAfter  = time.Date(2099, 12, 31, 23, 59, 59, 0, time.UTC)
)

// CA is a self-signed ECDSA P-256 certificate authority, standing in for an
// organization's Fabric CA. Keys live in memory only.
type CA struct {
	Cert    *x509.Certificate
	CertPEM []byte
	key     *ecdsa.PrivateKey
}

// NewCA creates a CA whose subject is CN=ca.<name>, O=<name>.
func NewCA(name string) (*CA, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, fmt.Errorf("generate CA key: %w", err)
	}
	serial, err := randomSerial()
	if err != nil {
		return nil, err
	}
	tmpl := &x509.Certificate{
		SerialNumber:          serial,
		Subject:               pkix.Name{CommonName: "ca." + name, Organization: []string{name}},
		NotBefore:             notBefore,
		NotAfter:              notAfter,
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageCRLSign | x509.KeyUsageDigitalSignature,
		BasicConstraintsValid: true,
		IsCA:                  true,
		SubjectKeyId:          keyID(&key.PublicKey),
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return nil, fmt.Errorf("create CA certificate: %w", err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		return nil, fmt.Errorf("parse CA certificate: %w", err)
	}
	return &CA{Cert: cert, CertPEM: pemCert(der), key: key}, nil
}

// Identity is an enrolled member: an X.509 certificate issued by a CA and
// its key, presented to the chaincode as msp.SerializedIdentity.
type Identity struct {
	MSPID   string
	Cert    *x509.Certificate
	CertPEM []byte
	Key     *ecdsa.PrivateKey
	CA      *CA
	creator []byte
}

// IdentityOption configures NewIdentity and CA.Issue.
type IdentityOption func(*identityConfig)

type identityConfig struct {
	cn    string
	ous   []string
	attrs map[string]string
	noExt bool
	noHF  bool
}

// WithCommonName sets the certificate's CN (default "user1").
func WithCommonName(cn string) IdentityOption { return func(c *identityConfig) { c.cn = cn } }

// WithOU sets the certificate's NodeOU, e.g. OUAdmin (default OUClient).
// Several values become several OUs.
func WithOU(ous ...string) IdentityOption { return func(c *identityConfig) { c.ous = ous } }

// WithAttr adds a Fabric CA attribute to the certificate, e.g.
// WithAttr("prov.role", "manufacturer").
func WithAttr(name, value string) IdentityOption {
	return func(c *identityConfig) { c.attrs[name] = value }
}

// WithoutHFAttrs leaves out the hf.EnrollmentID, hf.Type and hf.Affiliation
// attributes Fabric CA puts in every enrollment certificate.
func WithoutHFAttrs() IdentityOption { return func(c *identityConfig) { c.noHF = true } }

// WithoutAttrExtension issues a certificate without the attribute extension
// at all (as cryptogen does).
func WithoutAttrExtension() IdentityOption { return func(c *identityConfig) { c.noExt = true } }

// NewIdentity issues an identity of mspID from a new CA of its own. Use
// CA.Issue to give several identities of one organization the same issuer.
func NewIdentity(mspID string, opts ...IdentityOption) (*Identity, error) {
	ca, err := NewCA(mspID)
	if err != nil {
		return nil, err
	}
	return ca.Issue(mspID, opts...)
}

// Issue creates an ECDSA P-256 key and a certificate for it, with the NodeOU
// and, in extension 1.2.3.4.5.6.7.8.1, the attributes as JSON
// {"attrs":{...}} exactly as Fabric CA writes them (see
// fabric-chaincode-go pkg/attrmgr), so cid.ClientIdentity reads them.
func (ca *CA) Issue(mspID string, opts ...IdentityOption) (*Identity, error) {
	cfg := identityConfig{cn: "user1", ous: []string{OUClient}, attrs: map[string]string{}}
	for _, o := range opts {
		o(&cfg)
	}
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, fmt.Errorf("generate key: %w", err)
	}
	serial, err := randomSerial()
	if err != nil {
		return nil, err
	}
	tmpl := &x509.Certificate{
		SerialNumber:          serial,
		Subject:               pkix.Name{CommonName: cfg.cn, OrganizationalUnit: cfg.ous},
		NotBefore:             notBefore,
		NotAfter:              notAfter,
		KeyUsage:              x509.KeyUsageDigitalSignature,
		BasicConstraintsValid: true,
		SubjectKeyId:          keyID(&key.PublicKey),
		AuthorityKeyId:        ca.Cert.SubjectKeyId,
	}
	if !cfg.noExt {
		attrs := map[string]string{}
		if !cfg.noHF {
			attrs["hf.EnrollmentID"], attrs["hf.Type"], attrs["hf.Affiliation"] = cfg.cn, cfg.ous[0], ""
		}
		for k, v := range cfg.attrs {
			attrs[k] = v
		}
		buf, err := json.Marshal(&attrmgr.Attributes{Attrs: attrs})
		if err != nil {
			return nil, fmt.Errorf("marshal attributes: %w", err)
		}
		tmpl.ExtraExtensions = append(tmpl.ExtraExtensions, pkix.Extension{Id: attrmgr.AttrOID, Critical: false, Value: buf})
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, ca.Cert, &key.PublicKey, ca.key)
	if err != nil {
		return nil, fmt.Errorf("create certificate: %w", err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		return nil, fmt.Errorf("parse certificate: %w", err)
	}
	id := &Identity{MSPID: mspID, Cert: cert, CertPEM: pemCert(der), Key: key, CA: ca}
	id.creator, err = proto.Marshal(&msp.SerializedIdentity{Mspid: mspID, IdBytes: id.CertPEM})
	if err != nil {
		return nil, fmt.Errorf("marshal serialized identity: %w", err)
	}
	return id, nil
}

// Creator returns the msp.SerializedIdentity bytes the stub's GetCreator
// returns for this identity.
func (id *Identity) Creator() []byte { return append([]byte(nil), id.creator...) }

// ID returns what cid.ClientIdentity.GetID returns for this identity:
// base64 of "x509::<subject DN>::<issuer DN>".
func (id *Identity) ID() string {
	s := fmt.Sprintf("x509::%s::%s", dn(&id.Cert.Subject), dn(&id.Cert.Issuer))
	return base64.StdEncoding.EncodeToString([]byte(s))
}

// dn spells a DN like pkg/cid does (Go's pkix.Name.String, RDNs reversed
// by ToRDNSequence).
func dn(name *pkix.Name) string { return name.String() }

func pemCert(der []byte) []byte {
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})
}

func keyID(pub *ecdsa.PublicKey) []byte {
	raw, err := x509.MarshalPKIXPublicKey(pub)
	if err != nil {
		return nil
	}
	sum := sha256.Sum256(raw)
	return sum[:]
}

func randomSerial() (*big.Int, error) {
	n, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 127))
	if err != nil {
		return nil, fmt.Errorf("serial number: %w", err)
	}
	return n, nil
}
