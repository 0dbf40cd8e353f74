package verify

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"math/big"
	"sync"
	"testing"
	"time"

	"github.com/hyperledger/fabric-protos-go-apiv2/common"
	"github.com/hyperledger/fabric-protos-go-apiv2/ledger/rwset"
	"github.com/hyperledger/fabric-protos-go-apiv2/ledger/rwset/kvrwset"
	"github.com/hyperledger/fabric-protos-go-apiv2/msp"
	"github.com/hyperledger/fabric-protos-go-apiv2/orderer"
	"github.com/hyperledger/fabric-protos-go-apiv2/peer"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/provledger/provenance/chaincode/domain"
)

// The fixture is a small channel built with the protos the way Fabric 3
// builds it: a config block (three peer orgs, one orderer org, four BFT
// consenters), then one block per custody transaction, signed by the
// creator, endorsed by peers and signed by consenters. Tamper options make a
// transaction or block that a forger holding the keys could produce, so
// that exactly the intended check fails.

const (
	testChannel   = "supplychain"
	testChaincode = "provenance"
	testGTIN      = "09506000134352"
	testSerial    = "SN/0001" // a slash inside the serial on purpose
	testItem      = "01/" + testGTIN + "/21/" + testSerial
)

var (
	mspMan  = "ManufacturerMSP"
	mspDist = "DistributorMSP"
	mspCust = "CustomsMSP"
	mspOrd  = "OrdererMSP"
)

type testCA struct {
	msp  string
	cert *x509.Certificate
	key  *ecdsa.PrivateKey
	pem  []byte
}

type signer struct {
	msp     string
	cert    *x509.Certificate
	certPEM []byte
	key     *ecdsa.PrivateKey
}

var serial int64 = 1

func newKey(t testing.TB) *ecdsa.PrivateKey {
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func newCA(t testing.TB, mspID string) *testCA {
	key := newKey(t)
	serial++
	tmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(serial),
		Subject:               pkix.Name{CommonName: "ca." + mspID, Organization: []string{mspID}},
		NotBefore:             time.Now().Add(-time.Hour),
		NotAfter:              time.Now().Add(24 * time.Hour),
		IsCA:                  true,
		BasicConstraintsValid: true,
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageCRLSign | x509.KeyUsageDigitalSignature,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	cert, _ := x509.ParseCertificate(der)
	return &testCA{msp: mspID, cert: cert, key: key, pem: pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})}
}

// issue makes an identity certificate; mspID is what the identity will
// claim, which a forger may set to another org than the issuing CA's.
func (ca *testCA) issue(t testing.TB, cn, mspID string) *signer {
	return ca.issueRole(t, cn, mspID, rolePeer)
}

// issueRole makes an identity certificate whose OU names its NodeOU role.
func (ca *testCA) issueRole(t testing.TB, cn, mspID string, ous ...string) *signer {
	return ca.issueAttrs(t, cn, mspID, nil, ous...)
}

// issueAttrs makes an identity certificate carrying Fabric CA attributes
// (the 1.2.3.4.5.6.7.8.1 extension) when attrs is not nil.
func (ca *testCA) issueAttrs(t testing.TB, cn, mspID string, attrs map[string]string, ous ...string) *signer {
	key := newKey(t)
	serial++
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(serial),
		Subject:      pkix.Name{CommonName: cn, OrganizationalUnit: ous},
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().Add(time.Hour), // expiry is not held against old transactions
		KeyUsage:     x509.KeyUsageDigitalSignature,
	}
	if attrs != nil {
		v, _ := json.Marshal(map[string]any{"attrs": attrs})
		tmpl.ExtraExtensions = []pkix.Extension{{Id: attrOID, Value: v}}
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, ca.cert, &key.PublicKey, ca.key)
	if err != nil {
		t.Fatal(err)
	}
	cert, _ := x509.ParseCertificate(der)
	return &signer{msp: mspID, cert: cert, key: key, certPEM: pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})}
}

