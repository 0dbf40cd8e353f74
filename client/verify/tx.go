package verify

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/hyperledger/fabric-protos-go-apiv2/common"
	"github.com/hyperledger/fabric-protos-go-apiv2/ledger/rwset"
	"github.com/hyperledger/fabric-protos-go-apiv2/ledger/rwset/kvrwset"
	"github.com/hyperledger/fabric-protos-go-apiv2/peer"
	"google.golang.org/protobuf/proto"

	"github.com/provledger/provenance/chaincode/domain"
)

// endorserTx is a parsed endorser transaction envelope.
type endorserTx struct {
	env     *common.Envelope
	chdr    *common.ChannelHeader
	shdr    *common.SignatureHeader
	creator *identity
	action  *peer.ChaincodeEndorsedAction
	prp     *peer.ProposalResponsePayload
	// proposalHash is recomputed from the transaction, to compare with prp's.
	proposalHash []byte
	ccAction     *peer.ChaincodeAction
	txRWSet      *rwset.TxReadWriteSet
	timestamp    time.Time

	kvOnce sync.Once
	kv     *kvrwset.KVRWSet // the chaincode namespace's set (kvSet)

	idxOnce sync.Once
	writes  map[string]*kvrwset.KVWrite // kv's writes by key (writeIndex)
	meta    map[string][]byte           // kv's key-level policy writes by key

	byItemOnce sync.Once
	byItem     map[domain.ItemID]*itemWrites // kv's writes by item (itemIndex)

	eventsOnce sync.Once
	events     *eventWrites // the namespace's event-key writes by item (eventIndex)
}

func parseEndorserTx(env *common.Envelope) (*endorserTx, error) {
	if env == nil {
		return nil, errors.New("no transaction envelope")
	}
	t := &endorserTx{env: env}
	payload := &common.Payload{}
	if err := proto.Unmarshal(env.GetPayload(), payload); err != nil {
		return nil, fmt.Errorf("payload: %w", err)
	}
	t.chdr = &common.ChannelHeader{}
	if err := proto.Unmarshal(payload.GetHeader().GetChannelHeader(), t.chdr); err != nil {
		return nil, fmt.Errorf("channel header: %w", err)
	}
	if common.HeaderType(t.chdr.GetType()) != common.HeaderType_ENDORSER_TRANSACTION {
		return nil, fmt.Errorf("header type %s, not an endorser transaction", common.HeaderType(t.chdr.GetType()))
	}
	t.timestamp = t.chdr.GetTimestamp().AsTime()
	t.shdr = &common.SignatureHeader{}
	if err := proto.Unmarshal(payload.GetHeader().GetSignatureHeader(), t.shdr); err != nil {
		return nil, fmt.Errorf("signature header: %w", err)
	}
	var err error
	if t.creator, err = parseSerializedIdentity(t.shdr.GetCreator()); err != nil {
		return nil, fmt.Errorf("creator: %w", err)
	}
	tx := &peer.Transaction{}
	if err := proto.Unmarshal(payload.GetData(), tx); err != nil {
		return nil, fmt.Errorf("transaction: %w", err)
	}
	// Fabric's validator accepts exactly one action per endorser transaction.
	if len(tx.GetActions()) != 1 {
		return nil, fmt.Errorf("transaction has %d actions, want 1", len(tx.GetActions()))
	}
	cap := &peer.ChaincodeActionPayload{}
	if err := proto.Unmarshal(tx.Actions[0].GetPayload(), cap); err != nil {
		return nil, fmt.Errorf("chaincode action payload: %w", err)
	}
	t.action = cap.GetAction()
	ph := sha256.Sum256(concat(payload.GetHeader().GetChannelHeader(), tx.Actions[0].GetHeader(), cap.GetChaincodeProposalPayload()))
	t.proposalHash = ph[:]
	t.prp = &peer.ProposalResponsePayload{}
	if err := proto.Unmarshal(t.action.GetProposalResponsePayload(), t.prp); err != nil {
		return nil, fmt.Errorf("proposal response payload: %w", err)
	}
	t.ccAction = &peer.ChaincodeAction{}
	if err := proto.Unmarshal(t.prp.GetExtension(), t.ccAction); err != nil {
		return nil, fmt.Errorf("chaincode action: %w", err)
	}
	t.txRWSet = &rwset.TxReadWriteSet{}
	if err := proto.Unmarshal(t.ccAction.GetResults(), t.txRWSet); err != nil {
		return nil, fmt.Errorf("read-write set: %w", err)
	}
	return t, nil
}

