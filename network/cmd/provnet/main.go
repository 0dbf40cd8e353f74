// Command provnet is the network scripts' Go helper. It owns the network's
// layout: it parses the topology file and gives scripts/network.sh every
// port, endpoint, name and path (provnet topology), writes the network's
// description (network.json and the connection profiles, package netdesc)
// and the ccaas packages' connection.json,
// reads a node's metrics, waits until every peer organization's gateway can
// collect an endorsement from the peers of all peer organizations
// (discovery knows every other peer and every chaincode server answers) and
// gets the deployment's role set approved by a majority of the
// organizations it names (each org admin's InitOrgRoles). A MAJORITY
// endorsement is not enough for readiness: transitions such as accepting an
// offer need two named organizations, and right after the channel is joined
// gossip may know only some of them for several seconds.
//
//	provnet topology -home PROV_HOME [-file F | -topology F -default F] [-port-base N] [-format sh]
//	provnet profiles -home PROV_HOME -file F -port-base N -consensus bft|raft [-repo DIR] [-bin DIR]
//	provnet topology-add -file F -dir D -role R | topology-remove -file F -dir D
//	provnet ccaas-package -out F -label L -address HOST:PORT -root-cert F -client-cert F -client-key F
//	provnet metric -addr HOST:PORT -name NAME [-label KEY=VALUE]...
//	provnet settle -home PROV_HOME [-kind peer] [-timeout 10s]
//	provnet ready -home PROV_HOME [-timeout 60s] [-init-roles]
//	provnet vote-role ... | config-update ...
//	provnet configtx -home PROV_HOME -file F -port-base N -consensus bft|raft [-batch-interval D] [-out F]
//	provnet tuning
//	provnet ca-config -home PROV_HOME -file F -port-base N -org DIR
//	provnet nodeou-config [-ca-cert REL] MSPDIR...
//	provnet enroll -url https://HOST:PORT -tls-cert F [-names C=..,O=..] NAME:SECRET:CANAME:MSPDIR[:PROFILE[:HOSTS[:AS]]]...
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"
	"reflect"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/hyperledger/fabric-gateway/pkg/client"
	"github.com/hyperledger/fabric-protos-go-apiv2/gateway"
	"google.golang.org/grpc/status"

	"github.com/provledger/provenance/chaincode/domain"
	"github.com/provledger/provenance/network/netdesc"
)

const usage = `usage: provnet topology -home PROV_HOME [-file F | -topology F -default F] [-port-base N] [-format sh]
       provnet profiles -home PROV_HOME -file F -port-base N -consensus bft|raft [-repo DIR] [-bin DIR]
       provnet topology-add -file F -dir D -role R | topology-remove -file F -dir D
       provnet ccaas-package -out F -label L -address HOST:PORT -root-cert F -client-cert F -client-key F
       provnet metric -addr HOST:PORT -name NAME [-label KEY=VALUE]...
       provnet settle -home PROV_HOME [-kind peer] [-timeout 10s]
       provnet ready -home PROV_HOME [-timeout 60s] [-init-roles]
       provnet vote-role -home PROV_HOME -kind add|remove -msp MSPID [-role ROLE] [-handover MSPID]
       provnet config-update ...
       provnet configtx -home PROV_HOME -file F -port-base N -consensus bft|raft [-batch-interval D] [-out F]
       provnet tuning
       provnet ca-config -home PROV_HOME -file F -port-base N -org DIR
       provnet nodeou-config [-ca-cert REL] MSPDIR...
       provnet enroll -url https://HOST:PORT -tls-cert F [-names C=..,O=..] NAME:SECRET:CANAME:MSPDIR[:PROFILE[:HOSTS[:AS]]]...`

func main() {
	cmds := map[string]func([]string) int{
		"topology":        topologyMain,
		"topology-add":    topologyEditMain(false),
		"topology-remove": topologyEditMain(true),
		"ccaas-package":   ccaasPackageMain,
		"profiles":        profilesMain,
		"metric":          metricMain,
		"settle":          settleMain,
		"ready":           readyMain,
		"vote-role":       voteRoleMain,
		"config-update":   configUpdateMain,
		"configtx":        configtxMain,
		"tuning":          tuningMain,
		"ca-config":       caConfigMain,
		"nodeou-config":   nodeOUConfigMain,
		"enroll":          enrollMain,
	}
	if len(os.Args) < 2 || cmds[os.Args[1]] == nil {
		fmt.Fprintln(os.Stderr, usage)
		os.Exit(2)
	}
	os.Exit(cmds[os.Args[1]](os.Args[2:]))
}

