package main

// provnet configtx / ca-config / nodeou-config: the network's generated
// configuration files (package netdesc builds them as Go values and
// marshals them with yaml.v3).
//
//	provnet configtx -home H -file F -port-base N -consensus bft|raft [-batch-interval 50ms] [-out F]
//	provnet tuning
//	provnet ca-config -home H -file F -port-base N -org DIR
//	provnet nodeou-config [-ca-cert cacerts/ca.pem] MSPDIR...

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"sort"

	"github.com/provledger/provenance/network/netdesc"
)

func configtxMain(args []string) int {
	fs := flag.NewFlagSet("configtx", flag.ContinueOnError)
	var tf topologyFlags
	tf.register(fs)
	batch := fs.String("batch-interval", "", "SmartBFT RequestBatchMaxInterval (default: PROV_BFT_BATCH_INTERVAL, else "+netdesc.DefaultBatchInterval+")")
	out := fs.String("out", "", "the file to write (default: standard output)")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	_, l, err := tf.load()
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 2
	}
	// The ordering settings come from the tuning knobs (netdesc.Knobs).
	ord, err := netdesc.OrderingFromEnv(os.Getenv)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 2
	}
	if *batch != "" {
		ord.BatchInterval = *batch
	}
	b, err := netdesc.ConfigtxYAML(l, tf.consensus, ord)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 2
	}
	return emit(*out, b)
}

// tuningMain checks every tuning knob of the environment (netdesc.Knobs)
// and prints the node settings they give as shell assignments for
// scripts/network.sh; a badly spelled knob exits 2 naming it.
func tuningMain(args []string) int {
	if len(args) > 0 {
		fmt.Fprintln(os.Stderr, "provnet tuning takes no arguments; it reads the knobs:")
		for _, k := range netdesc.Knobs {
			fmt.Fprintf(os.Stderr, "  %s (%s, default %s)\n", k.Env, k.Setting, k.Default)
		}
		return 2
	}
	s, err := netdesc.NodeTuning(os.Getenv)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 2
	}
	fmt.Print(s)
	return 0
}

// emit writes b to path, or to standard output when path is "".
func emit(path string, b []byte) int {
	var err error
	if path == "" {
		_, err = os.Stdout.Write(b)
	} else {
		err = writeFile(path, b)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "provnet:", err)
		return 1
	}
	return 0
}

// caConfigMain writes org DIR's two CA configurations: <org home>/ca/
// fabric-ca-server-config.yaml (the identity CA) and ca/tlsca/ (the TLS CA).
func caConfigMain(args []string) int {
	fs := flag.NewFlagSet("ca-config", flag.ContinueOnError)
	var tf topologyFlags
	tf.register(fs)
	dir := fs.String("org", "", "the organization's dir")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	_, l, err := tf.load()
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 2
	}
	for _, s := range l.Orgs {
		if s.Dir != *dir {
			continue
		}
		home := filepath.Join(netdesc.OrgHome(l.Home, s.Dir), "ca")
		if err := os.MkdirAll(filepath.Join(home, "tlsca"), 0o755); err != nil {
			fmt.Fprintln(os.Stderr, "provnet:", err)
			return 1
		}
		for _, tls := range []bool{true, false} {
			b, err := netdesc.CAConfigYAML(l, s, tls)
			if err != nil {
				fmt.Fprintln(os.Stderr, "provnet:", err)
				return 1
			}
			p := filepath.Join(home, "fabric-ca-server-config.yaml")
			if tls {
				p = filepath.Join(home, "tlsca", "fabric-ca-server-config.yaml")
			}
			if rc := emit(p, b); rc != 0 {
				return rc
			}
		}
		return 0
	}
	fmt.Fprintf(os.Stderr, "provnet ca-config: no organization '%s' in %s\n", *dir, tf.file)
	return 2
}

// nodeOUConfigMain writes MSPDIR/config.yaml (NodeOUs) for each MSP dir;
// the CA certificate is -ca-cert, else the dir's first cacerts/*.pem.
func nodeOUConfigMain(args []string) int {
	fs := flag.NewFlagSet("nodeou-config", flag.ContinueOnError)
	caCert := fs.String("ca-cert", "", "the CA certificate, relative to the MSP dir (default: its first cacerts/*.pem)")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if fs.NArg() == 0 {
		fmt.Fprintln(os.Stderr, "provnet nodeou-config: name at least one MSP dir")
		return 2
	}
	for _, msp := range fs.Args() {
		ca := *caCert
		if ca == "" {
			m, _ := filepath.Glob(filepath.Join(msp, "cacerts", "*.pem"))
			sort.Strings(m)
			if len(m) == 0 {
				fmt.Fprintf(os.Stderr, "provnet nodeou-config: %s has no cacerts/*.pem\n", msp)
				return 1
			}
			ca = "cacerts/" + filepath.Base(m[0])
		}
		b, err := netdesc.NodeOUConfig(ca)
		if err != nil {
			fmt.Fprintln(os.Stderr, "provnet:", err)
			return 1
		}
		if rc := emit(filepath.Join(msp, "config.yaml"), b); rc != 0 {
			return rc
		}
	}
	return 0
}