func (s *signer) serialized() []byte {
	return mustMarshal(&msp.SerializedIdentity{Mspid: s.msp, IdBytes: s.certPEM})
}

// sign is Fabric's ECDSA signing: SHA-256, DER, low S.
func (s *signer) sign(msg []byte) []byte {
	d := sha256.Sum256(msg)
	r, sv, err := ecdsa.Sign(rand.Reader, s.key, d[:])
	if err != nil {
		panic(err)
	}
	if sv.Cmp(halfOrder(elliptic.P256())) > 0 {
		sv = new(big.Int).Sub(elliptic.P256().Params().N, sv)
	}
	b, _ := asn1.Marshal(struct{ R, S *big.Int }{r, sv})
	return b
}

func mustMarshal(m proto.Message) []byte {
	b, err := proto.Marshal(m)
	if err != nil {
		panic(err)
	}
	return b
}

func flip(b []byte) []byte {
	c := append([]byte(nil), b...)
	c[len(c)/2] ^= 0x01
	return c
}

type consenter struct {
	id uint32
	*signer
}

type fixture struct {
	t          testing.TB
	cas        map[string]*testCA
	users      map[string]*signer // a client per peer org
	peers      map[string]*signer // a peer per peer org
	orderers   []*consenter
	consensus  string
	blocks     []*common.Block
	txs        map[string]*peer.ProcessedTransaction
	txBlock    map[string]uint64
	events     []domain.CustodyEvent
	roles      []domain.OrgRole
	clock      time.Time
	historyErr error
	// counter is the sequence History reports as the counter's (LastSeq);
	// 0: the last event's, as the chaincode reports an untouched counter.
	counter  uint64
	hidden   map[uint64]bool   // blocks BlockByNumber says it lacks
	crls     map[string][]byte // revocation list per MSP, in later config blocks
	state    domain.CustodyState
	prefixes map[string]*domain.Prefix
	// roleHistory is what OrgRolesHistory answers (addRoleChange).
	roleHistory []domain.RoleSetChange
	mu          sync.Mutex
	calls       map[string]int
	// units are the logistic units of units_test.go, by key.
	units map[string]*fixUnit
}

func (f *fixture) count(name string) {
	f.mu.Lock()
	f.calls[name]++
	f.mu.Unlock()
}

func newFixture(t testing.TB, consensus string) *fixture {
	f := &fixture{
		t: t, cas: map[string]*testCA{}, users: map[string]*signer{}, peers: map[string]*signer{},
		consensus: consensus, txs: map[string]*peer.ProcessedTransaction{}, txBlock: map[string]uint64{},
		clock: time.Date(2026, 11, 24, 10, 0, 0, 123456789, time.UTC), calls: map[string]int{},
		prefixes: map[string]*domain.Prefix{"9506000": {Prefix: "9506000", Owner: mspMan, Status: domain.PrefixActive, Approvals: []string{mspMan, mspDist}}},
		roles:    []domain.OrgRole{{MSP: mspCust, Role: domain.RoleCustoms}, {MSP: mspDist, Role: domain.RoleDistributor}, {MSP: mspMan, Role: domain.RoleManufacturer}},
	}
	for _, m := range []string{mspMan, mspDist, mspCust, mspOrd} {
		f.cas[m] = newCA(t, m)
	}
	for _, r := range f.roles {
		m := r.MSP
		f.users[m] = f.cas[m].issueAttrs(t, "user1", m, map[string]string{domain.RoleAttribute: string(r.Role), "hf.EnrollmentID": "user1"}, roleClient)
		f.peers[m] = f.cas[m].issue(t, "peer0."+m, m)
	}
	for i := 1; i <= 4; i++ {
		f.orderers = append(f.orderers, &consenter{id: uint32(i), signer: f.cas[mspOrd].issueRole(t, fmt.Sprintf("orderer%d", i), mspOrd, roleOrderer)})
	}
	f.addBlock(f.configEnvelope(), []byte{0}, blockOpts{})
	return f
}

