package main

// provnet profiles: network.json and every peer organization's connection
// profiles (connection.json, connection.yaml), computed by package netdesc
// from the network's topology file (the flags of provnet topology).
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
	var tf topologyFlags
	tf.register(fs)
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if tf.consensus != "bft" && tf.consensus != "raft" {
		fmt.Fprintf(os.Stderr, "provnet profiles: -consensus %q is not bft or raft\n", tf.consensus)
		return 2
	}
	_, l, err := tf.load()
	if err != nil {
		fmt.Fprintln(os.Stderr, "provnet profiles:", err)
		return 2
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
