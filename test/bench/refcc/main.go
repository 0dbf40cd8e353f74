// Command refcc is the benchmark's reference contract: a minimal custody
// transfer in which every offer and every accept reads one key and writes
// one key, with no key-level endorsement policy, served as a chaincode
// service beside the provenance chaincode (scripts/network.sh define refcc
// --source ./test/bench/refcc) on the same channel under the same
// endorsement policy. It gives the benchmark a floor to compare with: what a
// transfer costs on this network when the contract does almost nothing.
// Not for production: it checks only the submitter's MSP.
package main

import (
	"encoding/json"
	"fmt"
	"os"

	"github.com/hyperledger/fabric-contract-api-go/v2/contractapi"

	"github.com/provledger/provenance/chaincode/ccserver"
)

// Item is the whole state of one item: its owner and the MSP it is offered
// to, if any.
type Item struct {
	Owner   string `json:"owner"`
	Pending string `json:"pending,omitempty"`
}

// Ref is the reference contract.
type Ref struct{ contractapi.Contract }

// Register creates the items of a JSON array of IDs, owned by the
// submitter's MSP (no reads: one write per item).
func (Ref) Register(ctx contractapi.TransactionContextInterface, idsJSON string) error {
	var ids []string
	if err := json.Unmarshal([]byte(idsJSON), &ids); err != nil {
		return fmt.Errorf("ids must be a JSON array of strings: %w", err)
	}
	msp, err := ctx.GetClientIdentity().GetMSPID()
	if err != nil {
		return err
	}
	v, _ := json.Marshal(Item{Owner: msp})
	for _, id := range ids {
		if id == "" {
			return fmt.Errorf("empty item ID")
		}
		if err := ctx.GetStub().PutState(id, v); err != nil {
			return err
		}
	}
	return nil
}

// Offer offers the submitter's item to MSP to: one read, one write.
func (Ref) Offer(ctx contractapi.TransactionContextInterface, id, to string) error {
	it, msp, err := load(ctx, id)
	if err != nil {
		return err
	}
	if it.Owner != msp {
		return fmt.Errorf("item %s is owned by %s, not by %s", id, it.Owner, msp)
	}
	it.Pending = to
	return save(ctx, id, it)
}

// Accept takes an item offered to the submitter's MSP: one read, one write.
func (Ref) Accept(ctx contractapi.TransactionContextInterface, id string) error {
	it, msp, err := load(ctx, id)
	if err != nil {
		return err
	}
	if it.Pending != msp {
		return fmt.Errorf("item %s is not offered to %s", id, msp)
	}
	it.Owner, it.Pending = msp, ""
	return save(ctx, id, it)
}

// OfferBatch offers the submitter's items (a JSON array of IDs) to MSP to:
// one read and one write per item, the reference for a loose batch offer.
func (r Ref) OfferBatch(ctx contractapi.TransactionContextInterface, idsJSON, to string) error {
	ids, err := idList(idsJSON)
	if err != nil {
		return err
	}
	for _, id := range ids {
		if err := r.Offer(ctx, id, to); err != nil {
			return err
		}
	}
	return nil
}

// AcceptBatch takes the items (a JSON array of IDs) offered to the
// submitter's MSP: one read and one write per item.
func (r Ref) AcceptBatch(ctx contractapi.TransactionContextInterface, idsJSON string) error {
	ids, err := idList(idsJSON)
	if err != nil {
		return err
	}
	for _, id := range ids {
		if err := r.Accept(ctx, id); err != nil {
			return err
		}
	}
	return nil
}

func idList(idsJSON string) ([]string, error) {
	var ids []string
	if err := json.Unmarshal([]byte(idsJSON), &ids); err != nil {
		return nil, fmt.Errorf("ids must be a JSON array of strings: %w", err)
	}
	return ids, nil
}

func load(ctx contractapi.TransactionContextInterface, id string) (Item, string, error) {
	var it Item
	msp, err := ctx.GetClientIdentity().GetMSPID()
	if err != nil {
		return it, "", err
	}
	b, err := ctx.GetStub().GetState(id)
	if err != nil {
		return it, "", err
	}
	if b == nil {
		return it, "", fmt.Errorf("item %s does not exist", id)
	}
	if err := json.Unmarshal(b, &it); err != nil {
		return it, "", fmt.Errorf("item %s: %w", id, err)
	}
	return it, msp, nil
}

func save(ctx contractapi.TransactionContextInterface, id string, it Item) error {
	b, _ := json.Marshal(it)
	return ctx.GetStub().PutState(id, b)
}

func main() {
	cc, err := contractapi.NewChaincode(&Ref{})
	if err == nil {
		err = ccserver.Run(cc)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "refcc:", err)
		os.Exit(1)
	}
}