func mspValue(ca *testCA, crl []byte) *common.ConfigValue {
	ou := func(role string) *msp.FabricOUIdentifier {
		return &msp.FabricOUIdentifier{Certificate: ca.pem, OrganizationalUnitIdentifier: role}
	}
	fc := &msp.FabricMSPConfig{Name: ca.msp, RootCerts: [][]byte{ca.pem}, FabricNodeOus: &msp.FabricNodeOUs{
		Enable: true, ClientOuIdentifier: ou(roleClient), PeerOuIdentifier: ou(rolePeer),
		AdminOuIdentifier: ou(roleAdmin), OrdererOuIdentifier: ou(roleOrderer),
	}}
	if crl != nil {
		fc.RevocationList = [][]byte{crl}
	}
	return &common.ConfigValue{Value: mustMarshal(&msp.MSPConfig{Type: 0, Config: mustMarshal(fc)})}
}

func (f *fixture) configEnvelope() []byte {
	app := &common.ConfigGroup{Groups: map[string]*common.ConfigGroup{}}
	for _, m := range []string{mspMan, mspDist, mspCust} {
		app.Groups[m[:len(m)-3]+"Org"] = &common.ConfigGroup{Values: map[string]*common.ConfigValue{valueMSP: mspValue(f.cas[m], f.crls[m])}}
	}
	ord := &common.ConfigGroup{
		Groups: map[string]*common.ConfigGroup{"OrdererOrg": {Values: map[string]*common.ConfigValue{valueMSP: mspValue(f.cas[mspOrd], nil)}}},
		Values: map[string]*common.ConfigValue{valueConsensus: {Value: mustMarshal(&orderer.ConsensusType{Type: f.consensus})}},
	}
	if f.consensus == consensusBFT {
		var cm []*common.Consenter
		for _, o := range f.orderers {
			cm = append(cm, &common.Consenter{Id: o.id, Host: "127.0.0.1", Port: 7050 + o.id, MspId: o.msp, Identity: o.certPEM})
		}
		ord.Values[valueOrderers] = &common.ConfigValue{Value: mustMarshal(&common.Orderers{ConsenterMapping: cm})}
	}
	cfg := &common.ConfigEnvelope{Config: &common.Config{ChannelGroup: &common.ConfigGroup{
		Groups: map[string]*common.ConfigGroup{groupApplication: app, groupOrderer: ord},
	}}}
	payload := &common.Payload{
		Header: &common.Header{
			ChannelHeader:   mustMarshal(&common.ChannelHeader{Type: int32(common.HeaderType_CONFIG), ChannelId: testChannel}),
			SignatureHeader: mustMarshal(&common.SignatureHeader{}),
		},
		Data: mustMarshal(cfg),
	}
	return mustMarshal(&common.Envelope{Payload: mustMarshal(payload)})
}

type blockOpts struct {
	signers       int  // consenters that sign; 0 means all, -1 none
	flipSig       bool // flip a byte of the first signature
	badDataHash   bool // header data hash that is not the data's
	badPrevHash   bool // previous hash that is not the previous header's
	identityForm  bool // BFT signatures with a full signature header instead of an identifier
	foreignSigner bool // one signer that is not a consenter (a peer)
	lastConfig    uint64
}

