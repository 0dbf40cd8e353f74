package netdesc

import (
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"os"

	"github.com/hyperledger/fabric-gateway/pkg/client"
	"github.com/hyperledger/fabric-gateway/pkg/hash"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials"
	"google.golang.org/grpc/credentials/insecure"
)

// Endpoint is a node's gRPC address and TLS settings.
type Endpoint struct {
	Name       string // for messages
	Address    string // host:port
	TLS        bool
	TLSCA      []byte // PEM; required with TLS
	ServerName string // expected in the server's certificate ("" = the address's host)
	// ClientCert is a key pair for mutual TLS (optional).
	ClientCert *tls.Certificate
}

// Endpoint is the node's gRPC listener with TLS, trusting network.json's TLS
// CA for it and expecting its name in its certificate.
func (nd *Node) Endpoint() (Endpoint, error) {
	if nd.Address == "" {
		return Endpoint{}, fmt.Errorf("%s has no gRPC address", nd.Name)
	}
	ca, err := os.ReadFile(nd.TLSCACert)
	if err != nil {
		return Endpoint{}, fmt.Errorf("%s: read TLS CA: %w", nd.Name, err)
	}
	return Endpoint{Name: nd.Name, Address: nd.Address, TLS: true, TLSCA: ca, ServerName: nd.Name}, nil
}

// Credentials are the transport credentials for ep.
func (ep Endpoint) Credentials() (credentials.TransportCredentials, error) {
	if !ep.TLS {
		return insecure.NewCredentials(), nil
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(ep.TLSCA) {
		return nil, fmt.Errorf("TLS CA for %s holds no PEM certificate", ep.describe())
	}
	tc := &tls.Config{RootCAs: pool, ServerName: ep.ServerName, MinVersion: tls.VersionTLS12}
	if ep.ClientCert != nil {
		tc.Certificates = []tls.Certificate{*ep.ClientCert}
	}
	return credentials.NewTLS(tc), nil
}

func (ep Endpoint) describe() string {
	if ep.Name != "" {
		return ep.Name
	}
	return ep.Address
}

// Dial opens a gRPC client connection to ep (no traffic until first use);
// opts follow the transport credentials.
func Dial(ep Endpoint, opts ...grpc.DialOption) (*grpc.ClientConn, error) {
	creds, err := ep.Credentials()
	if err != nil {
		return nil, err
	}
	cc, err := grpc.NewClient(ep.Address, append([]grpc.DialOption{grpc.WithTransportCredentials(creds)}, opts...)...)
	if err != nil {
		return nil, fmt.Errorf("dial %s: %w", ep.describe(), err)
	}
	return cc, nil
}

// Gateway is a fabric-gateway connection with the gRPC connection it owns.
type Gateway struct {
	*client.Gateway
	GRPC *grpc.ClientConn
	ID   *Identity
}

// Close closes the gateway and its gRPC connection.
func (g *Gateway) Close() error {
	_ = g.Gateway.Close()
	return g.GRPC.Close()
}

// Connect dials ep and opens a gateway as id (signing with its key unless it
// has none); opts follow the defaults and override them.
func Connect(ep Endpoint, id *Identity, opts ...client.ConnectOption) (*Gateway, error) {
	xid, sign, err := id.Gateway()
	if err != nil {
		return nil, err
	}
	cc, err := Dial(ep)
	if err != nil {
		return nil, err
	}
	all := []client.ConnectOption{client.WithClientConnection(cc), client.WithHash(hash.SHA256)}
	if sign != nil {
		all = append(all, client.WithSign(sign))
	}
	gw, err := client.Connect(xid, append(all, opts...)...)
	if err != nil {
		_ = cc.Close()
		return nil, fmt.Errorf("gateway connect: %w", err)
	}
	return &Gateway{Gateway: gw, GRPC: cc, ID: id}, nil
}

// Gateway connects to org's peer as its enrolled identity user, both from
// network.json.
func (n *Network) Gateway(org, user string, opts ...client.ConnectOption) (*Gateway, error) {
	o, err := n.Org(org)
	if err != nil {
		return nil, err
	}
	if o.Peer == nil {
		return nil, fmt.Errorf("organization %s has no peer", o.Name)
	}
	id, err := n.Identity(org, user)
	if err != nil {
		return nil, err
	}
	ep, err := o.Peer.Endpoint()
	if err != nil {
		return nil, err
	}
	return Connect(ep, id, opts...)
}
