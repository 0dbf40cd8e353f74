package harness

import (
	"crypto/sha256"
	"time"

	"github.com/hyperledger/fabric-gateway/pkg/client"
	"github.com/hyperledger/fabric-protos-go-apiv2/common"
	"github.com/hyperledger/fabric-protos-go-apiv2/gateway"
	"github.com/hyperledger/fabric-protos-go-apiv2/peer"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/timestamppb"
)

// SkewedProposal builds the proposal for fn as c's user with the channel
// header timestamp moved by skew (a client clock that is off), signs it
// offline and returns it ready to endorse. fabric-gateway always stamps the
// current time; the transaction ID stays valid, since it hashes nonce and
// creator only.
func (c *Conn) SkewedProposal(t TB, skew time.Duration, fn string, args ...string) *client.Proposal {
	t.Helper()
	must := func(b []byte, err error) []byte {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	prop, err := c.Contract().NewProposal(fn, client.WithArguments(args...))
	if err != nil {
		t.Fatal(err)
	}
	pt, p, hdr, ch := &gateway.ProposedTransaction{}, &peer.Proposal{}, &common.Header{}, &common.ChannelHeader{}
	if err := proto.Unmarshal(must(prop.Bytes()), pt); err != nil {
		t.Fatal(err)
	}
	if err := proto.Unmarshal(pt.GetProposal().GetProposalBytes(), p); err != nil {
		t.Fatal(err)
	}
	if err := proto.Unmarshal(p.GetHeader(), hdr); err != nil {
		t.Fatal(err)
	}
	if err := proto.Unmarshal(hdr.GetChannelHeader(), ch); err != nil {
		t.Fatal(err)
	}
	ch.Timestamp = timestamppb.New(time.Now().Add(skew))
	hdr.ChannelHeader = must(proto.Marshal(ch))
	p.Header = must(proto.Marshal(hdr))
	pt.Proposal.ProposalBytes = must(proto.Marshal(p))
	digest := sha256.Sum256(pt.Proposal.ProposalBytes)
	sig, err := c.Signer.Sign(digest[:])
	if err != nil {
		t.Fatal(err)
	}
	signed, err := c.Gateway.NewSignedProposal(must(proto.Marshal(pt)), sig)
	if err != nil {
		t.Fatal(err)
	}
	return signed
}
