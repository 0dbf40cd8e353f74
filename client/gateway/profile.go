package gateway

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"go.yaml.in/yaml/v3"
)

// Profile is the part of a Fabric common connection profile prov uses. The
// same struct reads the JSON and the YAML spelling (JSON is YAML).
type Profile struct {
	Name   string `yaml:"name"`
	Client struct {
		Organization string `yaml:"organization"`
	} `yaml:"client"`
	Organizations map[string]ProfileOrg  `yaml:"organizations"`
	Peers         map[string]ProfilePeer `yaml:"peers"`

	path string
}

// ProfileOrg is one organization of a profile.
type ProfileOrg struct {
	MSPID string   `yaml:"mspid"`
	Peers []string `yaml:"peers"`
}

// ProfilePeer is one peer of a profile.
type ProfilePeer struct {
	URL        string `yaml:"url"`
	TLSCACerts struct {
		PEM  string `yaml:"pem"`
		Path string `yaml:"path"`
	} `yaml:"tlsCACerts"`
	GRPCOptions map[string]any `yaml:"grpcOptions"`
}

// LoadProfile reads a connection profile (JSON or YAML).
func LoadProfile(path string) (*Profile, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read connection profile: %w", err)
	}
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

// ServerNameOverride returns grpcOptions.ssl-target-name-override, or "".
func (p *Profile) ServerNameOverride(peer string) string {
	if v, ok := p.Peers[peer].GRPCOptions["ssl-target-name-override"].(string); ok {
		return v
	}
	if v, ok := p.Peers[peer].GRPCOptions["hostnameOverride"].(string); ok {
		return v
	}
	return ""
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
	for _, name := range []string{"connection.json", "connection.yaml", "connection.yml"} {
		path := filepath.Join(home, "orgs", dir, name)
		if _, err := os.Stat(path); err == nil {
			return path, nil
		}
	}
	known := KnownOrgs(home)
	if len(known) == 0 {
		return "", fmt.Errorf("no connection profile for organization %q under %s (looked for %s); is the network up, and is PROV_HOME right?",
			spec, home, filepath.Join(home, "orgs", dir, "connection.json"))
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
		for _, name := range []string{"connection.json", "connection.yaml", "connection.yml"} {
			if _, err := os.Stat(filepath.Join(home, "orgs", e.Name(), name)); err == nil && e.IsDir() {
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
