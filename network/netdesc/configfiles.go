package netdesc

// The network's generated configuration files, built as Go values and
// marshalled with yaml.v3 (no text templating): configtx.yaml for
// configtxgen (the channel's genesis profile, and an added organization's
// definition for -printOrg), each organization's fabric-ca-server
// configurations and the MSP NodeOUs config.yaml. provnet writes them for
// scripts/network.sh (provnet configtx, ca-config, nodeou-config).

import (
	"bytes"
	"fmt"
	"path/filepath"
	"strconv"

	"go.yaml.in/yaml/v3"
)

// DefaultBatchInterval is SmartBFT's RequestBatchMaxInterval unless the
// network is created with PROV_BFT_BATCH_INTERVAL.
const DefaultBatchInterval = "50ms"

// ProfileName is the configtx profile of the channel's genesis block.
const ProfileName = "SupplyChain"

// Policy is a configtx policy.
type Policy struct {
	Type string `yaml:"Type"`
	Rule string `yaml:"Rule"`
}

// CtxOrg is an organization of configtx.yaml.
type CtxOrg struct {
	Name             string            `yaml:"Name"`
	ID               string            `yaml:"ID"`
	MSPDir           string            `yaml:"MSPDir"`
	Policies         map[string]Policy `yaml:"Policies"`
	OrdererEndpoints []string          `yaml:"OrdererEndpoints,omitempty"`
	AnchorPeers      []AnchorPeer      `yaml:"AnchorPeers,omitempty"`
}

// AnchorPeer is an organization's anchor peer.
type AnchorPeer struct {
	Host string `yaml:"Host"`
	Port int    `yaml:"Port"`
}

// CtxApplication is the Application section (Organizations is null in the
// defaults, the peer organizations in the profile).
type CtxApplication struct {
	Organizations *[]CtxOrg         `yaml:"Organizations"`
	Policies      map[string]Policy `yaml:"Policies"`
	Capabilities  map[string]bool   `yaml:"Capabilities"`
}

// BatchSize is the Orderer section's block cut limits.
type BatchSize struct {
	MaxMessageCount   int    `yaml:"MaxMessageCount"`
	AbsoluteMaxBytes  string `yaml:"AbsoluteMaxBytes"`
	PreferredMaxBytes string `yaml:"PreferredMaxBytes"`
}

// CtxOrderer is the Orderer section; the consensus fields are set in the
// profile only.
type CtxOrderer struct {
	BatchTimeout     string            `yaml:"BatchTimeout"`
	BatchSize        BatchSize         `yaml:"BatchSize"`
	Organizations    *[]CtxOrg         `yaml:"Organizations"`
	Policies         map[string]Policy `yaml:"Policies"`
	OrdererType      string            `yaml:"OrdererType,omitempty"`
	SmartBFT         *SmartBFT         `yaml:"SmartBFT,omitempty"`
	ConsenterMapping []BFTConsenter    `yaml:"ConsenterMapping,omitempty"`
	EtcdRaft         *EtcdRaft         `yaml:"EtcdRaft,omitempty"`
	Capabilities     map[string]bool   `yaml:"Capabilities,omitempty"`
}

// SmartBFT is the BFT consensus options (see network/README.md for the
// measured choices).
type SmartBFT struct {
	RequestBatchMaxCount      int    `yaml:"RequestBatchMaxCount"`
	RequestBatchMaxInterval   string `yaml:"RequestBatchMaxInterval"`
	RequestForwardTimeout     string `yaml:"RequestForwardTimeout"`
	RequestComplainTimeout    string `yaml:"RequestComplainTimeout"`
	RequestAutoRemoveTimeout  string `yaml:"RequestAutoRemoveTimeout"`
	ViewChangeResendInterval  string `yaml:"ViewChangeResendInterval"`
	ViewChangeTimeout         string `yaml:"ViewChangeTimeout"`
	LeaderHeartbeatTimeout    string `yaml:"LeaderHeartbeatTimeout"`
	LeaderHeartbeatCount      int    `yaml:"LeaderHeartbeatCount"`
	CollectTimeout            string `yaml:"CollectTimeout"`
	IncomingMessageBufferSize int    `yaml:"IncomingMessageBufferSize"`
	RequestPoolSize           int    `yaml:"RequestPoolSize"`
}

// BFTConsenter is one ConsenterMapping entry.
type BFTConsenter struct {
	ID            int    `yaml:"ID"`
	Host          string `yaml:"Host"`
	Port          int    `yaml:"Port"`
	MSPID         string `yaml:"MSPID"`
	Identity      string `yaml:"Identity"`
	ClientTLSCert string `yaml:"ClientTLSCert"`
	ServerTLSCert string `yaml:"ServerTLSCert"`
}

// EtcdRaft is the Raft consensus section.
type EtcdRaft struct {
	Options struct {
		TickInterval         string `yaml:"TickInterval"`
		ElectionTick         int    `yaml:"ElectionTick"`
		HeartbeatTick        int    `yaml:"HeartbeatTick"`
		MaxInflightBlocks    int    `yaml:"MaxInflightBlocks"`
		SnapshotIntervalSize string `yaml:"SnapshotIntervalSize"`
	} `yaml:"Options"`
	Consenters []RaftConsenter `yaml:"Consenters"`
}

