package main

// provnet topology: the network's layout for scripts/network.sh, computed
// by package netdesc from the topology file: `eval "$(provnet topology ...)"`
// sets the organizations' arrays, every port, endpoint, process name and
// path (-format sh). A refused topology or port base is one line on stderr
// naming the file, line and key, exit 2.
//
// provnet topology-add / topology-remove: an organization's line appended
// to (or marked removed: true in) a network's topology copy.
//
// provnet ccaas-package: a chaincode-as-a-service package (metadata.json and
// code.tar.gz holding connection.json) naming a chaincode server.

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"time"

	"github.com/provledger/provenance/network/netdesc"
)

// topologyFlags are the flags that select a network's topology and layout.
type topologyFlags struct {
	home, file, env, def, portBase, repo, bin, consensus string
}

func (f *topologyFlags) register(fs *flag.FlagSet) {
	fs.StringVar(&f.home, "home", os.Getenv("PROV_HOME"), "network home (PROV_HOME)")
	fs.StringVar(&f.file, "file", "", "the topology file (else chosen from -home, -topology and -default)")
	fs.StringVar(&f.env, "topology", "", "PROV_TOPOLOGY: the topology of a network not created yet")
	fs.StringVar(&f.def, "default", "", "the default topology file")
	fs.StringVar(&f.portBase, "port-base", "", "PROV_PORT_BASE (default: the network's, else 7000)")
	fs.StringVar(&f.repo, "repo", "", "repository root")
	fs.StringVar(&f.bin, "bin", "", "Fabric binaries")
	fs.StringVar(&f.consensus, "consensus", "", "bft or raft")
}

// load reads the topology and computes the layout.
func (f *topologyFlags) load() (*netdesc.Topology, netdesc.Layout, error) {
	file := f.file
	if file == "" {
		var err error
		if file, err = netdesc.ChooseTopology(f.home, f.env, f.def); err != nil {
			return nil, netdesc.Layout{}, err
		}
	}
	t, err := netdesc.LoadTopology(file)
	if err != nil {
		return nil, netdesc.Layout{}, err
	}
	base, err := netdesc.PortBase(f.portBase, f.home, t.PortSpan())
	if err != nil {
		return nil, netdesc.Layout{}, err
	}
	return t, netdesc.Layout{Home: f.home, Repo: f.repo, BinDir: f.bin, Consensus: f.consensus,
		Channel: "supplychain", Chaincode: "provenance", PortBase: base, Hosts: t.Hosts, Orgs: t.Specs()}, nil
}

func topologyMain(args []string) int {
	fs := flag.NewFlagSet("topology", flag.ContinueOnError)
	var tf topologyFlags
	tf.register(fs)
	format := fs.String("format", "sh", "sh (bash statements)")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if *format != "sh" {
		fmt.Fprintf(os.Stderr, "-format %q is not sh\n", *format)
		return 2
	}
	t, l, err := tf.load()
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 2
	}
	fmt.Print(netdesc.Shell(t, l))
	return 0
}

// topologyEditMain: topology-add -file F -dir D -role R appends the line of
// a new application organization; topology-remove -file F -dir D marks an
// organization's line removed: true. The result must parse.
func topologyEditMain(remove bool) func([]string) int {
	return func(args []string) int {
		fs := flag.NewFlagSet("topology-edit", flag.ContinueOnError)
		file := fs.String("file", "", "the topology file to change")
		dir := fs.String("dir", "", "the organization's dir name")
		role := fs.String("role", "", "its role (add)")
		if err := fs.Parse(args); err != nil {
			return 2
		}
		t, err := netdesc.LoadTopology(*file)
		if err == nil && *dir == "" {
			err = fmt.Errorf("-dir is required")
		}
		var b []byte
		if err == nil {
			b, err = os.ReadFile(*file)
		}
		if err == nil && remove {
			b, err = netdesc.MarkRemoved(b, t, *dir)
		} else if err == nil {
			var line string
			if line, err = t.AddOrgLine(*dir, *role); err == nil {
				if len(b) > 0 && b[len(b)-1] != '\n' {
					b = append(b, '\n')
				}
				b = append(b, line...)
			}
		}
		if err == nil {
			_, err = netdesc.ParseTopology(*file, b)
		}
		if err == nil {
			err = writeFile(*file, b)
		}
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			return 1
		}
		return 0
	}
}

