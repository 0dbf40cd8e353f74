package netdesc

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
)

// OffExtraCC is the port offset of an extra chaincode's server (network.sh
// define NAME --source PKG): one per network.
const OffExtraCC = 9

// DefaultPortBase is the port base of a network when none is given.
const DefaultPortBase = 7000

// ChooseTopology is the topology file of the network in home: its copy
// there (home/topology.yaml) when the network exists, and then env (the
// PROV_TOPOLOGY the caller was given) must be empty or the same content;
// else env, else def.
func ChooseTopology(home, env, def string) (string, error) {
	cp := filepath.Join(home, "topology.yaml")
	have, err := os.ReadFile(cp)
	if err != nil {
		if env != "" {
			return env, nil
		}
		return def, nil
	}
	if env != "" {
		b, err := os.ReadFile(env)
		if err != nil || !bytes.Equal(b, have) {
			return "", fmt.Errorf("%s holds a network of another topology than PROV_TOPOLOGY=%s; run 'scripts/network.sh clean' first", home, env)
		}
	}
	return cp, nil
}

// PortBase is the port base for a network of span ports: s (PROV_PORT_BASE)
// when given, else the one home's network.json records, else
// DefaultPortBase; it must leave the whole span below 65536.
func PortBase(s, home string, span int) (int, error) {
	if s == "" {
		s = strconv.Itoa(DefaultPortBase)
		if b, err := os.ReadFile(filepath.Join(home, FileName)); err == nil {
			var n struct {
				PortBase int `json:"portBase"`
			}
			if json.Unmarshal(b, &n) == nil && n.PortBase > 0 {
				s = strconv.Itoa(n.PortBase)
			}
		}
	}
	b, err := strconv.Atoi(s)
	if err != nil || strings.TrimLeft(s, "0123456789") != "" || b < 1024 || b+span > 65535 {
		return 0, fmt.Errorf("PROV_PORT_BASE must be a number between 1024 and %d (got '%s')", 65535-span, s)
	}
	return b, nil
}

// Host is the host by which others reach org i's node at port offset off:
// 127.0.0.1, or with one host per organization the name its TLS
// certificate carries.
func (l *Layout) Host(dir string, off int) string {
	if l.Hosts != HostsNetns {
		return "127.0.0.1"
	}
	switch off {
	case OffCA, OffCAOps:
		return CAName(dir)
	case OffOrderer, OffOrdAdmin, OffOrdOps:
		return OrdererName(dir)
	case OffCCServer, OffExtraCC:
		return CCName(dir)
	}
	return PeerName(dir)
}

// BindHost is the address org i's processes listen on.
func (l *Layout) BindHost(i int) string {
	if l.Hosts == HostsNetns {
		return l.OrgIP(i)
	}
	return "127.0.0.1"
}

// NetPrefix is the first three octets of the bridge's /24 in netns mode.
func (l *Layout) NetPrefix() string {
	return fmt.Sprintf("10.%d.%d", l.PortBase/256%256, l.PortBase%256)
}

// OrgIP is org i's address on the bridge in netns mode.
func (l *Layout) OrgIP(i int) string { return fmt.Sprintf("%s.%d", l.NetPrefix(), 10+i) }

// Netns, Bridge and Veth name the netns mode's namespaces, bridge and links.
func (l *Layout) Netns(dir string) string { return fmt.Sprintf("prov%d-%s", l.PortBase, dir) }
func (l *Layout) Bridge() string          { return fmt.Sprintf("provbr%d", l.PortBase) }
func (l *Layout) Veth(i int) string       { return fmt.Sprintf("pv%dx%d", l.PortBase, i) }

