package main

// provnet profiles: network.json and every peer organization's connection
// profiles (connection.json, connection.yaml), computed by package netdesc
// from the topology's organizations (-org, one per organization in port
// order; scripts/network.sh passes what it read from the topology file).
//
// provnet metric: one value from a node's Prometheus operations endpoint;
// prints it, or exits 1 (the scripts poll with it).

import (
	"context"
	"flag"
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/provledger/provenance/network/netdesc"
)

// multi is a repeatable string flag.
type multi []string

func (m *multi) String() string     { return strings.Join(*m, " ") }
func (m *multi) Set(v string) error { *m = append(*m, v); return nil }

func profilesMain(args []string) int {
	fs := flag.NewFlagSet("profiles", flag.ContinueOnError)
	l := netdesc.Layout{}
	var orgs multi
	fs.StringVar(&l.Home, "home", os.Getenv("PROV_HOME"), "network home (PROV_HOME)")
	fs.StringVar(&l.Repo, "repo", "", "repository root")
	fs.StringVar(&l.BinDir, "bin", "", "Fabric binaries")
	fs.StringVar(&l.Consensus, "consensus", "", "bft or raft")
	fs.StringVar(&l.Channel, "channel", "supplychain", "channel name")
	fs.StringVar(&l.Chaincode, "chaincode", "provenance", "chaincode name")
	fs.IntVar(&l.PortBase, "port-base", 0, "port base (PROV_PORT_BASE)")
	fs.StringVar(&l.Hosts, "hosts", netdesc.HostsDefault, "loopback or netns")
	fs.Var(&orgs, "org", "an organization: index=I,dir=D,name=N,msp=M,role=R,peer=true|false,orderer=true|false (repeat)")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if l.Consensus != "bft" && l.Consensus != "raft" {
		fmt.Fprintf(os.Stderr, "provnet profiles: -consensus %q is not bft or raft\n", l.Consensus)
		return 2
	}
	for _, s := range orgs {
		o, err := netdesc.ParseOrgSpec(s)
		if err != nil {
			fmt.Fprintln(os.Stderr, "provnet profiles:", err)
			return 2
		}
		l.Orgs = append(l.Orgs, o)
	}
	n, err := netdesc.Describe(l)
	if err == nil {
		err = n.WriteFiles()
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "provnet profiles:", err)
		return 1
	}
	return 0
}

func metricMain(args []string) int {
	fs := flag.NewFlagSet("metric", flag.ContinueOnError)
	addr := fs.String("addr", "", "operations endpoint host:port")
	name := fs.String("name", "", "metric name")
	timeout := fs.Duration("timeout", 2*time.Second, "how long the scrape may take")
	var labels multi
	fs.Var(&labels, "label", "KEY=VALUE the sample must carry (repeat)")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	want := map[string]string{}
	for _, kv := range labels {
		k, v, ok := strings.Cut(kv, "=")
		if !ok || k == "" {
			fmt.Fprintf(os.Stderr, "provnet metric: -label %q is not KEY=VALUE\n", kv)
			return 2
		}
		want[k] = v
	}
	if *addr == "" || *name == "" {
		fmt.Fprintln(os.Stderr, "provnet metric: -addr and -name are required")
		return 2
	}
	ctx, cancel := context.WithTimeout(context.Background(), *timeout)
	defer cancel()
	v, err := netdesc.Metric(ctx, *addr, *name, want)
	if err != nil {
		fmt.Fprintln(os.Stderr, "provnet metric:", err)
		return 1
	}
	fmt.Println(strconv.FormatFloat(v, 'f', -1, 64))
	return 0
}

// settleMain: provnet settle -home PROV_HOME [-kind peer] [-timeout 10s]
// waits until every node of the kind reports the same block height of the
// channel and prints it; exit 1 (with the heights seen) when they do not
// agree in time.
func settleMain(args []string) int {
	fs := flag.NewFlagSet("settle", flag.ContinueOnError)
	home := fs.String("home", os.Getenv("PROV_HOME"), "network home (PROV_HOME)")
	kind := fs.String("kind", "peer", "peer or orderer")
	timeout := fs.Duration("timeout", 10*time.Second, "how long to wait")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	n, err := netdesc.Load(*home)
	if err != nil {
		fmt.Fprintln(os.Stderr, "provnet settle:", err)
		return 1
	}
	ctx, cancel := context.WithTimeout(context.Background(), *timeout)
	defer cancel()
	h, err := n.WaitSameHeight(ctx, n.Nodes(*kind)...)
	if err != nil {
		fmt.Fprintln(os.Stderr, "provnet settle:", err)
		return 1
	}
	fmt.Println(h)
	return 0
}