func writeFile(path string, b []byte) error {
	if err := os.WriteFile(path+".tmp", b, 0o644); err != nil {
		return err
	}
	return os.Rename(path+".tmp", path)
}

// connection is the ccaas package's connection.json: the peer dials the
// chaincode server at Address with mutual TLS; RootCert checks the server,
// ClientCert/Key is the org's ccclient TLS identity (never the peer's own
// TLS key: org admins can download installed packages).
type connection struct {
	Address            string `json:"address"`
	DialTimeout        string `json:"dial_timeout"`
	TLSRequired        bool   `json:"tls_required"`
	ClientAuthRequired bool   `json:"client_auth_required"`
	RootCert           string `json:"root_cert"`
	ClientCert         string `json:"client_cert"`
	ClientKey          string `json:"client_key"`
}

func ccaasPackageMain(args []string) int {
	fs := flag.NewFlagSet("ccaas-package", flag.ContinueOnError)
	out := fs.String("out", "", "the package file to write (.tar.gz)")
	label := fs.String("label", "", "the package label")
	c := connection{DialTimeout: "10s", TLSRequired: true, ClientAuthRequired: true}
	fs.StringVar(&c.Address, "address", "", "the chaincode server's host:port")
	root := fs.String("root-cert", "", "PEM file: the CA of the server's TLS certificate")
	cert := fs.String("client-cert", "", "PEM file: the peer's TLS client certificate")
	key := fs.String("client-key", "", "PEM file: its key")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if *out == "" || *label == "" || c.Address == "" {
		fmt.Fprintln(os.Stderr, "provnet ccaas-package: -out, -label and -address are required")
		return 2
	}
	err := func() error {
		for _, f := range []struct {
			path string
			to   *string
		}{{*root, &c.RootCert}, {*cert, &c.ClientCert}, {*key, &c.ClientKey}} {
			b, err := os.ReadFile(f.path)
			if err != nil {
				return err
			}
			*f.to = string(b)
		}
		conn, err := json.MarshalIndent(c, "", "  ")
		if err != nil {
			return err
		}
		code, err := targz(map[string][]byte{"connection.json": append(conn, '\n')}, "connection.json")
		if err != nil {
			return err
		}
		meta, _ := json.Marshal(map[string]string{"type": "ccaas", "label": *label})
		pkg, err := targz(map[string][]byte{"metadata.json": append(meta, '\n'), "code.tar.gz": code}, "metadata.json", "code.tar.gz")
		if err != nil {
			return err
		}
		return writeFile(*out, pkg)
	}()
	if err != nil {
		fmt.Fprintln(os.Stderr, "provnet ccaas-package:", err)
		return 1
	}
	return 0
}

// targz is a gzipped tar of the files, in the given order, with a fixed
// time (the same inputs give the same bytes).
func targz(files map[string][]byte, order ...string) ([]byte, error) {
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	tw := tar.NewWriter(zw)
	for _, name := range order {
		b := files[name]
		h := &tar.Header{Name: name, Mode: 0o644, Size: int64(len(b)), ModTime: time.Unix(0, 0), Typeflag: tar.TypeReg}
		if err := tw.WriteHeader(h); err != nil {
			return nil, err
		}
		if _, err := tw.Write(b); err != nil {
			return nil, err
		}
	}
	if err := tw.Close(); err != nil {
		return nil, err
	}
	if err := zw.Close(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}
