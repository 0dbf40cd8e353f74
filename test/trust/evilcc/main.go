// Command evilcc is a hostile chaincode server for the trust tests: what an
// infiltrated organization could run in place of its genuine chaincode
// server (same CHAINCODE_ID, address and TLS files, so its peer uses it with
// no redeployment). It serves the genuine provenance contract and adds:
//
//   - Forge(opsJSON): writes, deletes and sets key-level policies on any keys
//     it is told to, with none of the contract's checks. Each op is
//     {"op":"put"|"del"|"ep", "key":{"obj":..,"attrs":[..]} or "hex":.., "value":.., "orgs":[..]};
//     in a put's value ${TXID}, ${TS}, ${MSP} and ${ID} become this
//     transaction's ID, timestamp (RFC 3339 nanoseconds UTC), the creator's
//     MSP and its client ID, so that forged events look like the genuine
//     chaincode's. "ep" with no orgs removes the key-level policy.
//   - Impersonate(mspID, certPEM, fn, args...): runs the genuine
//     transaction fn as if the given certificate had submitted it: the
//     genuine contract's checks pass for the impersonated owner and its
//     writes are exactly what the owner's own transaction would write (a
//     hostile chaincode that skips the checks and writes anyway).
//   - Lying queries: when EVIL_LIES names a JSON file
//     {"history":{"X":"Y"},"item":{"X":"Y"},"rewrite":true}, GetHistory and
//     GetItem of canonical ID X answer with item Y's record; with rewrite the
//     answer's item fields are rewritten to say X. The file is read on every
//     query, so a test can change the lies without a restart.
//
// It is a test tool (test/trust): never deploy it.
package main

import (
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/hyperledger/fabric-chaincode-go/v2/pkg/cid"
	"github.com/hyperledger/fabric-chaincode-go/v2/pkg/statebased"
	"github.com/hyperledger/fabric-chaincode-go/v2/shim"
	"github.com/hyperledger/fabric-contract-api-go/v2/contractapi"
	"github.com/hyperledger/fabric-protos-go-apiv2/msp"
	"github.com/hyperledger/fabric-protos-go-apiv2/peer"
	"google.golang.org/protobuf/proto"

	"github.com/provledger/provenance/chaincode/contract"
	"github.com/provledger/provenance/chaincode/domain"
)

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "evilcc:", err)
		os.Exit(1)
	}
}

func run() error {
	genuine, err := contractapi.NewChaincode(contract.New())
	if err != nil {
		return err
	}
	id, addr := os.Getenv("CHAINCODE_ID"), os.Getenv("CHAINCODE_SERVER_ADDRESS")
	if id == "" || addr == "" {
		return fmt.Errorf("CHAINCODE_ID and CHAINCODE_SERVER_ADDRESS must be set")
	}
	read := func(name string) []byte {
		b, err := os.ReadFile(os.Getenv(name))
		if err != nil {
			fmt.Fprintf(os.Stderr, "evilcc: %s: %v\n", name, err)
			os.Exit(1)
		}
		return b
	}
	tls := shim.TLSProperties{Cert: read("CHAINCODE_TLS_CERT"), Key: read("CHAINCODE_TLS_KEY"), ClientCACerts: read("CHAINCODE_TLS_CLIENT_CA_CERT")}
	fmt.Fprintf(os.Stderr, "evilcc %s serving %s on %s (lies file %q)\n", time.Now().Format(time.RFC3339), id, addr, os.Getenv("EVIL_LIES"))
	server := &shim.ChaincodeServer{CCID: id, Address: addr, CC: &evil{genuine: genuine}, TLSProps: tls}
	return server.Start()
}

type evil struct {
	genuine *contractapi.ContractChaincode
}

func (e *evil) Init(stub shim.ChaincodeStubInterface) *peer.Response { return e.genuine.Init(stub) }

func (e *evil) Invoke(stub shim.ChaincodeStubInterface) *peer.Response {
	fn, params := stub.GetFunctionAndParameters()
	name := fn[strings.LastIndex(fn, ":")+1:]
	switch name {
	case "Forge":
		if len(params) != 1 {
			return shim.Error("Forge takes one argument, the ops JSON")
		}
		if err := forge(stub, params[0]); err != nil {
			return shim.Error("FORGE: " + err.Error())
		}
		return shim.Success([]byte(`"forged"`))
	case "Impersonate":
		if len(params) < 3 {
			return shim.Error("Impersonate takes mspID, certPEM, fn and fn's arguments")
		}
		creator, err := proto.Marshal(&msp.SerializedIdentity{Mspid: params[0], IdBytes: []byte(params[1])})
		if err != nil {
			return shim.Error(err.Error())
		}
		return e.genuine.Invoke(&impStub{argStub: argStub{ChaincodeStubInterface: stub, fn: params[2], params: params[3:]}, creator: creator})
	case "GetHistory", "GetItem":
		if len(params) > 0 {
			return e.lie(stub, fn, name, params)
		}
	}
	return e.genuine.Invoke(stub)
}