func (f *fixture) addBlock(env []byte, filter []byte, o blockOpts) *common.Block {
	n := uint64(len(f.blocks))
	hdr := &common.BlockHeader{Number: n, DataHash: blockDataHash(&common.BlockData{Data: [][]byte{env}})}
	if n > 0 {
		hdr.PreviousHash, _ = blockHeaderHash(f.blocks[n-1].Header)
	}
	if o.badPrevHash {
		hdr.PreviousHash = flip(hdr.PreviousHash)
	}
	if o.badDataHash {
		hdr.DataHash = flip(hdr.DataHash)
	}
	obm := mustMarshal(&common.OrdererBlockMetadata{LastConfig: &common.LastConfig{Index: o.lastConfig}})
	md := &common.Metadata{Value: obm}
	if n > 0 {
		hb, _ := blockHeaderBytes(hdr)
		k := o.signers
		switch {
		case k == 0:
			k = len(f.orderers)
		case k < 0: // none
			k = 0
		}
		for _, c := range f.orderers[:k] {
			var ms *common.MetadataSignature
			switch {
			case f.consensus == consensusBFT && !o.identityForm:
				ih := mustMarshal(&common.IdentifierHeader{Identifier: c.id, Nonce: []byte("nonce")})
				ms = &common.MetadataSignature{IdentifierHeader: ih, Signature: c.sign(concat(obm, ih, hb))}
			default:
				sh := mustMarshal(&common.SignatureHeader{Creator: c.serialized(), Nonce: []byte("nonce")})
				ms = &common.MetadataSignature{SignatureHeader: sh, Signature: c.sign(concat(obm, sh, hb))}
			}
			md.Signatures = append(md.Signatures, ms)
		}
		if o.foreignSigner {
			p := f.peers[mspMan]
			sh := mustMarshal(&common.SignatureHeader{Creator: p.serialized(), Nonce: []byte("nonce")})
			md.Signatures = append(md.Signatures, &common.MetadataSignature{SignatureHeader: sh, Signature: p.sign(concat(obm, sh, hb))})
		}
		if o.flipSig && len(md.Signatures) > 0 {
			md.Signatures[0].Signature = flip(md.Signatures[0].Signature)
		}
	}
	b := &common.Block{
		Header: hdr,
		Data:   &common.BlockData{Data: [][]byte{env}},
		Metadata: &common.BlockMetadata{Metadata: [][]byte{
			mustMarshal(md),
			mustMarshal(&common.Metadata{Value: mustMarshal(&common.LastConfig{Index: o.lastConfig})}),
			filter, {}, {},
		}},
	}
	f.blocks = append(f.blocks, b)
	return b
}

type txOpts struct {
	creator         *signer
	endorsers       []*signer
	flipCreatorSig  bool
	flipEndorsement bool
	code            peer.TxValidationCode
	at              time.Time           // transaction timestamp; zero: the fixture clock
	writeValue      func([]byte) []byte // rewrites the event's written value
	extraWrites     []*kvrwset.KVWrite
	noEventWrite    bool
	namespace       string
	eventTimestamp  string // event claims another timestamp than the tx
	submitterID     string // event (history and write set) claims another submitter ID
	otherTxID       bool   // channel header tx ID that is not hash(nonce, creator)
	otherProposal   bool   // endorsements of another proposal
	reason          string // the act's reason (event details)
	authority       domain.Authority
	vote            string
	dropWrite       domain.KeyKind                         // leave this kind of the decision's writes out
	noPolicy        bool                                   // write no key-level policies
	eventPolicy     func(domain.KeyWrite) domain.KeyPolicy // the event key's policy instead of the decision's
	extraMeta       []*kvrwset.KVMetadataWrite
	blockOpts       blockOpts
}

// endorsersFor picks the peers a gateway would collect: the orgs the
// decision's (or the event's) policy names, then others up to the majority.
func (f *fixture) endorsersFor(typ domain.EventType, from, to, submitter string, d *domain.Decision) []*signer {
	p := domain.ExpectedEndorsers(domain.CustodyEvent{Type: typ, From: from, To: to}, f.roles)
	if d != nil {
		p = d.Endorsement
	}
	var out []*signer
	have := map[string]bool{}
	for _, m := range append(append([]string(nil), p.AllOf...), submitter, mspMan, mspDist, mspCust) {
		if have[m] || (len(out) >= p.Threshold && len(out) >= len(p.AllOf)) {
			continue
		}
		have[m] = true
		out = append(out, f.peers[m])
	}
	return out
}