// checkTxID checks the channel header's ID against the event's and against
// Fabric's derivation hex(SHA-256(nonce || creator)), so that a transaction
// ID cannot be pasted onto another creator's transaction.
func (t *endorserTx) checkTxID(want, channel string) error {
	if t.chdr.GetChannelId() != channel {
		return fmt.Errorf("transaction is for channel %q, not %q", t.chdr.GetChannelId(), channel)
	}
	if t.chdr.GetTxId() != want {
		return fmt.Errorf("transaction ID %s, event names %s", t.chdr.GetTxId(), want)
	}
	sum := sha256.Sum256(concat(t.shdr.GetNonce(), t.shdr.GetCreator()))
	if got := hex.EncodeToString(sum[:]); got != t.chdr.GetTxId() {
		return fmt.Errorf("transaction ID %s is not hash(nonce, creator) %s", t.chdr.GetTxId(), got)
	}
	return nil
}

// checkCreator checks the creator's signature over the payload and that the
// creator's certificate chains to its org's roots in the channel config.
func (t *endorserTx) checkCreator(cfg *channelConfig) (string, error) {
	org := cfg.appOrgs[t.creator.mspID]
	if org == nil {
		return "", fmt.Errorf("creator %s: %s is not a peer organization of the channel", t.creator, t.creator.mspID)
	}
	if err := org.validate(t.creator.cert); err != nil {
		return "", fmt.Errorf("creator: %w", err)
	}
	// The channel's Writers: a client, admin or orderer of the org.
	if err := org.requireRole(t.creator.cert, roleClient, roleAdmin, roleOrderer); err != nil {
		return "", fmt.Errorf("creator: %w", err)
	}
	if err := verifySignature(t.creator.cert, t.env.GetPayload(), t.env.GetSignature()); err != nil {
		return "", fmt.Errorf("creator %s: %w", t.creator, err)
	}
	return t.creator.String(), nil
}

// checkEndorsements checks every endorsement: its signature over the
// proposal response payload followed by the endorser bytes, and that the
// endorser chains to the roots of the org its MSP ID names. It returns the
// MSP IDs of the valid endorsers.
func (t *endorserTx) checkEndorsements(cfg *channelConfig) ([]string, string, error) {
	ends := t.action.GetEndorsements()
	if len(ends) == 0 {
		return nil, "", errors.New("no endorsements")
	}
	// The endorsed response must be for this very proposal, as Fabric's
	// validator checks: SHA-256(channel header, action signature header,
	// chaincode proposal payload).
	if !bytes.Equal(t.proposalHash, t.prp.GetProposalHash()) {
		return nil, "", fmt.Errorf("endorsements are for another proposal: proposal hash %x, computed %x", t.prp.GetProposalHash(), t.proposalHash)
	}
	var (
		orgs, names, problems []string
		seen                  = map[string]bool{}
	)
	for i, e := range ends {
		id, err := parseSerializedIdentity(e.GetEndorser())
		if err != nil {
			problems = append(problems, fmt.Sprintf("endorsement %d: %v", i, err))
			continue
		}
		org := cfg.appOrgs[id.mspID]
		if org == nil {
			problems = append(problems, fmt.Sprintf("endorser %s: %s is not a peer organization of the channel", id, id.mspID))
			continue
		}
		if err := org.validate(id.cert); err != nil {
			problems = append(problems, fmt.Sprintf("endorser %s: %v", id, err))
			continue
		}
		// An org's Endorsement policy counts its peers only.
		if err := org.requireRole(id.cert, rolePeer); err != nil {
			problems = append(problems, fmt.Sprintf("endorser %s: %v", id, err))
			continue
		}
		if err := verifySignature(id.cert, concat(t.action.GetProposalResponsePayload(), e.GetEndorser()), e.GetSignature()); err != nil {
			problems = append(problems, fmt.Sprintf("endorser %s: %v", id, err))
			continue
		}
		names = append(names, id.String())
		if !seen[id.mspID] {
			seen[id.mspID] = true
			orgs = append(orgs, id.mspID)
		}
	}
	sort.Strings(orgs)
	if len(problems) > 0 {
		return orgs, "", errors.New(strings.Join(problems, "; "))
	}
	return orgs, strings.Join(names, ", "), nil
}

// eventKey is the chaincode's key of a custody event: the composite key
// "event" of (gtin, serial, 10-digit zero-padded seq), as shim's
// CreateCompositeKey builds it.
func eventKey(gtin, serial string, seq uint64) string {
	return compositeKey("event", gtin, serial, fmt.Sprintf("%010d", seq))
}

// compositeKey is shim.CreateCompositeKey without its validation.
func compositeKey(objectType string, attrs ...string) string {
	var b strings.Builder
	b.WriteString("\x00" + objectType + "\x00")
	for _, a := range attrs {
		b.WriteString(a + "\x00")
	}
	return b.String()
}

