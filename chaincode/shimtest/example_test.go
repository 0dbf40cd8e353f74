package shimtest_test

import (
	"fmt"

	"github.com/hyperledger/fabric-contract-api-go/v2/contractapi"

	"github.com/provledger/provenance/chaincode/shimtest"
)

type greeter struct{ contractapi.Contract }

// Hello stores who said hello and answers with the caller's MSP and role.
func (g *greeter) Hello(ctx contractapi.TransactionContextInterface, name string) (string, error) {
	msp, _ := ctx.GetClientIdentity().GetMSPID()
	role, _, _ := ctx.GetClientIdentity().GetAttributeValue("prov.role")
	if err := ctx.GetStub().PutState("hello/"+name, []byte(msp)); err != nil {
		return "", err
	}
	return fmt.Sprintf("hello %s from %s (%s)", name, msp, role), nil
}

func Example() {
	h, err := shimtest.NewHarness(&greeter{}, shimtest.WithPeerMSPID("ManufacturerMSP"))
	if err != nil {
		panic(err)
	}
	user, err := shimtest.NewIdentity("ManufacturerMSP", shimtest.WithAttr("prov.role", "manufacturer"))
	if err != nil {
		panic(err)
	}
	r := h.Submit(user, "Hello", "world")
	fmt.Println(r.Status, string(r.Payload), r.Committed)
	fmt.Println(string(h.Stub.State("hello/world")))
	r = h.Submit(user, "Hello") // wrong number of arguments: refused, nothing written
	fmt.Println(r.Status, r.Committed)
	// Output:
	// 200 hello world from ManufacturerMSP (manufacturer) true
	// ManufacturerMSP
	// 500 false
}