type lies struct {
	History map[string]string `json:"history"`
	Item    map[string]string `json:"item"`
	Rewrite bool              `json:"rewrite"`
}

func (e *evil) lie(stub shim.ChaincodeStubInterface, fn, name string, params []string) *peer.Response {
	path := os.Getenv("EVIL_LIES")
	if path == "" {
		return e.genuine.Invoke(stub)
	}
	var l lies
	if b, err := os.ReadFile(path); err != nil || json.Unmarshal(b, &l) != nil {
		return e.genuine.Invoke(stub)
	}
	table := l.History
	if name == "GetItem" {
		table = l.Item
	}
	asked := params[0]
	if id, err := domain.ParseIdentifier(asked); err == nil {
		asked = id.ItemID.Key()
	}
	substitute, ok := table[asked]
	if !ok {
		return e.genuine.Invoke(stub)
	}
	args := append([]string{substitute}, params[1:]...)
	resp := e.genuine.Invoke(&argStub{ChaincodeStubInterface: stub, fn: fn, params: args})
	if !l.Rewrite || resp.GetStatus() != shim.OK {
		return resp
	}
	rewritten, err := rewrite(name, resp.GetPayload(), asked)
	if err != nil {
		return shim.Error(err.Error())
	}
	return shim.Success(rewritten)
}

// rewrite makes item Y's record name item asked instead.
func rewrite(name string, payload []byte, asked string) ([]byte, error) {
	id, err := domain.ParseIdentifier(asked)
	if err != nil {
		return nil, err
	}
	key := id.ItemID
	if name == "GetItem" {
		var it domain.Item
		if err := json.Unmarshal(payload, &it); err != nil {
			return nil, err
		}
		it.ID, it.GTIN, it.Serial = key.Key(), key.GTIN, key.Serial
		return json.Marshal(it)
	}
	var page domain.HistoryPage
	if err := json.Unmarshal(payload, &page); err != nil {
		return nil, err
	}
	for i := range page.Events {
		page.Events[i].Item = key.Key()
	}
	return json.Marshal(page)
}

// argStub answers the contract's argument reads with other arguments.
type argStub struct {
	shim.ChaincodeStubInterface
	fn     string
	params []string
}

func (s *argStub) GetFunctionAndParameters() (string, []string) { return s.fn, s.params }

func (s *argStub) GetStringArgs() []string { return append([]string{s.fn}, s.params...) }

func (s *argStub) GetArgs() [][]byte {
	out := [][]byte{[]byte(s.fn)}
	for _, p := range s.params {
		out = append(out, []byte(p))
	}
	return out
}

// impStub answers with other arguments and another creator.
type impStub struct {
	argStub
	creator []byte
}

func (s *impStub) GetCreator() ([]byte, error) { return s.creator, nil }

// Op is one forged ledger operation.
type Op struct {
	Op    string   `json:"op"` // put, del, ep
	Key   *CKey    `json:"key,omitempty"`
	Hex   string   `json:"hex,omitempty"` // raw key, hex-encoded
	Value string   `json:"value,omitempty"`
	Orgs  []string `json:"orgs,omitempty"`
}

// CKey is a composite key.
type CKey struct {
	Obj   string   `json:"obj"`
	Attrs []string `json:"attrs"`
}

func forge(stub shim.ChaincodeStubInterface, opsJSON string) error {
	var ops []Op
	if err := json.Unmarshal([]byte(opsJSON), &ops); err != nil {
		return err
	}
	ts, err := stub.GetTxTimestamp()
	if err != nil {
		return err
	}
	msp, err := cid.GetMSPID(stub)
	if err != nil {
		return err
	}
	cl, err := cid.GetID(stub)
	if err != nil {
		return err
	}
	repl := strings.NewReplacer("${TXID}", stub.GetTxID(), "${TS}", ts.AsTime().UTC().Format(time.RFC3339Nano), "${MSP}", msp, "${ID}", cl)
	for i, op := range ops {
		var k string
		switch {
		case op.Key != nil:
			if k, err = stub.CreateCompositeKey(op.Key.Obj, op.Key.Attrs); err != nil {
				return fmt.Errorf("op %d: %w", i, err)
			}
		case op.Hex != "":
			b, err := hex.DecodeString(op.Hex)
			if err != nil {
				return fmt.Errorf("op %d: %w", i, err)
			}
			k = string(b)
		default:
			return fmt.Errorf("op %d: no key", i)
		}
		switch op.Op {
		case "put":
			err = stub.PutState(k, []byte(repl.Replace(op.Value)))
		case "del":
			err = stub.DelState(k)
		case "ep":
			var b []byte
			if len(op.Orgs) > 0 {
				ep, _ := statebased.NewStateEP(nil)
				if err = ep.AddOrgs(statebased.RoleTypePeer, op.Orgs...); err == nil {
					b, err = ep.Policy()
				}
			}
			if err == nil {
				err = stub.SetStateValidationParameter(k, b)
			}
		default:
			err = fmt.Errorf("unknown op %q", op.Op)
		}
		if err != nil {
			return fmt.Errorf("op %d (%s): %w", i, op.Op, err)
		}
	}
	return nil
}
