package netdesc

import (
	"bytes"
	"fmt"
	"os"
	"regexp"
	"strings"
)

// Topology is a topology file (network/topology.yaml and its kind): the
// default consensus, where the organizations' processes live, and one
// organization per line in port order. The file is YAML restricted to one
// flow mapping per organization per line; Parse reads exactly that subset
// and names the file, line and key of anything else.
type Topology struct {
	File      string
	Consensus string // "", bft or raft (the network's default)
	Hosts     string // loopback or netns
	// Orgs are every organization line, removed ones too: org i is line
	// i's, and it owns ports PortBase + PortSpan*i + offset.
	Orgs []TopologyOrg
}

// TopologyOrg is one organization line.
type TopologyOrg struct {
	Dir, Name, MSP, Role string
	Peer, Orderer        bool
	// Removed: taken off the channel (scripts/network.sh remove-org); it
	// keeps its index, so that the others keep their ports, and takes no
	// further part.
	Removed bool
	Line    int
}

// Roles an organization running a peer may have.
var roles = map[string]bool{"manufacturer": true, "distributor": true, "customs": true}

// BadRole is the role the test identity badrole of an organization with
// role wrongly carries (another organization's), or "".
func BadRole(role string) string {
	return map[string]string{"manufacturer": "distributor", "distributor": "customs", "customs": "manufacturer"}[role]
}

