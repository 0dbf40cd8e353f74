package verify

import (
	"context"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"encoding/hex"
	"encoding/pem"
	"fmt"
	"math/big"
	"strings"
	"testing"
	"time"

	"github.com/hyperledger/fabric-protos-go-apiv2/common"
	"github.com/hyperledger/fabric-protos-go-apiv2/msp"
	"google.golang.org/protobuf/proto"
)

func TestBFTQuorum(t *testing.T) {
	// SmartBFT: f = (n-1)/3, q = ceil((n+f+1)/2).
	for n, want := range map[int]int{1: 1, 2: 2, 3: 2, 4: 3, 5: 4, 6: 4, 7: 5, 10: 7, 13: 9} {
		if got := bftQuorum(n); got != want {
			t.Errorf("bftQuorum(%d) = %d, want %d", n, got, want)
		}
	}
}

func TestBlockHeaderBytesMatchesFabric(t *testing.T) {
	// protoutil.BlockHeaderBytes for Number 7, PreviousHash "ab", DataHash
	// "cd": SEQUENCE { INTEGER 7, OCTET STRING "ab", OCTET STRING "cd" }.
	got, err := blockHeaderBytes(&common.BlockHeader{Number: 7, PreviousHash: []byte("ab"), DataHash: []byte("cd")})
	if err != nil {
		t.Fatal(err)
	}
	want := []byte{0x30, 0x0b, 0x02, 0x01, 0x07, 0x04, 0x02, 'a', 'b', 0x04, 0x02, 'c', 'd'}
	if string(got) != string(want) {
		t.Fatalf("got % x, want % x", got, want)
	}
	// Numbers above 127 keep a positive two's-complement encoding.
	got, _ = blockHeaderBytes(&common.BlockHeader{Number: 200})
	if got[2] != 0x02 || got[3] != 0x02 || got[4] != 0x00 || got[5] != 200 {
		t.Fatalf("number 200 encoded as % x", got)
	}
}

func TestVerifySignature(t *testing.T) {
	ca := newCA(t, "X")
	s := ca.issue(t, "user", "X")
	msg := []byte("payload")
	sig := s.sign(msg)
	if err := verifySignature(s.cert, msg, sig); err != nil {
		t.Fatal(err)
	}
	// The same signature with S replaced by N-S verifies in plain ECDSA but
	// Fabric refuses it.
	var rs struct{ R, S *big.Int }
	if _, err := asn1.Unmarshal(sig, &rs); err != nil {
		t.Fatal(err)
	}
	high, _ := asn1.Marshal(struct{ R, S *big.Int }{rs.R, new(big.Int).Sub(elliptic.P256().Params().N, rs.S)})
	if err := verifySignature(s.cert, msg, high); err == nil || !strings.Contains(err.Error(), "high S") {
		t.Errorf("high S: %v", err)
	}
	for name, bad := range map[string][]byte{
		"garbage":  []byte("nope"),
		"trailing": append(append([]byte(nil), sig...), 0),
		"zero R":   mustASN1(t, big.NewInt(0), rs.S),
		"other":    s.sign([]byte("other")),
	} {
		if err := verifySignature(s.cert, msg, bad); err == nil {
			t.Errorf("%s signature verified", name)
		}
	}

	pub, priv, _ := ed25519.GenerateKey(rand.Reader)
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(99), Subject: pkix.Name{CommonName: "ed"}, NotBefore: time.Now(), NotAfter: time.Now().Add(time.Hour)}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, pub, priv)
	if err != nil {
		t.Fatal(err)
	}
	edCert, _ := x509.ParseCertificate(der)
	if err := verifySignature(edCert, msg, ed25519.Sign(priv, msg)); err != nil {
		t.Errorf("ed25519: %v", err)
	}
	if err := verifySignature(edCert, msg, ed25519.Sign(priv, []byte("x"))); err == nil {
		t.Error("ed25519 wrong message verified")
	}
	if err := verifySignature(&x509.Certificate{PublicKey: "rsa?"}, msg, sig); err == nil {
		t.Error("unknown key type verified")
	}
}

