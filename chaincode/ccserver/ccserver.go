// Package ccserver runs a chaincode as an external service
// (chaincode-as-a-service) configured from the environment the network
// scripts set: CHAINCODE_ID, CHAINCODE_SERVER_ADDRESS and the TLS files.
// The provenance chaincode and the benchmark's reference contract share it.
package ccserver

import (
	"fmt"
	"os"

	"github.com/hyperledger/fabric-chaincode-go/v2/shim"
)

// Run serves cc until the server stops; the peer dials this process over
// TLS.
func Run(cc shim.Chaincode) error {
	id, addr := os.Getenv("CHAINCODE_ID"), os.Getenv("CHAINCODE_SERVER_ADDRESS")
	if id == "" || addr == "" {
		return fmt.Errorf("CHAINCODE_ID and CHAINCODE_SERVER_ADDRESS must be set")
	}
	tlsProps, err := tlsFromEnv()
	if err != nil {
		return err
	}
	server := &shim.ChaincodeServer{CCID: id, Address: addr, CC: cc, TLSProps: tlsProps}
	return server.Start()
}

// tlsFromEnv reads the server's TLS key pair and the CA that signs the
// peer's client certificate. TLS is off only when CHAINCODE_TLS_DISABLED=true.
func tlsFromEnv() (shim.TLSProperties, error) {
	if os.Getenv("CHAINCODE_TLS_DISABLED") == "true" {
		return shim.TLSProperties{Disabled: true}, nil
	}
	read := func(name string) ([]byte, error) {
		path := os.Getenv(name)
		if path == "" {
			return nil, fmt.Errorf("%s must name a file (or set CHAINCODE_TLS_DISABLED=true)", name)
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return nil, fmt.Errorf("read %s: %w", name, err)
		}
		return b, nil
	}
	cert, err := read("CHAINCODE_TLS_CERT")
	if err != nil {
		return shim.TLSProperties{}, err
	}
	key, err := read("CHAINCODE_TLS_KEY")
	if err != nil {
		return shim.TLSProperties{}, err
	}
	ca, err := read("CHAINCODE_TLS_CLIENT_CA_CERT")
	if err != nil {
		return shim.TLSProperties{}, err
	}
	return shim.TLSProperties{Cert: cert, Key: key, ClientCACerts: ca}, nil
}