var (
	reConsensus = regexp.MustCompile(`^consensus:\s*([a-z]*)\s*$`)
	reHosts     = regexp.MustCompile(`^hosts:\s*([a-z]*)\s*$`)
	reOrgs      = regexp.MustCompile(`^orgs:\s*$`)
	reOrgLine   = regexp.MustCompile(`^\s+-\s*\{(.*)\}\s*$`)
	reKeyValue  = regexp.MustCompile(`^\s*([a-z]+):\s*("[^"]*"|\S*)\s*$`)
	reDir       = regexp.MustCompile(`^[a-z][a-z0-9]*$`)
	reName      = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9]*$`)
)

// LoadTopology reads and parses a topology file.
func LoadTopology(path string) (*Topology, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("topology file '%s' not found", path)
	}
	return ParseTopology(path, b)
}

// ParseTopology parses a topology file's content; name is the file named in
// errors ("NAME line N: ...").
func ParseTopology(name string, b []byte) (*Topology, error) {
	t := &Topology{File: name, Hosts: HostsDefault}
	lines := strings.Split(string(b), "\n")
	if len(lines) > 0 && lines[len(lines)-1] == "" {
		lines = lines[:len(lines)-1]
	}
	for n, line := range lines {
		n++
		errf := func(format string, a ...any) error {
			return fmt.Errorf("%s line %d: %s", name, n, fmt.Sprintf(format, a...))
		}
		line, _, _ = strings.Cut(line, "#")
		if strings.TrimSpace(line) == "" || reOrgs.MatchString(line) {
			continue
		}
		if m := reConsensus.FindStringSubmatch(line); m != nil {
			t.Consensus = m[1]
			continue
		}
		if m := reHosts.FindStringSubmatch(line); m != nil {
			if m[1] != HostsDefault && m[1] != HostsNetns {
				return nil, errf("hosts '%s' is not loopback or netns", m[1])
			}
			t.Hosts = m[1]
			continue
		}
		m := reOrgLine.FindStringSubmatch(line)
		if m == nil {
			return nil, errf("expected '  - {dir: ..., name: ..., msp: ..., role: ..., peer: true|false, orderer: true|false}'")
		}
		o := TopologyOrg{Role: "-", Line: n}
		var peer, orderer, removed string = "", "", "false"
		for _, kv := range splitFields(m[1]) {
			m := reKeyValue.FindStringSubmatch(kv)
			if m == nil {
				return nil, errf("cannot read '%s' (want key: value)", kv)
			}
			v := strings.TrimSuffix(strings.TrimPrefix(m[2], `"`), `"`)
			switch m[1] {
			case "dir":
				o.Dir = v
			case "name":
				o.Name = v
			case "msp":
				o.MSP = v
			case "role":
				o.Role = v
			case "peer":
				peer = v
			case "orderer":
				orderer = v
			case "removed":
				removed = v
			default:
				return nil, errf("unknown key '%s'", m[1])
			}
		}
		switch {
		case !reDir.MatchString(o.Dir):
			return nil, errf("dir '%s' must be lower-case letters and digits", o.Dir)
		case !reName.MatchString(o.Name):
			return nil, errf("name '%s' must be letters and digits", o.Name)
		case !reName.MatchString(o.MSP):
			return nil, errf("msp '%s' must be letters and digits", o.MSP)
		case o.Role != "" && !roles[o.Role]:
			return nil, errf(`role '%s' is not manufacturer, distributor, customs or ""`, o.Role)
		}
		var err error
		for _, f := range []struct {
			key, v string
			to     *bool
		}{{"peer", peer, &o.Peer}, {"orderer", orderer, &o.Orderer}, {"removed", removed, &o.Removed}} {
			switch f.v {
			case "true":
				*f.to = true
			case "false":
			default:
				err = errf("%s must be true or false", f.key)
			}
			if err != nil {
				return nil, err
			}
		}
		if o.Peer && o.Role == "" {
			return nil, errf("%s runs a peer, so it needs a role", o.Dir)
		}
		if !o.Peer && !o.Orderer {
			return nil, errf("%s runs neither a peer nor an ordering node", o.Dir)
		}
		for _, e := range t.Orgs {
			if e.Dir == o.Dir || e.MSP == o.MSP || e.Name == o.Name {
				return nil, errf("dir, name or msp repeats an earlier organization")
			}
		}
		t.Orgs = append(t.Orgs, o)
	}
	var peers, orderers int
	for _, o := range t.Orgs {
		if o.Removed {
			continue
		}
		if o.Peer {
			peers++
		}
		if o.Orderer {
			orderers++
		}
	}
	switch {
	case peers == 0:
		return nil, fmt.Errorf("%s: no organization runs a peer", name)
	case orderers == 0:
		return nil, fmt.Errorf("%s: no organization runs an ordering node", name)
	case t.Consensus != "" && t.Consensus != "bft" && t.Consensus != "raft":
		return nil, fmt.Errorf("%s: consensus '%s' is not bft or raft", name, t.Consensus)
	}
	return t, nil
}

// splitFields splits a flow mapping's body at commas as bash's
// `IFS=, read -ra` does: no field for an empty body, none for one trailing
// comma.
func splitFields(body string) []string {
	if body == "" {
		return nil
	}
	return strings.Split(strings.TrimSuffix(body, ","), ",")
}

// Specs are the organizations that take part (not removed), with their
// indexes.
func (t *Topology) Specs() []OrgSpec {
	var out []OrgSpec
	for i, o := range t.Orgs {
		if !o.Removed {
			out = append(out, OrgSpec{Index: i, Dir: o.Dir, Name: o.Name, MSP: o.MSP, Role: o.Role, Peer: o.Peer, Orderer: o.Orderer})
		}
	}
	return out
}

// PortSpan is how many ports a network of the topology uses.
func (t *Topology) PortSpan() int { return PortSpan * len(t.Orgs) }

// AddOrgLine is the topology line of a new application organization dir
// with role (name <Dir>Org, MSP <Dir>MSP) and refuses a dir, name or MSP
// the topology has or had.
func (t *Topology) AddOrgLine(dir, role string) (string, error) {
	c := strings.ToUpper(dir[:1]) + dir[1:]
	o := TopologyOrg{Dir: dir, Name: c + "Org", MSP: c + "MSP", Role: role, Peer: true}
	for _, e := range t.Orgs {
		if e.Dir == o.Dir {
			return "", fmt.Errorf("organization '%s' exists already (or existed: a removed organization's name is not reused)", dir)
		}
		if e.MSP == o.MSP || e.Name == o.Name {
			return "", fmt.Errorf("MSP %s exists already", o.MSP)
		}
	}
	return fmt.Sprintf("  - {dir: %s, name: %s, msp: %s, role: %s, peer: true, orderer: false}\n", o.Dir, o.Name, o.MSP, o.Role), nil
}

// MarkRemoved returns the file's content b with organization dir's line
// marked `removed: true`.
func MarkRemoved(b []byte, t *Topology, dir string) ([]byte, error) {
	for _, o := range t.Orgs {
		if o.Dir != dir || o.Removed {
			continue
		}
		lines := bytes.Split(b, []byte("\n"))
		l := lines[o.Line-1]
		code, _, _ := bytes.Cut(l, []byte("#"))
		end := bytes.LastIndexByte(code, '}')
		lines[o.Line-1] = append(append(l[:end:end], ", removed: true"...), l[end:]...)
		return bytes.Join(lines, []byte("\n")), nil
	}
	return nil, fmt.Errorf("no organization '%s' in %s", dir, t.File)
}