// shellQuote is s as one bash word.
func shellQuote(s string) string { return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'" }

// Shell is the topology's layout as bash statements for scripts/network.sh
// to eval (global variables; see scripts/lib/common.sh for their meaning):
// every organization's fields, ports, endpoints, names and paths, the
// process list and, for netns mode, the namespaces and the /etc/hosts block.
func Shell(t *Topology, l Layout) string {
	var b strings.Builder
	scalar := func(k, v string) { fmt.Fprintf(&b, "declare -g %s=%s\n", k, shellQuote(v)) }
	array := func(k string, vs []string) {
		q := make([]string, len(vs))
		for i, v := range vs {
			q[i] = shellQuote(v)
		}
		fmt.Fprintf(&b, "declare -ga %s=(%s)\n", k, strings.Join(q, " "))
	}
	assoc := func(k string, m map[string]string) {
		keys := make([]string, 0, len(m))
		for k := range m {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		fmt.Fprintf(&b, "declare -gA %s=(", k)
		for i, k := range keys {
			if i > 0 {
				b.WriteByte(' ')
			}
			fmt.Fprintf(&b, "[%s]=%s", shellQuote(k), shellQuote(m[k]))
		}
		b.WriteString(")\n")
	}
	scalar("TOPOLOGY_FILE", t.File)
	scalar("TOPOLOGY_CONSENSUS", t.Consensus)
	scalar("TOPOLOGY_HOSTS", l.Hosts)
	scalar("PROV_PORT_BASE", strconv.Itoa(l.PortBase))
	scalar("PORT_SPAN", strconv.Itoa(t.PortSpan()))
	scalar("CHANNEL", l.Channel)
	scalar("CC_NAME", l.Chaincode)
	scalar("CA_ADMIN_PW", CAAdminPassword) // the registrar provnet ca-config writes

	col := map[string][]string{}
	add := func(k, v string) { col[k] = append(col[k], v) }
	yes := func(b bool) string {
		if b {
			return "1"
		}
		return "0"
	}
	var all, peers, orderers, procs []string
	procPorts, portHost := map[string]string{}, map[string]string{}
	var hosts []string
	offs := []struct {
		key string
		off int
	}{{"CA", OffCA}, {"CA_OPS", OffCAOps}, {"ORD", OffOrderer}, {"ORD_ADMIN", OffOrdAdmin}, {"ORD_OPS", OffOrdOps},
		{"PEER", OffPeer}, {"PEER_CC", OffPeerCC}, {"PEER_OPS", OffPeerOps}, {"CC", OffCCServer}, {"XCC", OffExtraCC}}
	for i, o := range t.Orgs {
		is := strconv.Itoa(i)
		add("ORG_DIRS", o.Dir)
		add("ORG_NAMES", o.Name)
		add("ORG_MSPS", o.MSP)
		add("ORG_ROLES", o.Role)
		add("ORG_BADROLES", BadRole(o.Role))
		add("ORG_PEER", yes(o.Peer && !o.Removed))
		add("ORG_ORDERER", yes(o.Orderer && !o.Removed))
		add("ORG_HOME", OrgHome(l.Home, o.Dir))
		add("BIND", l.BindHost(i))
		add("ORG_IP", l.OrgIP(i))
		add("NETNS", l.Netns(o.Dir))
		add("VETH", l.Veth(i))
		add("N_CA", CAName(o.Dir))
		add("N_ORD", OrdererName(o.Dir))
		add("N_PEER", PeerName(o.Dir))
		add("N_CC", CCName(o.Dir))
		for _, f := range offs {
			p := l.Port(i, f.off)
			add("P_"+f.key, strconv.Itoa(p))
			add("EP_"+f.key, l.Host(o.Dir, f.off)+":"+strconv.Itoa(p))
		}
		if o.Removed {
			continue
		}
		all = append(all, is)
		if o.Peer {
			peers = append(peers, is)
		}
		if o.Orderer {
			orderers = append(orderers, is)
		}
		ports := func(name string, offs ...int) {
			var ps []string
			for _, off := range offs {
				p := strconv.Itoa(l.Port(i, off))
				ps = append(ps, p)
				portHost[p] = l.BindHost(i)
			}
			procPorts[name] = strings.Join(ps, " ")
		}
		ports(CAName(o.Dir), OffCA, OffCAOps)
		if o.Orderer {
			ports(OrdererName(o.Dir), OffOrderer, OffOrdAdmin, OffOrdOps)
		}
		if o.Peer {
			ports(PeerName(o.Dir), OffPeer, OffPeerCC, OffPeerOps)
			ports(CCName(o.Dir), OffCCServer)
			portHost[strconv.Itoa(l.Port(i, OffExtraCC))] = l.BindHost(i)
		}
		d := o.Dir
		hosts = append(hosts, fmt.Sprintf("%s ca.%s.prov tlsca.%s.prov orderer0.%s.prov peer0.%s.prov cc.%s.prov", l.OrgIP(i), d, d, d, d, d))
	}
	for _, k := range []string{"ORG_DIRS", "ORG_NAMES", "ORG_MSPS", "ORG_ROLES", "ORG_BADROLES", "ORG_PEER", "ORG_ORDERER", "ORG_HOME",
		"BIND", "ORG_IP", "NETNS", "VETH", "N_CA", "N_ORD", "N_PEER", "N_CC"} {
		array(k, col[k])
	}
	for _, f := range offs {
		array("P_"+f.key, col["P_"+f.key])
		array("EP_"+f.key, col["EP_"+f.key])
	}
	array("ALL_ORGS", all)
	array("PEER_ORGS", peers)
	array("ORDERER_ORGS", orderers)
	// Every process, in start order: CAs, ordering nodes, peers, chaincode
	// servers.
	for _, set := range []struct {
		orgs []string
		key  string
	}{{all, "N_CA"}, {orderers, "N_ORD"}, {peers, "N_PEER"}, {peers, "N_CC"}} {
		for _, is := range set.orgs {
			i, _ := strconv.Atoi(is)
			procs = append(procs, col[set.key][i])
		}
	}
	array("PROCS", procs)
	assoc("PROC_PORTS", procPorts)
	assoc("PORT_HOST", portHost)
	scalar("NET_PREFIX", l.NetPrefix())
	scalar("BRIDGE", l.Bridge())
	scalar("HOSTS_BEGIN", "# BEGIN prov network "+l.Home)
	scalar("HOSTS_END", "# END prov network "+l.Home)
	array("HOSTS_LINES", hosts)
	return b.String()
}
