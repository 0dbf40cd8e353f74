package main

// provnet vote-role: the ledger half of scripts/network.sh add-org and
// remove-org on a local network, where the scripts hold every org admin's
// identity: the first other organization's admin files the proposal
// (chaincode Propose) and the others approve it (ApproveProposal) until a
// majority of the organizations with roles has, each through its own
// gateway. On a real network each admin votes with `prov org approve`.
//
//	provnet vote-role -home PROV_HOME -kind add|remove -msp MSPID [-role ROLE] [-handover MSPID]

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/hyperledger/fabric-gateway/pkg/client"

	"github.com/provledger/provenance/network/netdesc"
)

// proposal is the part of the chaincode's Proposal record this tool reads.
type proposal struct {
	ID      string `json:"id"`
	Status  string `json:"status"`
	Outcome string `json:"outcome"`
}

func voteRoleMain(args []string) int {
	fs := flag.NewFlagSet("vote-role", flag.ContinueOnError)
	home := fs.String("home", os.Getenv("PROV_HOME"), "network home (PROV_HOME)")
	kind := fs.String("kind", "", "add (give an organization its role) or remove")
	msp := fs.String("msp", "", "the organization's MSP ID")
	role := fs.String("role", "", "its role (add)")
	handover := fs.String("handover", "", "remove: hand its items to this MSP (default: frozen until a majority decides)")
	timeout := fs.Duration("timeout", 90*time.Second, "how long the votes may take")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	var ckind string
	var payload any
	switch *kind {
	case "add":
		ckind, payload = "add-org", map[string]string{"role": *role}
	case "remove":
		ckind = "remove-org"
		if *handover != "" {
			payload = map[string]string{"items": "handover", "to": *handover}
		} else {
			payload = map[string]string{"items": "freeze"}
		}
	}
	if ckind == "" || *msp == "" || (*kind == "add" && *role == "") {
		fmt.Fprintln(os.Stderr, "usage: provnet vote-role -home PROV_HOME -kind add|remove -msp MSPID [-role ROLE] [-handover MSPID]")
		return 2
	}
	n, err := netdesc.Load(*home)
	if err != nil {
		fmt.Fprintln(os.Stderr, "provnet:", err)
		return 1
	}
	ctx, cancel := context.WithTimeout(context.Background(), *timeout)
	defer cancel()
	if err := voteRole(ctx, n, ckind, *msp, payload); err != nil {
		fmt.Fprintln(os.Stderr, "provnet: vote-role:", err)
		return 1
	}
	return 0
}

// voteRole files the proposal as the first voter and approves it with the
// others, in topology order, until it is decided.
func voteRole(ctx context.Context, n *netdesc.Network, kind, msp string, payload any) error {
	arg, err := json.Marshal(payload)
	if err != nil {
		return err
	}
	var voters []string
	for _, o := range n.Orgs {
		if o.Peer != nil && o.Role != "" && o.MSP != msp {
			voters = append(voters, o.Dir)
		}
	}
	if len(voters) == 0 {
		return errors.New("no organization can vote")
	}
	var p proposal
	for i, org := range voters {
		fn, fargs := "ApproveProposal", []string{p.ID}
		if i == 0 {
			fn, fargs = "Propose", []string{kind, msp, string(arg)}
		}
		res, err := submitAs(ctx, n, org, fn, fargs...)
		// The next org's peer may not have committed the proposal's block
		// yet (each submit waits for its own gateway's peer only): NOT_FOUND
		// there, or endorsers at different heights answering differently
		// ("ProposalResponsePayloads do not match"; nothing was submitted),
		// or a vote endorsed on stale state and invalidated (MVCC).
		for err != nil && i > 0 && behind(errText(err)) && ctx.Err() == nil {
			time.Sleep(200 * time.Millisecond)
			res, err = submitAs(ctx, n, org, fn, fargs...)
		}
		if err != nil {
			return fmt.Errorf("%s as %s's admin: %s", fn, org, errText(err))
		}
		if err := json.Unmarshal(res, &p); err != nil {
			return fmt.Errorf("%s answered %q: %w", fn, res, err)
		}
		fmt.Fprintf(os.Stderr, "provnet: %s %s by %s's admin: %s\n", fn, p.ID, org, p.Status)
		switch p.Status {
		case "APPROVED":
			return nil
		case "PENDING":
		default:
			return fmt.Errorf("proposal %s is %s: %s", p.ID, p.Status, p.Outcome)
		}
	}
	return fmt.Errorf("proposal %s is still %s after every organization's approval", p.ID, p.Status)
}

func submitAs(ctx context.Context, n *netdesc.Network, org, fn string, args ...string) ([]byte, error) {
	c, err := connect(n, org)
	if err != nil {
		return nil, err
	}
	defer c.Close()
	return c.GetNetwork(n.Channel).GetContract(n.Chaincode).SubmitWithContext(ctx, fn, client.WithArguments(args...))
}

// behind reports whether an endorsement failed because some peer has not
// committed the previous vote yet, or the vote was endorsed on such a
// peer's stale state and invalidated at commit (MVCC_READ_CONFLICT: nothing
// of it was applied, so voting again is safe).
func behind(e string) bool {
	return strings.Contains(e, "NOT_FOUND") || strings.Contains(e, "ProposalResponsePayloads do not match") ||
		strings.Contains(e, "MVCC_READ_CONFLICT")
}