func mustASN1(t *testing.T, r, s *big.Int) []byte {
	b, err := asn1.Marshal(struct{ R, S *big.Int }{r, s})
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestMSPOrgValidate(t *testing.T) {
	root := newCA(t, "OrgMSP")
	// root -> intermediate -> identity
	ikey := newKey(t)
	serial++
	itmpl := &x509.Certificate{
		SerialNumber: big.NewInt(serial), Subject: pkix.Name{CommonName: "ica"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign | x509.KeyUsageCRLSign,
	}
	ider, err := x509.CreateCertificate(rand.Reader, itmpl, root.cert, &ikey.PublicKey, root.key)
	if err != nil {
		t.Fatal(err)
	}
	icert, _ := x509.ParseCertificate(ider)
	inter := &testCA{msp: "OrgMSP", cert: icert, key: ikey, pem: pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: ider})}
	viaInter := inter.issue(t, "user-i", "OrgMSP")
	direct := root.issue(t, "user-d", "OrgMSP")
	revoked := root.issue(t, "user-r", "OrgMSP")
	crlDER, err := x509.CreateRevocationList(rand.Reader, &x509.RevocationList{
		Number: big.NewInt(1), ThisUpdate: time.Now(), NextUpdate: time.Now().Add(time.Hour),
		RevokedCertificateEntries: []x509.RevocationListEntry{{SerialNumber: revoked.cert.SerialNumber, RevocationTime: time.Now()}},
	}, root.cert, root.key)
	if err != nil {
		t.Fatal(err)
	}
	conf := &msp.FabricMSPConfig{
		Name: "OrgMSP", RootCerts: [][]byte{root.pem}, IntermediateCerts: [][]byte{inter.pem},
		RevocationList: [][]byte{pem.EncodeToMemory(&pem.Block{Type: "X509 CRL", Bytes: crlDER})},
	}
	o, err := newMSPOrg(conf)
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range []*signer{viaInter, direct} {
		if err := o.validate(s.cert); err != nil {
			t.Errorf("%s: %v", s.cert.Subject.CommonName, err)
		}
	}
	if err := o.validate(revoked.cert); err == nil || !strings.Contains(err.Error(), "revoked") {
		t.Errorf("revoked: %v", err)
	}
	if err := o.validate(icert); err == nil || !strings.Contains(err.Error(), "CA certificate") {
		t.Errorf("CA as identity: %v", err)
	}
	if err := o.validate(newCA(t, "Other").issue(t, "x", "OrgMSP").cert); err == nil {
		t.Error("foreign certificate validated")
	}
	// Cached answers stay the same.
	if err := o.validate(revoked.cert); err == nil {
		t.Error("revoked validated on second look")
	}

	for name, c := range map[string]*msp.FabricMSPConfig{
		"no roots":         {Name: "X"},
		"bad root":         {Name: "X", RootCerts: [][]byte{[]byte("junk")}},
		"bad intermediate": {Name: "X", RootCerts: [][]byte{root.pem}, IntermediateCerts: [][]byte{[]byte("junk")}},
		"bad crl pem":      {Name: "X", RootCerts: [][]byte{root.pem}, RevocationList: [][]byte{[]byte("junk")}},
		"bad crl":          {Name: "X", RootCerts: [][]byte{root.pem}, RevocationList: [][]byte{pem.EncodeToMemory(&pem.Block{Type: "X509 CRL", Bytes: []byte("junk")})}},
	} {
		if _, err := newMSPOrg(c); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}

func TestParseIdentityErrors(t *testing.T) {
	if _, err := parseSerializedIdentity([]byte{0xff, 0xff}); err == nil {
		t.Error("garbage identity parsed")
	}
	b, _ := proto.Marshal(&msp.SerializedIdentity{Mspid: "X", IdBytes: []byte("no pem")})
	if _, err := parseSerializedIdentity(b); err == nil {
		t.Error("identity without PEM parsed")
	}
	if _, err := parsePEMCert(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: []byte("junk")})); err == nil {
		t.Error("junk certificate parsed")
	}
}

