package netdesc

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"go.yaml.in/yaml/v3"
)

// Profile is a Fabric common connection profile: the one type that
// `provnet profiles` writes (JSON and YAML) and prov reads (either spelling:
// JSON is YAML). Fields prov does not use are kept so that a profile reads
// back as it was written.
type Profile struct {
	Name                   string                    `json:"name" yaml:"name"`
	Version                string                    `json:"version,omitempty" yaml:"version,omitempty"`
	Client                 ProfileClient             `json:"client" yaml:"client"`
	Channels               map[string]ProfileChannel `json:"channels,omitempty" yaml:"channels,omitempty"`
	Organizations          map[string]ProfileOrg     `json:"organizations" yaml:"organizations"`
	Peers                  map[string]ProfilePeer    `json:"peers" yaml:"peers"`
	CertificateAuthorities map[string]ProfileCA      `json:"certificateAuthorities,omitempty" yaml:"certificateAuthorities,omitempty"`

	path string
}

// ProfileClient is the profile's client section.
type ProfileClient struct {
	Organization string         `json:"organization" yaml:"organization"`
	Connection   map[string]any `json:"connection,omitempty" yaml:"connection,omitempty"`
}

// ProfileChannel lists the peers of a channel (with their options).
type ProfileChannel struct {
	Peers map[string]map[string]any `json:"peers" yaml:"peers"`
}

// ProfileOrg is one organization of a profile.
type ProfileOrg struct {
	MSPID                  string   `json:"mspid" yaml:"mspid"`
	Peers                  []string `json:"peers" yaml:"peers"`
	CertificateAuthorities []string `json:"certificateAuthorities,omitempty" yaml:"certificateAuthorities,omitempty"`
}

// ProfilePeer is one peer of a profile.
type ProfilePeer struct {
	URL         string         `json:"url" yaml:"url"`
	TLSCACerts  PEMRef         `json:"tlsCACerts" yaml:"tlsCACerts"`
	GRPCOptions map[string]any `json:"grpcOptions,omitempty" yaml:"grpcOptions,omitempty"`
}

// PEMRef is a certificate given inline (pem) or by file (path).
type PEMRef struct {
	PEM  string `json:"pem,omitempty" yaml:"pem,omitempty"`
	Path string `json:"path,omitempty" yaml:"path,omitempty"`
}

// ProfileCA is one certificate authority of a profile. Its tlsCACerts.pem is
// a list of certificates.
type ProfileCA struct {
	URL        string `json:"url" yaml:"url"`
	CAName     string `json:"caName,omitempty" yaml:"caName,omitempty"`
	TLSCACerts struct {
		PEM  PEMList `json:"pem,omitempty" yaml:"pem,omitempty"`
		Path string  `json:"path,omitempty" yaml:"path,omitempty"`
	} `json:"tlsCACerts" yaml:"tlsCACerts"`
	HTTPOptions map[string]any `json:"httpOptions,omitempty" yaml:"httpOptions,omitempty"`
}

// PEMList is a list of PEM certificates; a single string reads as one.
type PEMList []string

// UnmarshalYAML accepts a string or a list of strings.
func (l *PEMList) UnmarshalYAML(n *yaml.Node) error {
	if n.Kind == yaml.ScalarNode {
		*l = PEMList{n.Value}
		return nil
	}
	var s []string
	if err := n.Decode(&s); err != nil {
		return err
	}
	*l = s
	return nil
}

// LoadProfile reads a connection profile (JSON or YAML).
func LoadProfile(path string) (*Profile, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read connection profile: %w", err)
	}
	p, err := ParseProfile(b, path)
	if err != nil {
		return nil, err
	}
	return p, nil
}

// ParseProfile decodes a connection profile read from path.
func ParseProfile(b []byte, path string) (*Profile, error) {
	var p Profile
	if err := yaml.Unmarshal(b, &p); err != nil {
		return nil, fmt.Errorf("parse connection profile %s: %w", path, err)
	}
	p.path = path
	if len(p.Peers) == 0 {
		return nil, fmt.Errorf("connection profile %s lists no peers", path)
	}
	return &p, nil
}

// JSON is the profile as connection.json spells it.
func (p *Profile) JSON() ([]byte, error) { return marshalJSON(p) }

// YAML is the profile as connection.yaml spells it (PEM blocks as literal
// block scalars).
func (p *Profile) YAML() ([]byte, error) {
	var b strings.Builder
	enc := yaml.NewEncoder(&b)
	enc.SetIndent(2)
	if err := enc.Encode(p); err != nil {
		return nil, err
	}
	if err := enc.Close(); err != nil {
		return nil, err
	}
	return []byte(b.String()), nil
}