// splitItemKey splits a canonical item key "01/{gtin}/21/{serial}" (the
// serial may itself contain slashes) or unit key "00/{sscc}" into the key
// attributes.
func splitItemKey(key string) (gtin, serial string, err error) {
	id, err := subjectOf(key)
	return id.GTIN, id.Serial, err
}

// checkWriteSet checks that the transaction's write set in the chaincode's
// namespace holds exactly one custody event of this item, under this event's
// key, and that the value written is this event.
//
// A unit's creation and first PACKED are one transaction (PackUnit): sameTx
// lists the other sequences of the subject's history that the transaction
// made, whose event keys it may write too.
func (t *endorserTx) checkWriteSet(ev domain.CustodyEvent, namespace string, sameTx ...uint64) (string, error) {
	if got := t.ccAction.GetChaincodeId().GetName(); got != namespace {
		return "", fmt.Errorf("transaction ran chaincode %q, not %q", got, namespace)
	}
	gtin, serial, err := splitItemKey(ev.Item)
	if err != nil {
		return "", err
	}
	want := eventKey(gtin, serial, ev.Seq)
	itemPrefix := compositeKey("event", gtin, serial)
	also := map[string]bool{}
	for _, seq := range sameTx {
		also[eventKey(gtin, serial, seq)] = true
	}
	var (
		found  []*kvrwset.KVWrite
		others []string
	)
	idx := t.eventIndex(namespace)
	if idx.err != nil {
		return "", idx.err
	}
	nsSeen := idx.nsSeen
	for _, w := range idx.writesOf(gtin, serial) {
		switch {
		case w.GetKey() == want:
			found = append(found, w)
		case also[w.GetKey()]:
		case strings.HasPrefix(w.GetKey(), itemPrefix):
			others = append(others, printableKey(w.GetKey()))
		}
	}
	switch {
	case !nsSeen:
		return "", fmt.Errorf("no write set for chaincode %s", namespace)
	case len(found) == 0:
		return "", fmt.Errorf("no write of event key %s", printableKey(want))
	case len(found) > 1:
		return "", fmt.Errorf("event key %s written %d times", printableKey(want), len(found))
	case len(others) > 0:
		return "", fmt.Errorf("also writes other events of this item: %s", strings.Join(others, ", "))
	case found[0].GetIsDelete():
		return "", fmt.Errorf("event key %s is deleted", printableKey(want))
	}
	var written domain.CustodyEvent
	dec := json.NewDecoder(strings.NewReader(string(found[0].GetValue())))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&written); err != nil {
		return "", fmt.Errorf("written value of %s is not a custody event: %w", printableKey(want), err)
	}
	if written != ev {
		return "", fmt.Errorf("written event differs from the history's: %s", diffEvents(written, ev))
	}
	return "writes " + printableKey(want), nil
}

// checkEventMatchesTx checks what the event says about its transaction
// against the signed transaction: ID, timestamp and submitter's MSP.
func (t *endorserTx) checkEventMatchesTx(ev domain.CustodyEvent) error {
	var problems []string
	if ev.TxID != t.chdr.GetTxId() {
		problems = append(problems, fmt.Sprintf("event txId %s, transaction %s", ev.TxID, t.chdr.GetTxId()))
	}
	if ts, err := time.Parse(time.RFC3339Nano, ev.Timestamp); err != nil {
		problems = append(problems, fmt.Sprintf("event timestamp %q: %v", ev.Timestamp, err))
	} else if !ts.Equal(t.timestamp) {
		problems = append(problems, fmt.Sprintf("event timestamp %s, transaction %s", ev.Timestamp, t.timestamp.Format(time.RFC3339Nano)))
	}
	if ev.SubmitterMSP != t.creator.mspID {
		problems = append(problems, fmt.Sprintf("event submitter %s, transaction creator %s", ev.SubmitterMSP, t.creator.mspID))
	}
	if len(problems) > 0 {
		return errors.New(strings.Join(problems, "; "))
	}
	return nil
}

func diffEvents(a, b domain.CustodyEvent) string {
	ja, _ := json.Marshal(a)
	jb, _ := json.Marshal(b)
	return fmt.Sprintf("ledger %s, history %s", ja, jb)
}

// printableKey shows a composite key with its NUL separators as "·".
func printableKey(k string) string {
	return strings.Trim(strings.ReplaceAll(k, "\x00", "·"), "·")
}

// strictJSON decodes a ledger record, refusing unknown fields and trailing
// data.
func strictJSON(b []byte, v any) error {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return err
	}
	if dec.More() {
		return errors.New("trailing data after the JSON value")
	}
	return nil
}
