package bench

import (
	"fmt"
	"sort"
	"strings"

	"github.com/hyperledger/fabric-gateway/pkg/client"
	"github.com/hyperledger/fabric-protos-go-apiv2/common"
	"github.com/hyperledger/fabric-protos-go-apiv2/ledger/rwset"
	"github.com/hyperledger/fabric-protos-go-apiv2/ledger/rwset/kvrwset"
	"github.com/hyperledger/fabric-protos-go-apiv2/peer"
	"google.golang.org/grpc"
	"google.golang.org/protobuf/proto"

	"github.com/provledger/provenance/chaincode/domain"
)

// anatomy is where the bytes of one committed transaction go: the envelope
// and its parts, and the chaincode namespace's reads and writes by key kind
// (the composite key's object type). Registration's ceiling is set per item
// by these bytes and keys (each is hashed, sent, verified, written to the
// state and history databases on every peer).
type anatomy struct {
	Workload   string `json:"workload"`
	Block      uint64 `json:"block"`
	BlockBytes int    `json:"blockBytes"`
	BlockTxs   int    `json:"blockTxs"`
	Items      int    `json:"items"`
	Envelope   int    `json:"envelopeBytes"`
	// Arguments is the chaincode proposal payload (the function and its
	// arguments), which Fabric keeps in the transaction.
	Arguments int `json:"argumentsBytes"`
	// ResponsePayload is the signed proposal response payload: the
	// read-write set, the chaincode event and the chaincode's answer.
	ResponsePayload int `json:"responsePayloadBytes"`
	RWSet           int `json:"rwsetBytes"`
	Event           int `json:"eventBytes"`
	Result          int `json:"resultBytes"`
	Endorsements    int `json:"endorsements"`
	EndorseBytes    int `json:"endorsementBytes"`
	Creator         int `json:"creatorBytes"`
	Reads           int `json:"reads"`
	ReadBytes       int `json:"readBytes"`
	// Kinds are the namespace's writes by key kind, largest first.
	Kinds []keyKind `json:"writes"`
}

type keyKind struct {
	Kind       string `json:"kind"`
	Writes     int    `json:"writes"`
	KeyBytes   int    `json:"keyBytes"`
	ValueBytes int    `json:"valueBytes"`
	// Policies counts key-level policy (metadata) writes, PolicyBytes
	// their size.
	Policies    int `json:"policies"`
	PolicyBytes int `json:"policyBytes"`
}

// registerAnatomy dissects the largest valid RegisterItems transaction in
// blocks [from, to).
func (s *suite) registerAnatomy(p *phaseResult) *anatomy {
	ct := s.mfr.Network().GetContract("qscc")
	var best *anatomy
	for n := p.heights[1]; n > p.heights[0]; n-- {
		prop, err := ct.NewProposal("GetBlockByNumber", client.WithArguments(s.mfr.Config().Channel, fmt.Sprint(n-1)))
		if err != nil {
			s.b.Fatal(err)
		}
		// a block of 1,000-item registrations is several MB (gRPC's default limit is 4 MB)
		raw, err := prop.Evaluate(grpc.MaxCallRecvMsgSize(64 << 20))
		if err != nil {
			s.b.Logf("anatomy: block %d: %v", n-1, errText(err))
			continue
		}
		blk := &common.Block{}
		if err := proto.Unmarshal(raw, blk); err != nil {
			continue
		}
		flags := blk.GetMetadata().GetMetadata()[common.BlockMetadataIndex_TRANSACTIONS_FILTER]
		for i, env := range blk.GetData().GetData() {
			if i < len(flags) && peer.TxValidationCode(flags[i]) != peer.TxValidationCode_VALID {
				continue
			}
			a, err := dissect(env, s.mfr.Config().Chaincode)
			if err != nil || a == nil || (best != nil && a.Envelope <= best.Envelope) {
				continue
			}
			a.Workload, a.Block, a.BlockBytes, a.BlockTxs = p.Name, n-1, len(raw), len(blk.GetData().GetData())
			a.Items = p.ItemsPerTx
			best = a
		}
		if best != nil {
			break
		}
	}
	return best
}

