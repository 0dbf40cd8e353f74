package verify

import (
	"bytes"
	"fmt"
	"sort"
	"strings"

	"github.com/hyperledger/fabric-protos-go-apiv2/common"
	"github.com/hyperledger/fabric-protos-go-apiv2/msp"
	"github.com/hyperledger/fabric-protos-go-apiv2/orderer"
	"google.golang.org/protobuf/proto"
)

// Config group and value keys, as in fabric/common/channelconfig.
const (
	groupApplication = "Application"
	groupOrderer     = "Orderer"
	valueMSP         = "MSP"
	valueConsensus   = "ConsensusType"
	valueOrderers    = "Orderers"
	consensusBFT     = "BFT"
)

// channelConfig is what verification needs from a config block: the peer
// and orderer organizations' MSPs and the ordering service's consenters.
type channelConfig struct {
	number     uint64
	consensus  string
	consenters []*common.Consenter // BFT only
	appOrgs    map[string]*mspOrg  // by MSP ID
	ordOrgs    map[string]*mspOrg  // by MSP ID
}

// bftQuorum is SmartBFT's quorum for n consenters, as Fabric computes it in
// common/policies.ComputeBFTQuorum: f = (n-1)/3, q = ceil((n+f+1)/2).
func bftQuorum(n int) int {
	f := (n - 1) / 3
	return (n + f + 2) / 2
}

func (c *channelConfig) describe() string {
	var s string
	if c.consensus == consensusBFT {
		s = fmt.Sprintf("BFT, %d consenters, quorum %d", len(c.consenters), bftQuorum(len(c.consenters)))
	} else {
		s = c.consensus
	}
	return fmt.Sprintf("%s; peer orgs %s; orderer orgs %s", s, strings.Join(sortedKeys(c.appOrgs), ","), strings.Join(sortedKeys(c.ordOrgs), ","))
}

func sortedKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// parseConfigBlock reads the channel config out of a config block.
func parseConfigBlock(b *common.Block) (*channelConfig, error) {
	root, err := channelGroup(b)
	if err != nil {
		return nil, err
	}
	cfg := &channelConfig{number: b.GetHeader().GetNumber(), appOrgs: map[string]*mspOrg{}, ordOrgs: map[string]*mspOrg{}}
	if cfg.appOrgs, err = orgsOf(root.GetGroups()[groupApplication]); err != nil {
		return nil, err
	}

	og := root.GetGroups()[groupOrderer]
	if og == nil {
		return nil, fmt.Errorf("config block %d has no Orderer group", cfg.number)
	}
	if cfg.ordOrgs, err = orgsOf(og); err != nil {
		return nil, err
	}
	ct := &orderer.ConsensusType{}
	if v := og.GetValues()[valueConsensus]; v != nil {
		if err := proto.Unmarshal(v.GetValue(), ct); err != nil {
			return nil, fmt.Errorf("consensus type: %w", err)
		}
	}
	cfg.consensus = ct.GetType()
	if cfg.consensus == consensusBFT {
		ords := &common.Orderers{}
		if v := og.GetValues()[valueOrderers]; v != nil {
			if err := proto.Unmarshal(v.GetValue(), ords); err != nil {
				return nil, fmt.Errorf("consenter mapping: %w", err)
			}
		}
		if len(ords.GetConsenterMapping()) == 0 {
			return nil, fmt.Errorf("BFT config block %d has no consenter mapping", cfg.number)
		}
		cfg.consenters = ords.GetConsenterMapping()
	}
	return cfg, nil
}

// channelGroup is the channel's config tree in a config block.
func channelGroup(b *common.Block) (*common.ConfigGroup, error) {
	if len(b.GetData().GetData()) != 1 {
		return nil, fmt.Errorf("block %d is not a config block: %d transactions", b.GetHeader().GetNumber(), len(b.GetData().GetData()))
	}
	env := &common.Envelope{}
	if err := proto.Unmarshal(b.Data.Data[0], env); err != nil {
		return nil, fmt.Errorf("config envelope: %w", err)
	}
	payload := &common.Payload{}
	if err := proto.Unmarshal(env.GetPayload(), payload); err != nil {
		return nil, fmt.Errorf("config payload: %w", err)
	}
	chdr := &common.ChannelHeader{}
	if err := proto.Unmarshal(payload.GetHeader().GetChannelHeader(), chdr); err != nil {
		return nil, fmt.Errorf("config channel header: %w", err)
	}
	if common.HeaderType(chdr.GetType()) != common.HeaderType_CONFIG {
		return nil, fmt.Errorf("block %d is not a config block: header type %d", b.GetHeader().GetNumber(), chdr.GetType())
	}
	cenv := &common.ConfigEnvelope{}
	if err := proto.Unmarshal(payload.GetData(), cenv); err != nil {
		return nil, fmt.Errorf("config envelope: %w", err)
	}
	root := cenv.GetConfig().GetChannelGroup()
	if root == nil {
		return nil, fmt.Errorf("config block %d has no channel group", b.GetHeader().GetNumber())
	}
	return root, nil
}

func orgsOf(g *common.ConfigGroup) (map[string]*mspOrg, error) {
	confs, err := fabricMSPs(g)
	if err != nil {
		return nil, err
	}
	out := map[string]*mspOrg{}
	for _, fc := range confs {
		o, err := newMSPOrg(fc)
		if err != nil {
			return nil, err
		}
		out[o.id] = o
	}
	return out, nil
}

// fabricMSPs are the X.509 MSP configs of a config group's organizations,
// by org group name.
func fabricMSPs(g *common.ConfigGroup) (map[string]*msp.FabricMSPConfig, error) {
	out := map[string]*msp.FabricMSPConfig{}
	for name, og := range g.GetGroups() {
		v := og.GetValues()[valueMSP]
		if v == nil {
			continue
		}
		mc := &msp.MSPConfig{}
		if err := proto.Unmarshal(v.GetValue(), mc); err != nil {
			return nil, fmt.Errorf("MSP of org %s: %w", name, err)
		}
		if mc.GetType() != 0 { // only X.509 (FABRIC) MSPs sign transactions we check
			continue
		}
		fc := &msp.FabricMSPConfig{}
		if err := proto.Unmarshal(mc.GetConfig(), fc); err != nil {
			return nil, fmt.Errorf("MSP of org %s: %w", name, err)
		}
		out[name] = fc
	}
	return out, nil
}

// consenterByID finds a BFT consenter by its numeric ID.
func (c *channelConfig) consenterByID(id uint32) *common.Consenter {
	for _, cs := range c.consenters {
		if cs.GetId() == id {
			return cs
		}
	}
	return nil
}

// consenterByIdentity finds the BFT consenter whose identity is this
// certificate (signature headers that carry the identity itself).
func (c *channelConfig) consenterByIdentity(id *identity) *common.Consenter {
	for _, cs := range c.consenters {
		if cs.GetMspId() != id.mspID {
			continue
		}
		cert, err := parsePEMCert(cs.GetIdentity())
		if err == nil && bytes.Equal(cert.Raw, id.cert.Raw) {
			return cs
		}
	}
	return nil
}
