package netdesc

import (
	"crypto"
	"crypto/x509"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/hyperledger/fabric-gateway/pkg/identity"
)

// Identity is a signing identity read from an MSP folder. Key is nil for an
// identity that only presents itself (the caller signs offline).
type Identity struct {
	MSPID   string
	Dir     string
	CertPEM []byte
	Cert    *x509.Certificate
	Key     crypto.PrivateKey
}

// readFirst reads the first file of dir/sub whose name ends in suffix.
func readFirst(dir, sub, suffix string) (string, []byte, error) {
	path, err := firstFile(filepath.Join(dir, sub), suffix)
	if err != nil {
		return "", nil, fmt.Errorf("identity %s: %w", dir, err)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return "", nil, fmt.Errorf("identity %s: %w", dir, err)
	}
	return path, b, nil
}

// LoadMSP reads signcerts/ and keystore/ of an MSP folder as
// fabric-ca-client enroll leaves it (cryptogen's *-cert.pem and *_sk too).
func LoadMSP(dir, mspID string) (*Identity, error) {
	certPath, certPEM, err := readFirst(dir, "signcerts", ".pem")
	if err != nil {
		return nil, err
	}
	cert, err := identity.CertificateFromPEM(certPEM)
	if err != nil {
		return nil, fmt.Errorf("identity %s: certificate %s: %w", dir, certPath, err)
	}
	keyPath, keyPEM, err := readFirst(dir, "keystore", "_sk")
	if err != nil {
		return nil, err
	}
	key, err := identity.PrivateKeyFromPEM(keyPEM)
	if err != nil {
		return nil, fmt.Errorf("identity %s: private key %s: %w", dir, keyPath, err)
	}
	return &Identity{MSPID: mspID, Dir: dir, CertPEM: certPEM, Cert: cert, Key: key}, nil
}

// Identity loads org's enrolled identity user from network.json's layout.
func (n *Network) Identity(org, user string) (*Identity, error) {
	o, u, err := n.User(org, user)
	if err != nil {
		return nil, err
	}
	return LoadMSP(u.MSPDir, o.MSP)
}

// Gateway returns the identity and signing function fabric-gateway takes;
// sign is nil when the identity has no key.
func (id *Identity) Gateway() (*identity.X509Identity, identity.Sign, error) {
	xid, err := identity.NewX509Identity(id.MSPID, id.Cert)
	if err != nil {
		return nil, nil, fmt.Errorf("identity %s: %w", id.Dir, err)
	}
	if id.Key == nil {
		return xid, nil, nil
	}
	sign, err := identity.NewPrivateKeySign(id.Key)
	if err != nil {
		return nil, nil, fmt.Errorf("identity %s: %w", id.Dir, err)
	}
	return xid, sign, nil
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
