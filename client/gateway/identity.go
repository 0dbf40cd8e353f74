package gateway

import (
	"crypto"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/hyperledger/fabric-gateway/pkg/identity"
)

// Identity is a signing identity read from an MSP folder.
type Identity struct {
	MSPID   string
	Dir     string
	CertPEM []byte
	Cert    *x509.Certificate
	Key     crypto.PrivateKey
}

// LoadMSPDir reads signcerts/ and keystore/ of an MSP folder as
// fabric-ca-client enroll leaves it (cryptogen's *-cert.pem and *_sk too).
func LoadMSPDir(dir, mspID string) (*Identity, error) {
	certPath, err := firstFile(filepath.Join(dir, "signcerts"), ".pem")
	if err != nil {
		return nil, fmt.Errorf("identity %s: %w", dir, err)
	}
	certPEM, err := os.ReadFile(certPath)
	if err != nil {
		return nil, fmt.Errorf("identity %s: %w", dir, err)
	}
	cert, err := identity.CertificateFromPEM(certPEM)
	if err != nil {
		return nil, fmt.Errorf("identity %s: certificate %s: %w", dir, certPath, err)
	}
	keyPath, err := firstFile(filepath.Join(dir, "keystore"), "_sk")
	if err != nil {
		return nil, fmt.Errorf("identity %s: %w", dir, err)
	}
	keyPEM, err := os.ReadFile(keyPath)
	if err != nil {
		return nil, fmt.Errorf("identity %s: %w", dir, err)
	}
	key, err := identity.PrivateKeyFromPEM(keyPEM)
	if err != nil {
		return nil, fmt.Errorf("identity %s: private key %s: %w", dir, keyPath, err)
	}
	return &Identity{MSPID: mspID, Dir: dir, CertPEM: certPEM, Cert: cert, Key: key}, nil
}

// firstFile picks the file in dir ending in prefer, else the first regular
// file by name, so that a stray README does not win over key material.
func firstFile(dir, prefer string) (string, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return "", fmt.Errorf("read %s: %w", dir, err)
	}
	var files []string
	for _, e := range entries {
		if e.Type().IsRegular() || e.Type()&os.ModeSymlink != 0 {
			files = append(files, e.Name())
		}
	}
	sort.Strings(files)
	for _, f := range files {
		if strings.HasSuffix(f, prefer) {
			return filepath.Join(dir, f), nil
		}
	}
	if len(files) == 0 {
		return "", fmt.Errorf("%s is empty", dir)
	}
	return filepath.Join(dir, files[0]), nil
}

// fabricAttrOID is the certificate extension where Fabric CA puts the
// enrollment attributes (registered with :ecert), as JSON {"attrs":{...}}.
var fabricAttrOID = asn1.ObjectIdentifier{1, 2, 3, 4, 5, 6, 7, 8, 1}

// Attributes returns the Fabric CA attributes in the certificate.
func Attributes(cert *x509.Certificate) map[string]string {
	for _, ext := range cert.Extensions {
		if !ext.Id.Equal(fabricAttrOID) {
			continue
		}
		var v struct {
			Attrs map[string]string `json:"attrs"`
		}
		if json.Unmarshal(ext.Value, &v) == nil {
			return v.Attrs
		}
	}
	return nil
}

// NodeOU returns the certificate's Fabric NodeOU (client, admin, peer,
// orderer) from its subject's organizational units, or "".
func NodeOU(subject pkix.Name) string {
	for _, ou := range subject.OrganizationalUnit {
		switch ou {
		case "client", "admin", "peer", "orderer":
			return ou
		}
	}
	return ""
}
