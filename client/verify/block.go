package verify

import (
	"bytes"
	"crypto/sha256"
	"encoding/asn1"
	"errors"
	"fmt"
	"math/big"
	"sort"
	"strings"

	"github.com/hyperledger/fabric-protos-go-apiv2/common"
	"google.golang.org/protobuf/proto"
)

// blockHeaderBytes is Fabric's protoutil.BlockHeaderBytes: the ASN.1 DER of
// (number, previous hash, data hash). Block signatures and the hash chain
// are over these bytes, not over the protobuf header.
func blockHeaderBytes(h *common.BlockHeader) ([]byte, error) {
	return asn1.Marshal(struct {
		Number       *big.Int
		PreviousHash []byte
		DataHash     []byte
	}{new(big.Int).SetUint64(h.GetNumber()), h.GetPreviousHash(), h.GetDataHash()})
}

// blockHeaderHash is protoutil.BlockHeaderHash: what the next block's
// PreviousHash must be.
func blockHeaderHash(h *common.BlockHeader) ([]byte, error) {
	b, err := blockHeaderBytes(h)
	if err != nil {
		return nil, err
	}
	sum := sha256.Sum256(b)
	return sum[:], nil
}

// blockDataHash is protoutil.ComputeBlockDataHash (Fabric 3 still hashes the
// plain concatenation of the envelopes).
func blockDataHash(d *common.BlockData) []byte {
	sum := sha256.Sum256(bytes.Join(d.GetData(), nil))
	return sum[:]
}

func checkDataHash(b *common.Block) error {
	if b.GetHeader() == nil {
		return errors.New("block has no header")
	}
	got := blockDataHash(b.GetData())
	if !bytes.Equal(got, b.Header.GetDataHash()) {
		return fmt.Errorf("data hash %x in header, %x computed", b.Header.GetDataHash(), got)
	}
	return nil
}

// signaturesMetadata is the block's SIGNATURES metadata.
func signaturesMetadata(b *common.Block) (*common.Metadata, error) {
	mds := b.GetMetadata().GetMetadata()
	if len(mds) <= int(common.BlockMetadataIndex_SIGNATURES) {
		return nil, errors.New("block has no signatures metadata")
	}
	md := &common.Metadata{}
	if err := proto.Unmarshal(mds[common.BlockMetadataIndex_SIGNATURES], md); err != nil {
		return nil, fmt.Errorf("signatures metadata: %w", err)
	}
	return md, nil
}

// lastConfigIndex is protoutil.GetLastConfigIndexFromBlock: the number of
// the config block in force, from the OrdererBlockMetadata in the SIGNATURES
// metadata, or the older LAST_CONFIG metadata.
func lastConfigIndex(b *common.Block) (uint64, error) {
	md, err := signaturesMetadata(b)
	if err != nil {
		return 0, err
	}
	if len(md.GetValue()) == 0 {
		mds := b.GetMetadata().GetMetadata()
		if len(mds) <= int(common.BlockMetadataIndex_LAST_CONFIG) {
			return 0, errors.New("block has no last-config metadata")
		}
		lmd := &common.Metadata{}
		if err := proto.Unmarshal(mds[common.BlockMetadataIndex_LAST_CONFIG], lmd); err != nil {
			return 0, fmt.Errorf("last-config metadata: %w", err)
		}
		lc := &common.LastConfig{}
		if err := proto.Unmarshal(lmd.GetValue(), lc); err != nil {
			return 0, fmt.Errorf("last config: %w", err)
		}
		return lc.GetIndex(), nil
	}
	obm := &common.OrdererBlockMetadata{}
	if err := proto.Unmarshal(md.GetValue(), obm); err != nil {
		return 0, fmt.Errorf("orderer block metadata: %w", err)
	}
	return obm.GetLastConfig().GetIndex(), nil
}

// txFilter returns the validation code the committing peer recorded for the
// i-th transaction of the block (TRANSACTIONS_FILTER metadata: one byte per
// transaction).
func txFilter(b *common.Block, i int) (byte, bool) {
	mds := b.GetMetadata().GetMetadata()
	if len(mds) <= int(common.BlockMetadataIndex_TRANSACTIONS_FILTER) {
		return 0, false
	}
	f := mds[common.BlockMetadataIndex_TRANSACTIONS_FILTER]
	if i >= len(f) {
		return 0, false
	}
	return f[i], true
}