// add records a custody event in a transaction of its own block. The event
// and the writes come from the chaincode's own decision (domain.Decide) over
// the fixture's item state, as the genuine chaincode makes them; an act the
// decision refuses, and the legacy INSPECTED event, are written the way a
// forger (or the old layout) would: the event and counter keys only.
func (f *fixture) add(typ domain.EventType, from, to string, o txOpts) domain.CustodyEvent {
	if o.creator == nil {
		o.creator = f.users[mspMan]
	}
	if o.namespace == "" {
		o.namespace = testChaincode
	}
	f.clock = f.clock.Add(1500 * time.Millisecond)
	at := f.clock
	if !o.at.IsZero() {
		at = o.at
	}
	nonce := make([]byte, 24)
	_, _ = rand.Read(nonce)
	creator := o.creator.serialized()
	sum := sha256.Sum256(concat(nonce, creator))
	txID := hex.EncodeToString(sum[:])
	hdrTxID := txID
	if o.otherTxID {
		hdrTxID = txID[:len(txID)-4] + "beef"
	}
	now := domain.FormatTimestamp(at.UnixNano())
	id := domain.ItemID{GTIN: testGTIN, Serial: testSerial}
	if f.state.ID.GTIN == "" {
		f.state.ID = id
	}
	var (
		ev       domain.CustodyEvent
		kwrites  []domain.KeyWrite
		decision *domain.Decision
	)
	if act, ok := actOf(typ); ok {
		tx := &endorserTx{creator: &identity{mspID: o.creator.msp, cert: o.creator.cert}}
		req := domain.Request{Act: act, Actor: actorOf(tx), Roles: f.roles, TxID: hdrTxID, Now: now, To: to,
			Reason: o.reason, Brand: mspMan, Authority: o.authority, Vote: o.vote}
		if req.Reason == "" {
			switch act {
			case domain.ActDecommission:
				req.Reason = domain.ReasonDispensed
			case domain.ActHold:
				req.Reason = "documents missing"
			case domain.ActRecallItem:
				req.Reason = "seal defect"
			}
		}
		if act == domain.ActRegister {
			req.New = &domain.Item{GTIN: testGTIN, Serial: testSerial, Lot: "L42"}
		}
		if d, err := domain.Decide(f.state, req); err == nil {
			decision, ev, kwrites = d, d.Event, d.Writes
			f.state = f.state.After(d)
		}
	}
	if decision == nil {
		ev = domain.CustodyEvent{
			Item: testItem, Seq: f.state.Seq + 1, Type: typ, From: from, To: to,
			SubmitterMSP: o.creator.msp, SubmitterID: clientID(o.creator.cert), TxID: hdrTxID, Timestamp: now, Details: o.reason,
		}
		f.state.Seq, f.state.LastEventAt = ev.Seq, ev.Timestamp
		val, _ := domain.Marshal(ev)
		kwrites = []domain.KeyWrite{
			{Kind: domain.KeyEvent, Key: domain.EventKey(id, ev.Seq), Value: val},
			{Kind: domain.KeyCounter, Key: domain.CounterKey(id), Value: []byte(fmt.Sprint(ev.Seq))},
		}
	}
	if o.eventTimestamp != "" || o.submitterID != "" {
		if o.eventTimestamp != "" {
			ev.Timestamp = o.eventTimestamp
		}
		if o.submitterID != "" {
			ev.SubmitterID = o.submitterID
		}
		val, _ := domain.Marshal(ev)
		for i := range kwrites {
			if kwrites[i].Kind == domain.KeyEvent {
				kwrites[i].Value = val
			}
		}
	}
	if o.endorsers == nil {
		o.endorsers = f.endorsersFor(typ, from, to, o.creator.msp, decision)
	}
	var writes []*kvrwset.KVWrite
	var metas []*kvrwset.KVMetadataWrite
	for _, kw := range kwrites {
		val := kw.Value
		if kw.Kind == domain.KeyEvent {
			if o.noEventWrite {
				continue
			}
			if o.writeValue != nil {
				val = o.writeValue(val)
			}
		}
		if o.dropWrite != "" && kw.Kind == o.dropWrite {
			continue
		}
		writes = append(writes, &kvrwset.KVWrite{Key: kw.Key, Value: val, IsDelete: kw.Delete})
		if kw.SetPolicy && kw.Policy != nil && !o.noPolicy {
			pol := *kw.Policy
			if kw.Kind == domain.KeyEvent && o.eventPolicy != nil {
				pol = o.eventPolicy(kw)
			}
			metas = append(metas, &kvrwset.KVMetadataWrite{Key: kw.Key, Entries: []*kvrwset.KVMetadataEntry{
				{Name: validationParameter, Value: policyEnvelope(pol)}}})
		}
	}
	writes = append(writes, &kvrwset.KVWrite{Key: testItem, Value: []byte(`{"id":"` + testItem + `"}`)}) // not a key of the item
	writes = append(writes, o.extraWrites...)
	metas = append(metas, o.extraMeta...)
	f.commit(hdrTxID, nonce, at, writes, metas, o)
	f.events = append(f.events, ev)
	return ev
}