// dissect measures one endorser transaction's parts; nil when it does not
// invoke namespace ns.
func dissect(envBytes []byte, ns string) (*anatomy, error) {
	a := &anatomy{Envelope: len(envBytes)}
	env := &common.Envelope{}
	if err := proto.Unmarshal(envBytes, env); err != nil {
		return nil, err
	}
	pl := &common.Payload{}
	if err := proto.Unmarshal(env.GetPayload(), pl); err != nil {
		return nil, err
	}
	shdr := &common.SignatureHeader{}
	if err := proto.Unmarshal(pl.GetHeader().GetSignatureHeader(), shdr); err != nil {
		return nil, err
	}
	a.Creator = len(shdr.GetCreator())
	tx := &peer.Transaction{}
	if err := proto.Unmarshal(pl.GetData(), tx); err != nil || len(tx.GetActions()) != 1 {
		return nil, err
	}
	cap := &peer.ChaincodeActionPayload{}
	if err := proto.Unmarshal(tx.Actions[0].GetPayload(), cap); err != nil {
		return nil, err
	}
	a.Arguments = len(cap.GetChaincodeProposalPayload())
	a.ResponsePayload = len(cap.GetAction().GetProposalResponsePayload())
	for _, e := range cap.GetAction().GetEndorsements() {
		a.Endorsements++
		a.EndorseBytes += proto.Size(e)
	}
	prp := &peer.ProposalResponsePayload{}
	if err := proto.Unmarshal(cap.GetAction().GetProposalResponsePayload(), prp); err != nil {
		return nil, err
	}
	act := &peer.ChaincodeAction{}
	if err := proto.Unmarshal(prp.GetExtension(), act); err != nil {
		return nil, err
	}
	if act.GetChaincodeId().GetName() != ns {
		return nil, nil
	}
	a.RWSet, a.Event, a.Result = len(act.GetResults()), len(act.GetEvents()), len(act.GetResponse().GetPayload())
	rws := &rwset.TxReadWriteSet{}
	if err := proto.Unmarshal(act.GetResults(), rws); err != nil {
		return nil, err
	}
	kinds := map[string]*keyKind{}
	kindOf := func(key string) *keyKind {
		k := "simple key"
		if obj, _, err := domain.SplitCompositeKey(key); err == nil {
			k = obj
		}
		if kinds[k] == nil {
			kinds[k] = &keyKind{Kind: k}
		}
		return kinds[k]
	}
	for _, n := range rws.GetNsRwset() {
		if n.GetNamespace() != ns {
			continue
		}
		kv := &kvrwset.KVRWSet{}
		if err := proto.Unmarshal(n.GetRwset(), kv); err != nil {
			return nil, err
		}
		a.Reads = len(kv.GetReads())
		for _, r := range kv.GetReads() {
			a.ReadBytes += proto.Size(r)
		}
		for _, w := range kv.GetWrites() {
			k := kindOf(w.GetKey())
			k.Writes++
			k.KeyBytes += len(w.GetKey())
			k.ValueBytes += len(w.GetValue())
		}
		for _, m := range kv.GetMetadataWrites() {
			k := kindOf(m.GetKey())
			k.Policies++
			k.PolicyBytes += proto.Size(m)
		}
	}
	for _, k := range kinds {
		a.Kinds = append(a.Kinds, *k)
	}
	sort.Slice(a.Kinds, func(i, j int) bool {
		x, y := a.Kinds[i], a.Kinds[j]
		if sx, sy := x.KeyBytes+x.ValueBytes+x.PolicyBytes, y.KeyBytes+y.ValueBytes+y.PolicyBytes; sx != sy {
			return sx > sy
		}
		return x.Kind < y.Kind
	})
	return a, nil
}

// markdown is the anatomy as a RESULTS.md section, per item.
func (a *anatomy) markdown() string {
	var w strings.Builder
	per := func(n int) string { return fmt.Sprintf("%.0f", float64(n)/float64(max(a.Items, 1))) }
	fmt.Fprintf(&w, "\n## Transaction anatomy: %s (block %d: %d bytes, %d transactions)\n\n", a.Workload, a.Block, a.BlockBytes, a.BlockTxs)
	fmt.Fprintf(&w, "| part | bytes | bytes per item |\n|---|---:|---:|\n")
	for _, r := range []struct {
		name string
		n    int
	}{{"envelope", a.Envelope}, {"arguments (chaincode proposal payload)", a.Arguments},
		{"proposal response payload", a.ResponsePayload}, {"read-write set", a.RWSet}, {"chaincode event", a.Event},
		{"chaincode result", a.Result}, {fmt.Sprintf("%d endorsements", a.Endorsements), a.EndorseBytes},
		{"creator", a.Creator}, {fmt.Sprintf("%d reads", a.Reads), a.ReadBytes}} {
		fmt.Fprintf(&w, "| %s | %d | %s |\n", r.name, r.n, per(r.n))
	}
	fmt.Fprintf(&w, "\n| key kind | writes | per item | key bytes per write | value bytes per write | key-level policies | policy bytes each |\n|---|---:|---:|---:|---:|---:|---:|\n")
	for _, k := range a.Kinds {
		pb := 0
		if k.Policies > 0 {
			pb = k.PolicyBytes / k.Policies
		}
		fmt.Fprintf(&w, "| %s | %d | %.2f | %d | %d | %d | %d |\n", k.Kind, k.Writes, float64(k.Writes)/float64(max(a.Items, 1)),
			k.KeyBytes/max(k.Writes, 1), k.ValueBytes/max(k.Writes, 1), k.Policies, pb)
	}
	return w.String()
}
