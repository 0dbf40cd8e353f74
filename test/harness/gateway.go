package harness

import (
	"crypto/x509"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/hyperledger/fabric-gateway/pkg/client"
	"github.com/hyperledger/fabric-gateway/pkg/hash"
	"github.com/hyperledger/fabric-gateway/pkg/identity"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials"
)

// Conn is a gateway connection for one identity.
type Conn struct {
	Gateway *client.Gateway
	grpc    *grpc.ClientConn
	network *Network
}

// Connect opens a fabric-gateway connection to org's peer as the enrolled
// identity PROV_HOME/orgs/<org>/users/<user>. Extra options override the
// defaults (timeouts: evaluate 10 s, endorse 15 s, submit 10 s, commit 60 s).
func (n *Network) Connect(org, user string, opts ...client.ConnectOption) (*Conn, error) {
	o, err := n.Org(org)
	if err != nil {
		return nil, err
	}
	if o.Peer == nil {
		return nil, fmt.Errorf("organization %s has no peer", o.Name)
	}
	u, ok := o.Users[user]
	if !ok {
		return nil, fmt.Errorf("no user %q in organization %s", user, o.Name)
	}
	id, sign, err := loadIdentity(o.MSP, u.MSPDir)
	if err != nil {
		return nil, err
	}
	caPEM, err := os.ReadFile(o.Peer.TLSCACert)
	if err != nil {
		return nil, fmt.Errorf("read TLS CA: %w", err)
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(caPEM) {
		return nil, fmt.Errorf("no certificate in %s", o.Peer.TLSCACert)
	}
	conn, err := grpc.NewClient(o.Peer.Address,
		grpc.WithTransportCredentials(credentials.NewClientTLSFromCert(pool, o.Peer.Name)))
	if err != nil {
		return nil, fmt.Errorf("dial %s: %w", o.Peer.Address, err)
	}
	all := append([]client.ConnectOption{
		client.WithSign(sign),
		client.WithHash(hash.SHA256),
		client.WithClientConnection(conn),
		client.WithEvaluateTimeout(10 * time.Second),
		client.WithEndorseTimeout(15 * time.Second),
		client.WithSubmitTimeout(10 * time.Second),
		client.WithCommitStatusTimeout(60 * time.Second),
	}, opts...)
	gw, err := client.Connect(id, all...)
	if err != nil {
		_ = conn.Close()
		return nil, fmt.Errorf("gateway connect: %w", err)
	}
	return &Conn{Gateway: gw, grpc: conn, network: n}, nil
}

// Contract returns the network's chaincode on its channel.
func (c *Conn) Contract() *client.Contract {
	return c.Gateway.GetNetwork(c.network.Channel).GetContract(c.network.Chaincode)
}

// Close closes the gateway and its gRPC connection.
func (c *Conn) Close() error {
	_ = c.Gateway.Close()
	return c.grpc.Close()
}

// loadIdentity reads signcerts/*.pem and keystore/* of an MSP directory.
func loadIdentity(mspID, dir string) (*identity.X509Identity, identity.Sign, error) {
	certPEM, err := readFirst(filepath.Join(dir, "signcerts"))
	if err != nil {
		return nil, nil, err
	}
	cert, err := identity.CertificateFromPEM(certPEM)
	if err != nil {
		return nil, nil, fmt.Errorf("parse certificate in %s: %w", dir, err)
	}
	id, err := identity.NewX509Identity(mspID, cert)
	if err != nil {
		return nil, nil, err
	}
	keyPEM, err := readFirst(filepath.Join(dir, "keystore"))
	if err != nil {
		return nil, nil, err
	}
	key, err := identity.PrivateKeyFromPEM(keyPEM)
	if err != nil {
		return nil, nil, fmt.Errorf("parse private key in %s: %w", dir, err)
	}
	sign, err := identity.NewPrivateKeySign(key)
	if err != nil {
		return nil, nil, err
	}
	return id, sign, nil
}

func readFirst(dir string) ([]byte, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", dir, err)
	}
	for _, e := range entries {
		if !e.IsDir() {
			return os.ReadFile(filepath.Join(dir, e.Name()))
		}
	}
	return nil, fmt.Errorf("no file in %s", dir)
}