func readyMain(args []string) int {
	fs := flag.NewFlagSet("ready", flag.ContinueOnError)
	home := fs.String("home", os.Getenv("PROV_HOME"), "network home (PROV_HOME)")
	timeout := fs.Duration("timeout", 60*time.Second, "how long to wait for the gateways")
	initRoles := fs.Bool("init-roles", false, "have each named org's admin approve the deployment's role set (InitOrgRoles) until GetOrgRoles returns it")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if err := run(*home, *timeout, *initRoles); err != nil {
		fmt.Fprintln(os.Stderr, "provnet:", err)
		return 1
	}
	return 0
}

// connect opens a gateway to org's peer as its admin, with bounded calls.
func connect(n *netdesc.Network, org string, opts ...client.ConnectOption) (*netdesc.Gateway, error) {
	return n.Gateway(org, "admin", append([]client.ConnectOption{
		client.WithEvaluateTimeout(10 * time.Second),
		client.WithEndorseTimeout(15 * time.Second),
		client.WithSubmitTimeout(10 * time.Second),
		client.WithCommitStatusTimeout(60 * time.Second),
	}, opts...)...)
}

func run(home string, timeout time.Duration, initRoles bool) error {
	n, err := netdesc.Load(home)
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	var peerMSPs []string
	for _, o := range n.Orgs {
		if o.Peer != nil {
			peerMSPs = append(peerMSPs, o.MSP)
		}
	}
	var (
		wg   sync.WaitGroup
		mu   sync.Mutex
		errs []error
	)
	for _, o := range n.Orgs {
		if o.Peer == nil {
			continue
		}
		wg.Add(1)
		go func(org string) {
			defer wg.Done()
			if err := waitEndorse(ctx, n, org, peerMSPs); err != nil {
				mu.Lock()
				errs = append(errs, err)
				mu.Unlock()
			}
		}(o.Dir)
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		return err
	}
	if initRoles {
		return initOrgRoles(ctx, n)
	}
	return nil
}

// chaincodeAnswered reports whether an endorsement error came from the
// chaincode itself (so discovery and the chaincode servers work) rather than
// from a missing endorsement plan or an unreachable chaincode server.
func chaincodeAnswered(err error) bool {
	s := errText(err)
	return strings.Contains(s, "not found in contract") || strings.Contains(s, "Function ") && strings.Contains(s, "not found")
}

// waitEndorse retries an endorsement of GetOrgRoles by the peers of every org
// in msps through org's gateway until it succeeds.
func waitEndorse(ctx context.Context, n *netdesc.Network, org string, msps []string) error {
	c, err := connect(n, org, client.WithEndorseTimeout(5*time.Second))
	if err != nil {
		return err
	}
	defer c.Close()
	contract := c.GetNetwork(n.Channel).GetContract(n.Chaincode)
	var last error
	for {
		p, err := contract.NewProposal("GetOrgRoles", client.WithEndorsingOrganizations(msps...))
		if err != nil {
			return err
		}
		_, err = p.EndorseWithContext(ctx)
		if err == nil || chaincodeAnswered(err) {
			return nil
		}
		last = err
		select {
		case <-ctx.Done():
			return fmt.Errorf("%s gateway cannot endorse: %s", org, errText(last))
		case <-time.After(200 * time.Millisecond):
		}
	}
}

// errText is the error with the per-peer details the gateway attaches.
func errText(err error) string {
	s := err.Error()
	for _, d := range status.Convert(err).Details() {
		if e, ok := d.(*gateway.ErrorDetail); ok {
			s += "; " + e.GetAddress() + ": " + e.GetMessage()
		}
	}
	return s
}

// deployRoles is the deployment's role set: every peer organization of
// network.json with its role, sorted by MSP.
func deployRoles(n *netdesc.Network) []domain.OrgRole {
	var want []domain.OrgRole
	for _, o := range n.Orgs {
		if o.Peer != nil && o.Role != "" {
			want = append(want, domain.OrgRole{MSP: o.MSP, Role: domain.Role(o.Role)})
		}
	}
	sort.Slice(want, func(i, j int) bool { return want[i].MSP < want[j].MSP })
	return want
}