// RaftConsenter is one Raft consenter.
type RaftConsenter struct {
	Host          string `yaml:"Host"`
	Port          int    `yaml:"Port"`
	ClientTLSCert string `yaml:"ClientTLSCert"`
	ServerTLSCert string `yaml:"ServerTLSCert"`
}

// CtxChannel is the Channel section, and a profile (the channel section
// with its Orderer and Application).
type CtxChannel struct {
	Policies     map[string]Policy `yaml:"Policies"`
	Capabilities map[string]bool   `yaml:"Capabilities"`
	Orderer      *CtxOrderer       `yaml:"Orderer,omitempty"`
	Application  *CtxApplication   `yaml:"Application,omitempty"`
}

// Configtx is configtx.yaml, with every anchor expanded: the top-level
// Organizations (configtxgen -printOrg) and the SupplyChain profile
// (configtxgen -profile) are what configtxgen reads; Capabilities,
// Application, Orderer and Channel are the defaults the profile is built on.
type Configtx struct {
	Organizations []CtxOrg                   `yaml:"Organizations"`
	Capabilities  map[string]map[string]bool `yaml:"Capabilities"`
	Application   CtxApplication             `yaml:"Application"`
	Orderer       CtxOrderer                 `yaml:"Orderer"`
	Channel       CtxChannel                 `yaml:"Channel"`
	Profiles      map[string]CtxChannel      `yaml:"Profiles"`
}

// metaPolicies are the Readers/Writers/Admins ImplicitMeta policies that the
// Application, Orderer and Channel groups share, plus extra.
func metaPolicies(extra map[string]Policy) map[string]Policy {
	p := map[string]Policy{
		"Readers": {"ImplicitMeta", "ANY Readers"},
		"Writers": {"ImplicitMeta", "ANY Writers"},
		"Admins":  {"ImplicitMeta", "MAJORITY Admins"},
	}
	for k, v := range extra {
		p[k] = v
	}
	return p
}

// orgPolicies are an organization's signature policies by NodeOU role.
func orgPolicies(msp string) map[string]Policy {
	r := func(roles ...string) string {
		s := "OR("
		for i, role := range roles {
			if i > 0 {
				s += ", "
			}
			s += "'" + msp + "." + role + "'"
		}
		return s + ")"
	}
	return map[string]Policy{
		"Readers":     {"Signature", r("admin", "peer", "client", "orderer")},
		"Writers":     {"Signature", r("admin", "client", "orderer")},
		"Admins":      {"Signature", r("admin")},
		"Endorsement": {"Signature", r("peer")},
	}
}

// ordererPaths are org dir's ordering node's signing certificate and TLS
// certificate under its org home.
func ordererPaths(home, dir string) (signCert, tlsCert string) {
	on := OrdererName(dir)
	oh := OrgHome(home, dir)
	return filepath.Join(oh, "orderers", on, "msp", "signcerts", "cert.pem"), filepath.Join(oh, "orderers", on, "tls", "server.crt")
}