// NewProfile is the connection profile of org's peer and CA as network.json
// describes them, with the TLS CA certificates inline (read from disk).
func (n *Network) NewProfile(org string) (*Profile, error) {
	o, err := n.Org(org)
	if err != nil {
		return nil, err
	}
	if o.Peer == nil {
		return nil, fmt.Errorf("organization %s has no peer: no connection profile", o.Name)
	}
	peerCA, err := os.ReadFile(o.Peer.TLSCACert)
	if err != nil {
		return nil, fmt.Errorf("profile of %s: %w", o.Dir, err)
	}
	caCert, err := os.ReadFile(o.CA.TLSCACert)
	if err != nil {
		return nil, fmt.Errorf("profile of %s: %w", o.Dir, err)
	}
	pn, ca := o.Peer.Name, o.CA.Name
	p := &Profile{
		Name:    "provenance-" + o.Dir,
		Version: "1.0.0",
		Client: ProfileClient{Organization: o.Name, Connection: map[string]any{
			"timeout": map[string]any{"peer": map[string]any{"endorser": "300"}}}},
		Channels:      map[string]ProfileChannel{n.Channel: {Peers: map[string]map[string]any{pn: {}}}},
		Organizations: map[string]ProfileOrg{o.Name: {MSPID: o.MSP, Peers: []string{pn}, CertificateAuthorities: []string{ca}}},
		Peers: map[string]ProfilePeer{pn: {
			URL:         "grpcs://" + o.Peer.Address,
			TLSCACerts:  PEMRef{PEM: string(peerCA), Path: o.Peer.TLSCACert},
			GRPCOptions: map[string]any{"ssl-target-name-override": pn, "hostnameOverride": pn},
		}},
		path: o.ConnectionProfile,
	}
	c := ProfileCA{URL: o.CA.URL, CAName: "ca", HTTPOptions: map[string]any{"verify": false}}
	c.TLSCACerts.PEM, c.TLSCACerts.Path = PEMList{string(caCert)}, o.CA.TLSCACert
	p.CertificateAuthorities = map[string]ProfileCA{ca: c}
	return p, nil
}

// WriteFiles writes network.json and every peer organization's connection
// profiles (connection.json and connection.yaml in its org home).
func (n *Network) WriteFiles() error {
	for _, o := range n.Orgs {
		if o.Peer == nil {
			continue
		}
		p, err := n.NewProfile(o.Dir)
		if err != nil {
			return err
		}
		j, err := p.JSON()
		if err != nil {
			return err
		}
		y, err := p.YAML()
		if err != nil {
			return err
		}
		if err := writeAtomic(o.ConnectionProfile, j); err != nil {
			return err
		}
		if err := writeAtomic(o.ConnectionProfileYAML, y); err != nil {
			return err
		}
	}
	return n.Write()
}

// Path is the file the profile was read from.
func (p *Profile) Path() string { return p.path }

// ClientOrg returns the client's organization: client.organization, or the
// only organization the profile lists.
func (p *Profile) ClientOrg() (string, ProfileOrg, error) {
	name := p.Client.Organization
	if name == "" {
		if len(p.Organizations) != 1 {
			return "", ProfileOrg{}, fmt.Errorf("connection profile %s names no client.organization", p.path)
		}
		for n := range p.Organizations {
			name = n
		}
	}
	org, ok := p.Organizations[name]
	if !ok {
		return "", ProfileOrg{}, fmt.Errorf("connection profile %s: client organization %q is not under organizations", p.path, name)
	}
	return name, org, nil
}

// PeerNames lists the client organization's peers first, then the others,
// each group sorted.
func (p *Profile) PeerNames() []string {
	var first []string
	if _, org, err := p.ClientOrg(); err == nil {
		first = append(first, org.Peers...)
	}
	seen := map[string]bool{}
	for _, n := range first {
		seen[n] = true
	}
	var rest []string
	for n := range p.Peers {
		if !seen[n] {
			rest = append(rest, n)
		}
	}
	sort.Strings(rest)
	return append(first, rest...)
}

// TLSCA returns the peer's TLS CA certificates (inline PEM, else the path
// relative to the profile).
func (p *Profile) TLSCA(peer string) ([]byte, error) {
	pp, ok := p.Peers[peer]
	if !ok {
		return nil, fmt.Errorf("peer %q is not in connection profile %s", peer, p.path)
	}
	if pp.TLSCACerts.PEM != "" {
		return []byte(pp.TLSCACerts.PEM), nil
	}
	if pp.TLSCACerts.Path != "" {
		path := pp.TLSCACerts.Path
		if !filepath.IsAbs(path) {
			path = filepath.Join(filepath.Dir(p.path), path)
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return nil, fmt.Errorf("read TLS CA of peer %s: %w", peer, err)
		}
		return b, nil
	}
	return nil, nil
}