func TestSplitItemKey(t *testing.T) {
	g, s, err := splitItemKey("01/09506000134352/21/A/B/C")
	if err != nil || g != "09506000134352" || s != "A/B/C" {
		t.Errorf("got %q %q %v", g, s, err)
	}
	for _, bad := range []string{"", "01/x", "02/09506000134352/21/A", "01/09506000134352/22/A", "01//21/A", "01/09506000134352/21/"} {
		if _, _, err := splitItemKey(bad); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
}

func TestEventKeyIsShimCompositeKey(t *testing.T) {
	// shim.CreateCompositeKey("event", [gtin, serial, seq]).
	want := "\x00event\x0009506000134352\x00SN1\x000000000042\x00"
	if got := eventKey("09506000134352", "SN1", 42); got != want {
		t.Errorf("got %q want %q", got, want)
	}
}

func TestIsNotFound(t *testing.T) {
	for msg, want := range map[string]bool{
		"Failed to get transaction with id x, error no such transaction ID [x] in index": true,
		"error no such block number [9] in index":                                        true,
		"rpc error: code = Unavailable desc = connection refused":                        false,
	} {
		if got := isNotFound(errString(msg)); got != want {
			t.Errorf("%q: %v", msg, got)
		}
	}
}

type errString string

func (e errString) Error() string { return string(e) }

// A config update after genesis (here: one that revokes a peer's
// certificate) is fetched through LAST_CONFIG and used for later blocks.
func TestConfigUpdateRevokesEndorser(t *testing.T) {
	f := newFixture(t, consensusBFT)
	f.add("REGISTERED", "", mspMan, txOpts{})
	crlDER, err := x509.CreateRevocationList(rand.Reader, &x509.RevocationList{
		Number: big.NewInt(1), ThisUpdate: time.Now(), NextUpdate: time.Now().Add(time.Hour),
		RevokedCertificateEntries: []x509.RevocationListEntry{{SerialNumber: f.peers[mspMan].cert.SerialNumber, RevocationTime: time.Now()}},
	}, f.cas[mspMan].cert, f.cas[mspMan].key)
	if err != nil {
		t.Fatal(err)
	}
	f.crls = map[string][]byte{mspMan: pem.EncodeToMemory(&pem.Block{Type: "X509 CRL", Bytes: crlDER})}
	cfgNum := uint64(len(f.blocks))
	f.addBlock(f.configEnvelope(), []byte{0}, blockOpts{lastConfig: cfgNum})
	f.add("INSPECTED", "", "", txOpts{blockOpts: blockOpts{lastConfig: cfgNum}})

	rep, err := Item(context.Background(), f, testItem, Options{Chain: true})
	if err != nil {
		t.Fatal(err)
	}
	failed := failedChecks(rep)
	if len(failed[CheckEndorsements]) != 1 || failed[CheckEndorsements][0].Seq != 2 || !strings.Contains(failed[CheckEndorsements][0].Detail, "revoked") {
		t.Fatalf("want seq 2's endorsement to fail as revoked, got %+v", failed)
	}
	configs := 0
	for _, s := range rep.Steps {
		if s.Check == CheckChannelConfig {
			configs++
			if !s.OK {
				t.Errorf("config step failed: %s", s.Detail)
			}
		}
	}
	if configs != 2 {
		t.Errorf("%d config steps, want 2", configs)
	}
}

func TestConfigBlockProblems(t *testing.T) {
	for name, tamper := range map[string]func(f *fixture, cfg *common.Block){
		"unsigned config update": func(f *fixture, cfg *common.Block) {
			md := &common.Metadata{}
			_ = proto.Unmarshal(cfg.Metadata.Metadata[0], md)
			md.Signatures = nil
			cfg.Metadata.Metadata[0] = mustMarshal(md)
		},
		"config data hash": func(f *fixture, cfg *common.Block) { cfg.Header.DataHash = flip(cfg.Header.DataHash) },
		"not a config block": func(f *fixture, cfg *common.Block) {
			cfg.Data.Data = f.blocks[1].Data.Data
			cfg.Header.DataHash = blockDataHash(cfg.Data)
		},
		"missing config block": func(f *fixture, cfg *common.Block) { f.hidden = map[uint64]bool{2: true} },
	} {
		t.Run(name, func(t *testing.T) {
			f := newFixture(t, consensusBFT)
			f.add("REGISTERED", "", mspMan, txOpts{})
			cfgNum := uint64(len(f.blocks))
			cfg := f.addBlock(f.configEnvelope(), []byte{0}, blockOpts{lastConfig: cfgNum})
			f.add("INSPECTED", "", "", txOpts{blockOpts: blockOpts{lastConfig: cfgNum}})
			tamper(f, cfg)
			rep, err := Item(context.Background(), f, testItem, Options{})
			if err != nil {
				t.Fatal(err)
			}
			failed := failedChecks(rep)
			if len(failed[CheckChannelConfig]) != 1 || len(failed[CheckBlockSignatures]) != 1 || failed[CheckBlockSignatures][0].Seq != 2 {
				t.Fatalf("got %+v", failed)
			}
		})
	}
}

// Older blocks name their config block in the LAST_CONFIG metadata and leave
// the SIGNATURES value empty.
func TestLegacyLastConfig(t *testing.T) {
	f := newFixture(t, "etcdraft")
	f.add("REGISTERED", "", mspMan, txOpts{})
	b := f.blocks[1]
	md := &common.Metadata{}
	_ = proto.Unmarshal(b.Metadata.Metadata[0], md)
	if n, err := lastConfigIndex(b); err != nil || n != 0 {
		t.Fatalf("%d %v", n, err)
	}
	md.Value = nil
	b.Metadata.Metadata[0] = mustMarshal(md)
	b.Metadata.Metadata[1] = mustMarshal(&common.Metadata{Value: mustMarshal(&common.LastConfig{Index: 5})})
	if n, err := lastConfigIndex(b); err != nil || n != 5 {
		t.Fatalf("legacy: %d %v", n, err)
	}
	b.Metadata.Metadata[1] = []byte{0xff}
	if _, err := lastConfigIndex(b); err == nil {
		t.Error("garbage LAST_CONFIG parsed")
	}
	b.Metadata.Metadata = b.Metadata.Metadata[:1]
	if _, err := lastConfigIndex(b); err == nil {
		t.Error("missing LAST_CONFIG parsed")
	}
	b.Metadata.Metadata = nil
	if _, err := lastConfigIndex(b); err == nil {
		t.Error("missing metadata parsed")
	}
	if _, ok := txFilter(b, 0); ok {
		t.Error("filter without metadata")
	}
}

func TestRequireRole(t *testing.T) {
	ca := newCA(t, "OrgMSP")
	admin := ca.issueRole(t, "listed-admin", "OrgMSP") // no OU, listed in Admins
	conf := &msp.FabricMSPConfig{Name: "OrgMSP", RootCerts: [][]byte{ca.pem}, Admins: [][]byte{admin.certPEM},
		FabricNodeOus: &msp.FabricNodeOUs{Enable: true,
			ClientOuIdentifier: &msp.FabricOUIdentifier{OrganizationalUnitIdentifier: "client"},
			PeerOuIdentifier:   &msp.FabricOUIdentifier{OrganizationalUnitIdentifier: "peer"}}}
	o, err := newMSPOrg(conf)
	if err != nil {
		t.Fatal(err)
	}
	if err := o.requireRole(admin.cert, roleAdmin); err != nil {
		t.Errorf("listed admin: %v", err)
	}
	if err := o.requireRole(ca.issueRole(t, "c", "OrgMSP", "client").cert, roleClient, roleAdmin); err != nil {
		t.Errorf("client: %v", err)
	}
	if err := o.requireRole(ca.issueRole(t, "n", "OrgMSP", "other").cert, roleClient); err == nil {
		t.Error("identity without a node role accepted")
	}
	conf.FabricNodeOus = nil
	o, _ = newMSPOrg(conf)
	if err := o.requireRole(ca.issueRole(t, "n", "OrgMSP").cert, rolePeer); err != nil {
		t.Errorf("without NodeOUs every member passes: %v", err)
	}
}

// A config update that replaces the consenters is signed by the old set;
// the blocks after it by the new set.
func TestConsenterRotation(t *testing.T) {
	build := func(t *testing.T, signConfigWithNew bool) (*fixture, uint64) {
		f := newFixture(t, consensusBFT)
		f.add("REGISTERED", "", mspMan, txOpts{})
		old := f.orderers
		var fresh []*consenter
		for i := 5; i <= 8; i++ {
			fresh = append(fresh, &consenter{id: uint32(i), signer: f.cas[mspOrd].issueRole(t, fmt.Sprintf("orderer%d", i), mspOrd, roleOrderer)})
		}
		f.orderers = fresh
		env := f.configEnvelope()
		if !signConfigWithNew {
			f.orderers = old
		}
		cfgNum := uint64(len(f.blocks))
		f.addBlock(env, []byte{0}, blockOpts{lastConfig: cfgNum})
		f.orderers = fresh
		f.add("INSPECTED", "", "", txOpts{blockOpts: blockOpts{lastConfig: cfgNum}})
		return f, cfgNum
	}
	t.Run("signed by the old set", func(t *testing.T) {
		f, cfgNum := build(t, false)
		rep, err := Item(context.Background(), f, testItem, Options{Chain: true})
		if err != nil {
			t.Fatal(err)
		}
		if !rep.OK {
			t.Fatalf("failed: %+v", rep.Failed())
		}
		var details []string
		for _, s := range rep.Steps {
			if s.Check == CheckChannelConfig {
				details = append(details, s.Detail)
			}
		}
		if len(details) != 2 || !strings.Contains(details[1], "signed under config block 0") || cfgNum != 2 {
			t.Errorf("config steps %q", details)
		}
	})
	t.Run("signed by the new set only", func(t *testing.T) {
		f, _ := build(t, true)
		rep, err := Item(context.Background(), f, testItem, Options{})
		if err != nil {
			t.Fatal(err)
		}
		failed := failedChecks(rep)
		if len(failed[CheckChannelConfig]) != 1 || !strings.Contains(failed[CheckChannelConfig][0].Detail, "not in the config") {
			t.Fatalf("got %+v", failed)
		}
	})
}

func TestGenesisPin(t *testing.T) {
	f := newFixture(t, consensusBFT)
	f.tenEvents(nil)
	h, _ := blockHeaderHash(f.blocks[0].Header)
	// Unpinned, the report gives the served hash, which is what a pin takes.
	rep, err := Item(context.Background(), f, testItem, Options{})
	if err != nil || !rep.OK {
		t.Fatalf("unpinned: %v %+v", err, rep.Failed())
	}
	if rep.GenesisHash != hex.EncodeToString(h) {
		t.Fatalf("report genesis hash %q, want %x", rep.GenesisHash, h)
	}
	// The same value block 1 links to: the header hash, as Fabric chains it.
	if got := hex.EncodeToString(f.blocks[1].Header.PreviousHash); got != rep.GenesisHash {
		t.Errorf("block 1 previous hash %s, report %s", got, rep.GenesisHash)
	}
	if !strings.Contains(rep.Steps[0].Detail, "genesis hash "+rep.GenesisHash+" (not pinned)") {
		t.Errorf("config step %+v", rep.Steps[0])
	}
	pin, _ := hex.DecodeString(rep.GenesisHash)
	rep, err = Item(context.Background(), f, testItem, Options{GenesisHash: pin})
	if err != nil || !rep.OK {
		t.Fatalf("pinned genesis: %v %+v", err, rep.Failed())
	}
	rep, err = Item(context.Background(), f, testItem, Options{GenesisHash: flip(h)})
	if err != nil {
		t.Fatal(err)
	}
	failed := failedChecks(rep)
	if len(failed[CheckChannelConfig]) != 1 || !strings.Contains(failed[CheckChannelConfig][0].Detail, "pinned") || len(failed[CheckBlockSignatures]) != 10 {
		t.Fatalf("wrong genesis: %+v", failed)
	}
}

// A block before a config update that names a later config is refused
// instead of looping.
func TestConfigChainPointsForward(t *testing.T) {
	f := newFixture(t, consensusBFT)
	f.add("REGISTERED", "", mspMan, txOpts{blockOpts: blockOpts{lastConfig: 2}})
	f.addBlock(f.configEnvelope(), []byte{0}, blockOpts{lastConfig: 2})
	f.add("INSPECTED", "", "", txOpts{blockOpts: blockOpts{lastConfig: 2}})
	rep, err := Item(context.Background(), f, testItem, Options{})
	if err != nil {
		t.Fatal(err)
	}
	failed := failedChecks(rep)
	if len(failed[CheckChannelConfig]) != 1 || !strings.Contains(failed[CheckChannelConfig][0].Detail, "not an earlier one") {
		t.Fatalf("got %+v", failed)
	}
}

// The block before a config block names the config in force before it (its
// "last config" pointer): verify relies on that pointer only when that
// config's orderers signed the block.
func TestConfigPointerBlockSigned(t *testing.T) {
	for _, tc := range []struct {
		name string
		o    blockOpts
		want string
	}{
		{"unsigned", blockOpts{signers: -1}, "0 valid of 3 needed"},
		{"forged signature", blockOpts{flipSig: true}, "invalid signature"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := newFixture(t, consensusBFT)
			f.add("REGISTERED", "", mspMan, txOpts{})
			// a block of another item, which verify reads only for its pointer
			f.addBlock(f.configEnvelope(), []byte{0}, tc.o)
			cfgNum := uint64(len(f.blocks))
			f.addBlock(f.configEnvelope(), []byte{0}, blockOpts{lastConfig: cfgNum})
			f.add("OFFERED", mspMan, mspDist, txOpts{blockOpts: blockOpts{lastConfig: cfgNum}})
			rep, err := Item(context.Background(), f, testItem, Options{})
			if err != nil {
				t.Fatal(err)
			}
			failed := failedChecks(rep)
			cc := failed[CheckChannelConfig]
			if len(cc) != 1 || !strings.Contains(cc[0].Detail, "block 2, which names config block 0 as the one before block 3, is not signed by its orderers") || !strings.Contains(cc[0].Detail, tc.want) {
				t.Fatalf("got %+v", failed)
			}
		})
	}
}