// commit wraps the writes of o.namespace in an endorser transaction signed
// by o.creator and endorsed by o.endorsers, in a block of its own.
func (f *fixture) commit(txID string, nonce []byte, at time.Time, writes []*kvrwset.KVWrite, metas []*kvrwset.KVMetadataWrite, o txOpts) *common.Block {
	creator := o.creator.serialized()
	results := mustMarshal(&rwset.TxReadWriteSet{DataModel: rwset.TxReadWriteSet_KV, NsRwset: []*rwset.NsReadWriteSet{
		{Namespace: "_lifecycle", Rwset: mustMarshal(&kvrwset.KVRWSet{})},
		{Namespace: o.namespace, Rwset: mustMarshal(&kvrwset.KVRWSet{Writes: writes, MetadataWrites: metas})},
	}})
	shdr := mustMarshal(&common.SignatureHeader{Creator: creator, Nonce: nonce})
	chdr := mustMarshal(&common.ChannelHeader{
		Type: int32(common.HeaderType_ENDORSER_TRANSACTION), ChannelId: testChannel,
		TxId: txID, Timestamp: timestamppb.New(at),
	})
	ccpp := []byte("proposal")
	proposalHash := sha256.Sum256(concat(chdr, shdr, ccpp))
	if o.otherProposal {
		proposalHash = sha256.Sum256([]byte("another proposal"))
	}
	prp := mustMarshal(&peer.ProposalResponsePayload{
		ProposalHash: proposalHash[:],
		Extension: mustMarshal(&peer.ChaincodeAction{
			Results: results, ChaincodeId: &peer.ChaincodeID{Name: o.namespace, Version: "1.0"},
			Response: &peer.Response{Status: 200},
		}),
	})
	var ends []*peer.Endorsement
	for _, e := range o.endorsers {
		ser := e.serialized()
		ends = append(ends, &peer.Endorsement{Endorser: ser, Signature: e.sign(concat(prp, ser))})
	}
	if o.flipEndorsement {
		ends[0].Signature = flip(ends[0].Signature)
	}
	tx := mustMarshal(&peer.Transaction{Actions: []*peer.TransactionAction{{
		Header: shdr,
		Payload: mustMarshal(&peer.ChaincodeActionPayload{
			ChaincodeProposalPayload: ccpp,
			Action:                   &peer.ChaincodeEndorsedAction{ProposalResponsePayload: prp, Endorsements: ends},
		}),
	}}})
	payload := mustMarshal(&common.Payload{
		Header: &common.Header{
			ChannelHeader:   chdr,
			SignatureHeader: shdr,
		},
		Data: tx,
	})
	sig := o.creator.sign(payload)
	if o.flipCreatorSig {
		sig = flip(sig)
	}
	envelope := &common.Envelope{Payload: payload, Signature: sig}
	b := f.addBlock(mustMarshal(envelope), []byte{byte(o.code)}, o.blockOpts)
	f.txs[txID] = &peer.ProcessedTransaction{TransactionEnvelope: envelope, ValidationCode: int32(o.code)}
	f.txBlock[txID] = b.Header.Number
	return b
}