// ServerNameOverride returns grpcOptions.ssl-target-name-override (else
// hostnameOverride), or "".
func (p *Profile) ServerNameOverride(peer string) string {
	if v, ok := p.Peers[peer].GRPCOptions["ssl-target-name-override"].(string); ok {
		return v
	}
	if v, ok := p.Peers[peer].GRPCOptions["hostnameOverride"].(string); ok {
		return v
	}
	return ""
}

// Endpoint is the named peer's address and TLS settings.
func (p *Profile) Endpoint(peer string) (Endpoint, error) {
	pp, ok := p.Peers[peer]
	if !ok {
		return Endpoint{}, fmt.Errorf("peer %q is not in connection profile %s", peer, p.path)
	}
	addr, useTLS, err := ParseURL(pp.URL)
	if err != nil {
		return Endpoint{}, fmt.Errorf("peer %s in %s: %w", peer, p.path, err)
	}
	ep := Endpoint{Name: peer, Address: addr, TLS: useTLS, ServerName: p.ServerNameOverride(peer)}
	if ep.TLSCA, err = p.TLSCA(peer); err != nil {
		return Endpoint{}, err
	}
	return ep, nil
}

// ParseURL splits a peer URL (grpcs://host:port, grpc://host:port or a
// bare host:port, which means TLS) into its address and whether it uses TLS.
func ParseURL(u string) (addr string, useTLS bool, err error) {
	switch {
	case strings.HasPrefix(u, "grpcs://"):
		addr, useTLS = strings.TrimPrefix(u, "grpcs://"), true
	case strings.HasPrefix(u, "grpc://"):
		addr, useTLS = strings.TrimPrefix(u, "grpc://"), false
	case strings.Contains(u, "://"):
		return "", false, fmt.Errorf("peer URL %q: scheme must be grpcs:// or grpc://", u)
	default:
		addr, useTLS = u, true
	}
	addr = strings.TrimSuffix(addr, "/")
	if addr == "" || !strings.Contains(addr, ":") {
		return "", false, fmt.Errorf("peer address %q: want host:port", u)
	}
	return addr, useTLS, nil
}

// profileNames are the file names of an org's profile in its org home, in
// the order FindProfile prefers them.
var profileNames = []string{"connection.json", "connection.yaml", "connection.yml"}

// FindProfile resolves --profile: an existing file, or an organization name
// (Manufacturer, manufacturer, ManufacturerOrg, ManufacturerMSP) looked up
// under home/orgs/<name>/connection.{json,yaml}.
func FindProfile(home, spec string) (string, error) {
	if spec == "" {
		return "", errors.New("no connection profile: pass --profile ORG|FILE or set PROV_PROFILE")
	}
	if st, err := os.Stat(spec); err == nil && !st.IsDir() {
		return spec, nil
	}
	if strings.ContainsAny(spec, `/\`) || strings.HasSuffix(spec, ".json") || strings.HasSuffix(spec, ".yaml") || strings.HasSuffix(spec, ".yml") {
		return "", fmt.Errorf("connection profile %s: no such file", spec)
	}
	dir := OrgDirName(spec)
	for _, name := range profileNames {
		path := filepath.Join(OrgHome(home, dir), name)
		if _, err := os.Stat(path); err == nil {
			return path, nil
		}
	}
	known := KnownOrgs(home)
	if len(known) == 0 {
		return "", fmt.Errorf("no connection profile for organization %q under %s (looked for %s); is the network up, and is PROV_HOME right?",
			spec, home, filepath.Join(OrgHome(home, dir), "connection.json"))
	}
	return "", fmt.Errorf("no connection profile for organization %q under %s; organizations with one: %s",
		spec, home, strings.Join(known, ", "))
}

// KnownOrgs lists the organizations with a connection profile under
// home/orgs, sorted.
func KnownOrgs(home string) []string {
	entries, err := os.ReadDir(filepath.Join(home, "orgs"))
	if err != nil {
		return nil
	}
	var out []string
	for _, e := range entries {
		for _, name := range profileNames {
			if _, err := os.Stat(filepath.Join(OrgHome(home, e.Name()), name)); err == nil && e.IsDir() {
				out = append(out, e.Name())
				break
			}
		}
	}
	return out
}

// OrgDirName maps an organization's spelling to its PROV_HOME directory name:
// "ManufacturerMSP", "ManufacturerOrg" and "Manufacturer" all give "manufacturer".
func OrgDirName(s string) string {
	l := strings.ToLower(s)
	for _, suf := range []string{"msp", "org"} {
		if len(l) > len(suf) && strings.HasSuffix(l, suf) {
			l = strings.TrimSuffix(l, suf)
			break
		}
	}
	return l
}