// checkBlockSignatures checks that the block header is signed by enough of
// the ordering service, as Fabric's BlockValidation policy requires: for
// BFT a quorum of distinct consenters from the config's consenter mapping
// (signatures naming their signer by consenter ID, or by identity), for
// other consensus types one member of an orderer organization. It returns a
// summary of who signed.
func checkBlockSignatures(b *common.Block, cfg *channelConfig) (string, error) {
	md, err := signaturesMetadata(b)
	if err != nil {
		return "", err
	}
	hdr, err := blockHeaderBytes(b.GetHeader())
	if err != nil {
		return "", fmt.Errorf("block header: %w", err)
	}
	var problems, forged []string
	signers := map[string]bool{}
	for i, ms := range md.GetSignatures() {
		var (
			id       *identity
			signed   []byte
			signerID string
		)
		if cfg.consensus == consensusBFT && len(ms.GetSignatureHeader()) == 0 && len(ms.GetIdentifierHeader()) > 0 {
			ih := &common.IdentifierHeader{}
			if err := proto.Unmarshal(ms.GetIdentifierHeader(), ih); err != nil {
				problems = append(problems, fmt.Sprintf("signature %d: identifier header: %v", i, err))
				continue
			}
			cs := cfg.consenterByID(ih.GetIdentifier())
			if cs == nil {
				problems = append(problems, fmt.Sprintf("signature %d: consenter %d is not in the config", i, ih.GetIdentifier()))
				continue
			}
			cert, err := parsePEMCert(cs.GetIdentity())
			if err != nil {
				problems = append(problems, fmt.Sprintf("signature %d: consenter %d: %v", i, cs.GetId(), err))
				continue
			}
			id = &identity{mspID: cs.GetMspId(), cert: cert}
			signerID = fmt.Sprintf("consenter %d", cs.GetId())
			signed = concat(md.GetValue(), ms.GetIdentifierHeader(), hdr)
		} else {
			sh := &common.SignatureHeader{}
			if err := proto.Unmarshal(ms.GetSignatureHeader(), sh); err != nil {
				problems = append(problems, fmt.Sprintf("signature %d: signature header: %v", i, err))
				continue
			}
			id, err = parseSerializedIdentity(sh.GetCreator())
			if err != nil {
				problems = append(problems, fmt.Sprintf("signature %d: %v", i, err))
				continue
			}
			if cfg.consensus == consensusBFT {
				cs := cfg.consenterByIdentity(id)
				if cs == nil {
					problems = append(problems, fmt.Sprintf("signature %d: %s is not a consenter", i, id))
					continue
				}
				signerID = fmt.Sprintf("consenter %d", cs.GetId())
			} else {
				signerID = id.mspID + "/" + id.cert.Subject.CommonName
			}
			signed = concat(md.GetValue(), ms.GetSignatureHeader(), hdr)
		}
		org := cfg.ordOrgs[id.mspID]
		if org == nil {
			problems = append(problems, fmt.Sprintf("%s: %s is not an orderer organization", signerID, id.mspID))
			continue
		}
		if err := org.validate(id.cert); err != nil {
			problems = append(problems, fmt.Sprintf("%s: %v", signerID, err))
			continue
		}
		if err := org.requireRole(id.cert, roleOrderer); err != nil {
			problems = append(problems, fmt.Sprintf("%s: %v", signerID, err))
			continue
		}
		if err := verifySignature(id.cert, signed, ms.GetSignature()); err != nil {
			// A signature that does not verify is evidence of tampering even
			// when a quorum of others does.
			forged = append(forged, fmt.Sprintf("%s: %v", signerID, err))
			continue
		}
		signers[signerID] = true
	}
	need := 1
	if cfg.consensus == consensusBFT {
		need = bftQuorum(len(cfg.consenters))
	}
	names := make([]string, 0, len(signers))
	for s := range signers {
		names = append(names, s)
	}
	sort.Strings(names)
	summary := fmt.Sprintf("%d valid of %d needed (%s)", len(signers), need, strings.Join(names, ", "))
	if len(problems) > 0 {
		summary += "; not counted: " + strings.Join(problems, "; ")
	}
	if len(forged) > 0 {
		return "", fmt.Errorf("invalid signature: %s; %s", strings.Join(forged, "; "), summary)
	}
	if len(signers) < need {
		return "", errors.New(summary)
	}
	return summary, nil
}

func concat(parts ...[]byte) []byte {
	return bytes.Join(parts, nil)
}