// initOrgRoles gets the deployment's role set approved: the first role set
// takes effect only when admins of a majority of the organizations it names
// have approved it, each in its own transaction, so each named org's admin
// submits InitOrgRoles (file or approve the set; a no-op for an org that
// already approved) through its own gateway, until GetOrgRoles returns the
// set; then it waits until every org's peer answers the set. Idempotent:
// when the set is in effect nothing is submitted.
//
// An approval refused by the ordering service as "request already
// processed" (SmartBFT, hyperledger/fabric#4415) may still commit, and the
// next org's approval, endorsed before it, then commits as
// MVCC_READ_CONFLICT: such transient failures are retried (the chaincode
// counts an org's approval once).
func initOrgRoles(ctx context.Context, n *netdesc.Network) error {
	want := deployRoles(n)
	arg, _ := json.Marshal(want)
	var errs []error
	for _, o := range n.Orgs {
		if o.Peer == nil || o.Role == "" {
			continue
		}
		for attempt := 1; ; attempt++ {
			done, err := approveRoles(ctx, n, o.Dir, want, string(arg))
			if err == nil && done {
				return waitRoles(ctx, n, want)
			}
			if err == nil {
				break
			}
			if attempt == 5 || !transientSubmit(err) {
				errs = append(errs, fmt.Errorf("%s: %w", o.MSP, err))
				break
			}
			fmt.Fprintf(os.Stderr, "provnet: %s: %v; trying again\n", o.MSP, err)
			select {
			case <-ctx.Done():
				return errors.Join(append(errs, ctx.Err())...)
			case <-time.After(time.Duration(attempt) * time.Second):
			}
		}
	}
	if len(errs) > 0 {
		return errors.Join(errs...)
	}
	return fmt.Errorf("the role set is not in effect after every named org's admin approved it")
}

// transientSubmit: a submit whose outcome a new attempt settles (a read
// conflict, or an ordering-service refusal of a transaction it may still
// order).
func transientSubmit(err error) bool {
	s := errText(err)
	return strings.Contains(s, "MVCC_READ_CONFLICT") || strings.Contains(s, "PHANTOM_READ_CONFLICT") ||
		strings.Contains(s, "request already processed") || strings.Contains(s, "code = Unavailable")
}

// waitRoles waits until every org's peer answers GetOrgRoles with the set:
// the approval that completed it committed on its submitter's peer, and the
// first act after `up` may go through another org's peer.
func waitRoles(ctx context.Context, n *netdesc.Network, want []domain.OrgRole) error {
	for _, o := range n.Orgs {
		if o.Peer == nil {
			continue
		}
		c, err := connect(n, o.Dir)
		if err != nil {
			return err
		}
		contract := c.GetNetwork(n.Channel).GetContract(n.Chaincode)
		for {
			res, err := contract.EvaluateWithContext(ctx, "GetOrgRoles")
			if err == nil {
				if have, derr := decodeRoles(res); derr == nil && reflect.DeepEqual(have, want) {
					break
				}
			}
			select {
			case <-ctx.Done():
				c.Close()
				return fmt.Errorf("%s's peer does not answer the role set in time: %v", o.MSP, err)
			case <-time.After(100 * time.Millisecond):
			}
		}
		c.Close()
	}
	return nil
}

// approveRoles submits InitOrgRoles as org's admin unless the set is
// already in effect; it reports whether the set is in effect afterwards.
func approveRoles(ctx context.Context, n *netdesc.Network, org string, want []domain.OrgRole, arg string) (bool, error) {
	c, err := connect(n, org)
	if err != nil {
		return false, err
	}
	defer c.Close()
	contract := c.GetNetwork(n.Channel).GetContract(n.Chaincode)
	res, err := contract.EvaluateWithContext(ctx, "GetOrgRoles")
	if err != nil {
		if chaincodeAnswered(err) {
			fmt.Fprintln(os.Stderr, "provnet: warning: the chaincode has no GetOrgRoles yet; InitOrgRoles skipped")
			return true, nil
		}
		return false, fmt.Errorf("evaluate GetOrgRoles: %w", err)
	}
	have, err := decodeRoles(res)
	if err != nil {
		return false, err
	}
	if reflect.DeepEqual(have, want) {
		fmt.Fprintln(os.Stderr, "provnet: org roles already in effect")
		return true, nil
	}
	if len(have) > 0 {
		return false, fmt.Errorf("the ledger's org roles %v differ from the deployment's %v", have, want)
	}
	res, err = contract.SubmitWithContext(ctx, "InitOrgRoles", client.WithArguments(arg))
	if err != nil {
		if chaincodeAnswered(err) {
			fmt.Fprintln(os.Stderr, "provnet: warning: the chaincode has no InitOrgRoles yet; skipped")
			return true, nil
		}
		return false, fmt.Errorf("submit InitOrgRoles: %s", errText(err))
	}
	have, err = decodeRoles(res)
	if err != nil {
		return false, err
	}
	fmt.Fprintf(os.Stderr, "provnet: InitOrgRoles approved by %s's admin\n", org)
	return reflect.DeepEqual(have, want), nil
}

func decodeRoles(res []byte) ([]domain.OrgRole, error) {
	var have []domain.OrgRole
	if len(res) > 0 && string(res) != "null" {
		if err := json.Unmarshal(res, &have); err != nil {
			return nil, fmt.Errorf("org roles answer %q: %w", res, err)
		}
	}
	sort.Slice(have, func(i, j int) bool { return have[i].MSP < have[j].MSP })
	if have == nil {
		have = []domain.OrgRole{}
	}
	return have, nil
}