// BuildConfigtx is the channel's configtx.yaml for the layout's
// organizations with consensus bft or raft and the ordering settings o
// (DefaultOrdering, or OrderingFromEnv for the tuning knobs).
func BuildConfigtx(l Layout, consensus string, o Ordering) (*Configtx, error) {
	if err := o.check(); err != nil {
		return nil, err
	}
	if consensus != "bft" && consensus != "raft" {
		return nil, fmt.Errorf("consensus '%s' is not bft or raft", consensus)
	}
	c := &Configtx{Capabilities: map[string]map[string]bool{
		"Channel": {"V3_0": true}, "Orderer": {"V2_0": true}, "Application": {"V2_5": true}}}
	var peerOrgs, ordOrgs []CtxOrg
	var bft []BFTConsenter
	var raft []RaftConsenter
	for _, s := range l.Orgs {
		i := s.Index
		o := CtxOrg{Name: s.MSP, ID: s.MSP, MSPDir: filepath.Join(OrgHome(l.Home, s.Dir), "msp"), Policies: orgPolicies(s.MSP)}
		if s.Orderer {
			o.OrdererEndpoints = []string{l.Host(s.Dir, OffOrderer) + ":" + strconv.Itoa(l.Port(i, OffOrderer))}
			sign, tls := ordererPaths(l.Home, s.Dir)
			host, port := l.Host(s.Dir, OffOrderer), l.Port(i, OffOrderer)
			bft = append(bft, BFTConsenter{ID: i + 1, Host: host, Port: port, MSPID: s.MSP, Identity: sign, ClientTLSCert: tls, ServerTLSCert: tls})
			raft = append(raft, RaftConsenter{Host: host, Port: port, ClientTLSCert: tls, ServerTLSCert: tls})
		}
		if s.Peer {
			o.AnchorPeers = []AnchorPeer{{Host: l.Host(s.Dir, OffPeer), Port: l.Port(i, OffPeer)}}
		}
		c.Organizations = append(c.Organizations, o)
		if s.Orderer {
			ordOrgs = append(ordOrgs, o)
		}
		if s.Peer {
			peerOrgs = append(peerOrgs, o)
		}
	}
	endorse := Policy{"ImplicitMeta", "MAJORITY Endorsement"}
	c.Application = CtxApplication{
		Policies:     metaPolicies(map[string]Policy{"LifecycleEndorsement": endorse, "Endorsement": endorse}),
		Capabilities: c.Capabilities["Application"]}
	c.Orderer = CtxOrderer{BatchTimeout: o.BatchTimeout,
		BatchSize: BatchSize{MaxMessageCount: o.MaxMessageCount, AbsoluteMaxBytes: AbsoluteMaxBytes, PreferredMaxBytes: o.PreferredMaxBytes},
		Policies:  metaPolicies(map[string]Policy{"BlockValidation": {"ImplicitMeta", "ANY Writers"}})}
	c.Channel = CtxChannel{Policies: metaPolicies(nil), Capabilities: c.Capabilities["Channel"]}

	ord := c.Orderer
	ord.Organizations = &ordOrgs
	ord.Capabilities = c.Capabilities["Orderer"]
	if consensus == "bft" {
		ord.OrdererType = "BFT"
		ord.SmartBFT = &SmartBFT{RequestBatchMaxCount: o.BFTBatchMaxCount, RequestBatchMaxInterval: o.BatchInterval,
			RequestForwardTimeout: o.ForwardTimeout, RequestComplainTimeout: o.ComplainTimeout, RequestAutoRemoveTimeout: "3m0s",
			ViewChangeResendInterval: "1s", ViewChangeTimeout: o.ViewChangeTimeout, LeaderHeartbeatTimeout: "20s",
			LeaderHeartbeatCount: 10, CollectTimeout: "1s", IncomingMessageBufferSize: 200, RequestPoolSize: 100000}
		ord.ConsenterMapping = bft
	} else {
		ord.OrdererType = "etcdraft"
		ord.EtcdRaft = &EtcdRaft{Consenters: raft}
		ord.EtcdRaft.Options.TickInterval = "200ms"
		ord.EtcdRaft.Options.ElectionTick = 5
		ord.EtcdRaft.Options.HeartbeatTick = 1
		ord.EtcdRaft.Options.MaxInflightBlocks = 5
		ord.EtcdRaft.Options.SnapshotIntervalSize = "16 MB"
	}
	app := c.Application
	app.Organizations = &peerOrgs
	prof := c.Channel
	prof.Orderer, prof.Application = &ord, &app
	c.Profiles = map[string]CtxChannel{ProfileName: prof}
	return c, nil
}

// ConfigtxYAML is configtx.yaml's content.
func ConfigtxYAML(l Layout, consensus string, o Ordering) ([]byte, error) {
	c, err := BuildConfigtx(l, consensus, o)
	if err != nil {
		return nil, err
	}
	return marshalYAML(fmt.Sprintf("# Generated by provnet configtx (%s) from the topology; configtxgen -profile %s.\n", consensus, ProfileName), c)
}

// marshalYAML is header followed by v as YAML indented by two spaces.
func marshalYAML(header string, v any) ([]byte, error) {
	var b bytes.Buffer
	b.WriteString(header)
	e := yaml.NewEncoder(&b)
	e.SetIndent(2)
	if err := e.Encode(v); err != nil {
		return nil, err
	}
	if err := e.Close(); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

// NodeOUs is an MSP's config.yaml: NodeOUs by the OU of certificates issued
// by one CA.
type NodeOUs struct {
	NodeOUs struct {
		Enable              bool         `yaml:"Enable"`
		ClientOUIdentifier  OUIdentifier `yaml:"ClientOUIdentifier"`
		PeerOUIdentifier    OUIdentifier `yaml:"PeerOUIdentifier"`
		AdminOUIdentifier   OUIdentifier `yaml:"AdminOUIdentifier"`
		OrdererOUIdentifier OUIdentifier `yaml:"OrdererOUIdentifier"`
	} `yaml:"NodeOUs"`
}

// OUIdentifier names a CA certificate (relative to the MSP dir) and an OU.
type OUIdentifier struct {
	Certificate                  string `yaml:"Certificate"`
	OrganizationalUnitIdentifier string `yaml:"OrganizationalUnitIdentifier"`
}

// NodeOUConfig is the MSP config.yaml for CA certificate caCert (a path
// relative to the MSP dir, e.g. cacerts/ca.pem).
func NodeOUConfig(caCert string) ([]byte, error) {
	var n NodeOUs
	n.NodeOUs.Enable = true
	n.NodeOUs.ClientOUIdentifier = OUIdentifier{caCert, "client"}
	n.NodeOUs.PeerOUIdentifier = OUIdentifier{caCert, "peer"}
	n.NodeOUs.AdminOUIdentifier = OUIdentifier{caCert, "admin"}
	n.NodeOUs.OrdererOUIdentifier = OUIdentifier{caCert, "orderer"}
	return marshalYAML("", n)
}