// addRoleChange commits a transaction writing the org-role set (as the
// governance transactions do: an admin submits, a majority endorses) and
// lists it in the ledger's role history.
func (f *fixture) addRoleChange(roles []domain.OrgRole, o txOpts) domain.RoleSetChange {
	if o.creator == nil {
		o.creator = f.users[mspMan]
	}
	if o.namespace == "" {
		o.namespace = testChaincode
	}
	if o.endorsers == nil {
		o.endorsers = []*signer{f.peers[mspMan], f.peers[mspDist]}
	}
	f.clock = f.clock.Add(1500 * time.Millisecond)
	nonce := make([]byte, 24)
	_, _ = rand.Read(nonce)
	sum := sha256.Sum256(concat(nonce, o.creator.serialized()))
	txID := hex.EncodeToString(sum[:])
	val, _ := json.Marshal(roles)
	f.commit(txID, nonce, f.clock, []*kvrwset.KVWrite{{Key: domain.RolesKey, Value: val}}, nil, o)
	ch := domain.RoleSetChange{TxID: txID, Timestamp: domain.FormatTimestamp(f.clock.UnixNano()), Roles: roles}
	f.roleHistory = append(f.roleHistory, ch)
	return ch
}

// policyEnvelope spells a key-level policy as the chaincode would:
// AND(AllOf), or OutOf(1 or 2 with AndMajority, AND(AllOf), OutOf(Threshold,
// Orgs)), peer roles; OutOf(1) of no rule when sealed.
func policyEnvelope(p domain.KeyPolicy) []byte {
	if p.Sealed {
		return mustMarshal(&common.SignaturePolicyEnvelope{Rule: &common.SignaturePolicy{Type: &common.SignaturePolicy_NOutOf_{NOutOf: &common.SignaturePolicy_NOutOf{N: 1}}}})
	}
	var ids []*msp.MSPPrincipal
	index := map[string]int32{}
	signed := func(org string) *common.SignaturePolicy {
		i, ok := index[org]
		if !ok {
			i = int32(len(ids))
			index[org] = i
			ids = append(ids, &msp.MSPPrincipal{PrincipalClassification: msp.MSPPrincipal_ROLE,
				Principal: mustMarshal(&msp.MSPRole{MspIdentifier: org, Role: msp.MSPRole_PEER})})
		}
		return &common.SignaturePolicy{Type: &common.SignaturePolicy_SignedBy{SignedBy: i}}
	}
	outOf := func(n int, rules []*common.SignaturePolicy) *common.SignaturePolicy {
		return &common.SignaturePolicy{Type: &common.SignaturePolicy_NOutOf_{NOutOf: &common.SignaturePolicy_NOutOf{N: int32(n), Rules: rules}}}
	}
	var all []*common.SignaturePolicy
	for _, o := range p.AllOf {
		all = append(all, signed(o))
	}
	rule := outOf(len(all), all)
	if len(p.Orgs) > 0 {
		var maj []*common.SignaturePolicy
		for _, o := range p.Orgs {
			maj = append(maj, signed(o))
		}
		n := 1 // either
		if p.AndMajority {
			n = 2 // both
		}
		rule = outOf(n, []*common.SignaturePolicy{rule, outOf(p.Threshold, maj)})
	}
	return mustMarshal(&common.SignaturePolicyEnvelope{Rule: rule, Identities: ids})
}

// tenEvents records a realistic custody record of ten events.
func (f *fixture) tenEvents(tamper map[int]txOpts) {
	type step struct {
		typ      domain.EventType
		by       string
		from, to string
		endorse  []string
	}
	steps := []step{
		{domain.EventRegistered, mspMan, "", mspMan, nil},
		{domain.EventInspected, mspMan, "", "", nil},
		{domain.EventOffered, mspMan, mspMan, mspDist, nil},
		{domain.EventAccepted, mspDist, mspMan, mspDist, []string{mspDist, mspMan}},
		{domain.EventHeld, mspCust, "", "", nil},
		{domain.EventReleased, mspCust, "", "", nil},
		{domain.EventOffered, mspDist, mspDist, mspMan, nil},
		{domain.EventRejected, mspMan, mspDist, mspMan, nil},
		{domain.EventInspected, mspCust, "", "", []string{mspCust, mspDist}},
		{domain.EventDecommissioned, mspDist, mspDist, "", nil},
	}
	for i, s := range steps {
		o := tamper[i+1]
		if o.creator == nil {
			o.creator = f.users[s.by]
		}
		if o.endorsers == nil && s.endorse != nil {
			for _, m := range s.endorse {
				o.endorsers = append(o.endorsers, f.peers[m])
			}
		}
		f.add(s.typ, s.from, s.to, o)
	}
}

// fake Ledger over the fixture.
func (f *fixture) Channel() string       { return testChannel }
func (f *fixture) ChaincodeName() string { return testChaincode }

func (f *fixture) History(_ context.Context, id string, fromSeq uint64, limit int) (domain.HistoryPage, error) {
	f.count("History")
	if f.historyErr != nil {
		return domain.HistoryPage{}, f.historyErr
	}
	events := f.events
	if id != testItem {
		u := f.units[id]
		if u == nil {
			return domain.HistoryPage{}, domain.Errorf(domain.CodeNotFound, "item %s is not registered", id)
		}
		events = u.events
	}
	var page domain.HistoryPage
	for _, ev := range events {
		if ev.Seq < fromSeq {
			continue
		}
		if len(page.Events) == limit {
			page.NextSeq = ev.Seq
			break
		}
		page.Events = append(page.Events, ev)
	}
	if n := len(events); n > 0 {
		page.LastSeq = events[n-1].Seq
	}
	if f.counter != 0 && id == testItem {
		page.LastSeq = f.counter
	}
	return page, nil
}

func (f *fixture) Prefix(_ context.Context, p string) (*domain.Prefix, error) {
	f.count("Prefix")
	return f.prefixes[p], nil
}

func (f *fixture) OrgRoles(context.Context) ([]domain.OrgRole, error) {
	f.count("OrgRoles")
	return f.roles, nil
}

func (f *fixture) OrgRolesHistory(context.Context) ([]domain.RoleSetChange, error) {
	return f.roleHistory, nil
}

func (f *fixture) TransactionByID(_ context.Context, txID string) (*peer.ProcessedTransaction, error) {
	f.count("TransactionByID")
	pt, ok := f.txs[txID]
	if !ok {
		return nil, fmt.Errorf("no such transaction ID [%s] in index: %w", txID, ErrNotFound)
	}
	return pt, nil
}

func (f *fixture) BlockByTxID(_ context.Context, txID string) (*common.Block, error) {
	f.count("BlockByTxID")
	n, ok := f.txBlock[txID]
	if !ok {
		return nil, fmt.Errorf("no such transaction ID [%s] in index: %w", txID, ErrNotFound)
	}
	return f.blocks[n], nil
}

func (f *fixture) BlockByNumber(_ context.Context, n uint64) (*common.Block, error) {
	f.count("BlockByNumber")
	if n >= uint64(len(f.blocks)) || f.hidden[n] {
		return nil, fmt.Errorf("no such block number [%d] in index: %w", n, ErrNotFound)
	}
	return f.blocks[n], nil
}

func (f *fixture) ChainInfo(context.Context) (*common.BlockchainInfo, error) {
	f.count("ChainInfo")
	top := f.blocks[len(f.blocks)-1]
	h, _ := blockHeaderHash(top.Header)
	return &common.BlockchainInfo{Height: uint64(len(f.blocks)), CurrentBlockHash: h, PreviousBlockHash: top.Header.PreviousHash}, nil
}

func base64Decode(s string) (string, error) {
	b, err := base64.StdEncoding.DecodeString(s)
	return string(b), err
}
