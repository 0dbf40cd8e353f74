// Package shimtest is an in-memory stand-in for the Fabric peer, good enough
// to unit-test a fabric-contract-api-go contract without a network: a
// ChaincodeStubInterface with committed world state and per-transaction
// pending writes, real x509 client identities (see NewIdentity) and a
// harness that routes calls through contractapi (see Harness).
//
// It follows the peer's semantics where a contract can tell the difference:
//
//   - Reads (GetState, GetMultipleStates, range and composite-key queries,
//     validation parameters) see committed state only, never the
//     transaction's own writes: Fabric has no read-your-writes.
//   - PutState with an empty value is a delete (as in Fabric's write set).
//   - Writes of a transaction are applied at Commit; Abort (or a failed
//     Commit) discards them, so a refused transaction writes nothing.
//   - StartWriteBatch buffers writes until FinishWriteBatch (or Commit, as the
//     real shim's handler flushes after Invoke).
//   - A paginated query after a write, or a write after a paginated query,
//     fails as on the peer ("Paginated queries are supported only in a
//     read-only transaction").
//   - Range results are in key order; a paginated query's bookmark is the
//     next key (empty when there are no more), as with LevelDB.
//   - A validation parameter (key-level endorsement policy) set on a key that
//     does not exist after the transaction is dropped; deleting a key drops
//     its validation parameter.
//
// Not supported (they return an error saying "not supported by shimtest"):
// rich queries, private data, InvokeChaincode, GetBinding. A Stub is not safe
// for concurrent use; give each test its own.
package shimtest

import (
	"errors"
	"fmt"
	"sort"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/hyperledger/fabric-chaincode-go/v2/shim"
	"github.com/hyperledger/fabric-protos-go-apiv2/common"
	"github.com/hyperledger/fabric-protos-go-apiv2/ledger/queryresult"
	"github.com/hyperledger/fabric-protos-go-apiv2/peer"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/timestamppb"
)

// Composite key encoding, as in the real shim.
const (
	compositeKeyNamespace = "\x00"
	minUnicodeRuneValue   = 0
	maxUnicodeRuneValue   = utf8.MaxRune
	emptyKeySubstitute    = "\x01"
)

// ErrNotSupported is wrapped by every error of an API the stub does not emulate.
var ErrNotSupported = errors.New("not supported by shimtest")

// ErrNoTx is returned by writes and transaction data outside BeginTx/Commit.
var ErrNoTx = errors.New("shimtest: no transaction open (call BeginTx)")

type entry struct {
	value []byte
	ep    []byte // key-level validation parameter
}

// writeSet is the pending writes of a transaction or of a write batch.
type writeSet struct {
	data map[string][]byte // nil or empty value: delete
	meta map[string][]byte // validation parameter; nil: delete it
}

func newWriteSet() *writeSet {
	return &writeSet{data: map[string][]byte{}, meta: map[string][]byte{}}
}

// Stub is an in-memory shim.ChaincodeStubInterface.
type Stub struct {
	channelID     string
	peerMSPID     string
	useWriteBatch bool

	state   map[string]entry
	history map[string][]*queryresult.KeyModification
	events  []*peer.ChaincodeEvent // committed transactions' events, in order

	// The open transaction.
	inTx           bool
	txID           string
	ts             time.Time
	args           [][]byte
	creator        []byte
	transient      map[string][]byte
	event          *peer.ChaincodeEvent
	writes         *writeSet
	batch          *writeSet
	wrote          bool // a write reached the (emulated) peer
	paginatedQuery bool
	openIters      int
	reads          []string // point reads of the last transaction, in order
	readCalls      int      // GetState and GetMultipleStates calls of the last transaction
}

var _ shim.ChaincodeStubInterface = (*Stub)(nil)

// Option configures a Stub.
type Option func(*Stub)

// WithChannel sets the channel ID (default "supplychain").
func WithChannel(id string) Option { return func(s *Stub) { s.channelID = id } }

// WithPeerMSPID sets the MSP ID of the peer the stub pretends to be (see
// Stub.PeerMSPID).
func WithPeerMSPID(msp string) Option { return func(s *Stub) { s.peerMSPID = msp } }

// WithoutWriteBatch emulates a peer without write-batch support (before
// Fabric 3.1): StartWriteBatch does nothing and writes go straight through.
func WithoutWriteBatch() Option { return func(s *Stub) { s.useWriteBatch = false } }

// New returns an empty ledger with no transaction open.
func New(opts ...Option) *Stub {
	s := &Stub{
		channelID:     "supplychain",
		useWriteBatch: true,
		state:         map[string]entry{},
		history:       map[string][]*queryresult.KeyModification{},
	}
	for _, o := range opts {
		o(s)
	}
	return s
}

// ---- transaction lifecycle and test accessors ----

// BeginTx opens a transaction with the given ID and timestamp, discarding
// any transaction still open. Arguments, creator and transient data are
// reset; set them with SetArgs, SetCreator / SetIdentity and SetTransient.
func (s *Stub) BeginTx(txID string, ts time.Time) {
	s.endTx()
	s.inTx, s.txID, s.ts, s.event = true, txID, ts, nil
	s.writes = newWriteSet()
	s.reads, s.readCalls = nil, 0
}

// Reads returns the keys the last (or open) transaction read with GetState
// or GetMultipleStates, in order: its point-read set (range reads excluded).
func (s *Stub) Reads() []string { return append([]string(nil), s.reads...) }

// ReadCalls returns how many GetState and GetMultipleStates calls the last
// (or open) transaction made: each is a round trip to a real peer.
func (s *Stub) ReadCalls() int { return s.readCalls }

// SetArgs sets the invocation arguments: function name first, then its
// parameters.
func (s *Stub) SetArgs(args ...string) {
	s.args = make([][]byte, len(args))
	for i, a := range args {
		s.args[i] = []byte(a)
	}
}

// SetCreator sets the serialized identity (msp.SerializedIdentity bytes)
// GetCreator returns.
func (s *Stub) SetCreator(creator []byte) { s.creator = creator }

// SetIdentity makes id the transaction's submitter.
func (s *Stub) SetIdentity(id *Identity) { s.creator = id.Creator() }

// SetTransient sets the transient map GetTransient returns.
func (s *Stub) SetTransient(m map[string][]byte) { s.transient = m }

// InTx reports whether a transaction is open.
func (s *Stub) InTx() bool { return s.inTx }

// Commit flushes an open write batch (as the shim does after Invoke) and
// applies the transaction's writes to the committed state in key order. On
// error nothing is applied. The transaction is closed either way.
func (s *Stub) Commit() error {
	if !s.inTx {
		return ErrNoTx
	}
	defer s.endTx()
	if err := s.FinishWriteBatch(); err != nil {
		return err
	}
	for _, k := range sortedKeys(s.writes.data) {
		v := s.writes.data[k]
		mod := &queryresult.KeyModification{TxId: s.txID, Timestamp: timestamppb.New(s.ts), IsDelete: len(v) == 0}
		if len(v) == 0 {
			delete(s.state, k)
		} else {
			e := s.state[k]
			e.value = v
			s.state[k] = e
			mod.Value = clone(v)
		}
		s.history[k] = append(s.history[k], mod)
	}
	for _, k := range sortedKeys(s.writes.meta) {
		e, ok := s.state[k]
		if !ok {
			continue // metadata on a missing key is a no-op on the peer
		}
		e.ep = s.writes.meta[k]
		s.state[k] = e
	}
	if s.event != nil {
		s.events = append(s.events, s.event)
	}
	return nil
}

// Abort discards the open transaction's writes and event.
func (s *Stub) Abort() {
	s.event = nil
	s.endTx()
}

func (s *Stub) endTx() {
	s.inTx = false
	s.writes, s.batch = nil, nil
	s.wrote, s.paginatedQuery = false, false
	s.args, s.creator, s.transient = nil, nil, nil
	s.openIters = 0
}

// Event returns the event set by the open transaction or, when none is
// open, by the last committed one (nil after an Abort).
func (s *Stub) Event() *peer.ChaincodeEvent { return s.event }

// Events returns the events of all committed transactions, in order.
func (s *Stub) Events() []*peer.ChaincodeEvent {
	return append([]*peer.ChaincodeEvent(nil), s.events...)
}

// State returns a key's committed value, nil if absent.
func (s *Stub) State(key string) []byte {
	if e, ok := s.state[key]; ok {
		return clone(e.value)
	}
	return nil
}

// ValidationParameter returns a key's committed validation parameter.
func (s *Stub) ValidationParameter(key string) []byte { return clone(s.state[key].ep) }

// Keys returns every committed key in order (composite keys, which start
// with U+0000, first).
func (s *Stub) Keys() []string { return sortedKeys(s.state) }

// SetCommitted writes a key directly into the committed state (test
// fixtures); an empty value deletes it.
func (s *Stub) SetCommitted(key string, value []byte) {
	if len(value) == 0 {
		delete(s.state, key)
		return
	}
	e := s.state[key]
	e.value = clone(value)
	s.state[key] = e
}

// PendingWrites returns a copy of the open transaction's writes (including
// an unflushed write batch); a nil value is a delete.
func (s *Stub) PendingWrites() map[string][]byte {
	out := map[string][]byte{}
	for _, ws := range []*writeSet{s.writes, s.batch} {
		if ws == nil {
			continue
		}
		for k, v := range ws.data {
			out[k] = clone(v)
		}
	}
	return out
}

// OpenIterators counts the open transaction's iterators not yet closed.
func (s *Stub) OpenIterators() int { return s.openIters }

// PeerMSPID returns the MSP ID set with WithPeerMSPID or SetPeerMSPID, or
// else what shim.GetMSPID returns (env CORE_PEER_LOCALMSPID).
func (s *Stub) PeerMSPID() (string, error) {
	if s.peerMSPID != "" {
		return s.peerMSPID, nil
	}
	return shim.GetMSPID()
}

// SetPeerMSPID sets the MSP ID PeerMSPID returns.
func (s *Stub) SetPeerMSPID(msp string) { s.peerMSPID = msp }

// ---- ChaincodeStubInterface: invocation data ----

// GetArgs returns the invocation arguments.
func (s *Stub) GetArgs() [][]byte { return s.args }

// GetStringArgs returns the invocation arguments as strings.
func (s *Stub) GetStringArgs() []string {
	out := make([]string, len(s.args))
	for i, a := range s.args {
		out[i] = string(a)
	}
	return out
}

// GetFunctionAndParameters returns the first argument as the function name
// and the rest as its parameters.
func (s *Stub) GetFunctionAndParameters() (string, []string) {
	all := s.GetStringArgs()
	if len(all) == 0 {
		return "", []string{}
	}
	return all[0], all[1:]
}

// GetArgsSlice returns the arguments concatenated.
func (s *Stub) GetArgsSlice() ([]byte, error) {
	var out []byte
	for _, a := range s.args {
		out = append(out, a...)
	}
	return out, nil
}

// GetTxID returns the open transaction's ID.
func (s *Stub) GetTxID() string { return s.txID }

// GetChannelID returns the channel ID.
func (s *Stub) GetChannelID() string { return s.channelID }

// GetCreator returns the submitter's serialized identity.
func (s *Stub) GetCreator() ([]byte, error) { return s.creator, nil }

// GetTransient returns the transient map.
func (s *Stub) GetTransient() (map[string][]byte, error) { return s.transient, nil }

// GetBinding is not supported.
func (s *Stub) GetBinding() ([]byte, error) { return nil, notSupported("GetBinding") }

// GetDecorations returns no decorations.
func (s *Stub) GetDecorations() map[string][]byte { return map[string][]byte{} }

// GetTxTimestamp returns the timestamp given to BeginTx.
func (s *Stub) GetTxTimestamp() (*timestamppb.Timestamp, error) {
	if !s.inTx {
		return nil, ErrNoTx
	}
	return timestamppb.New(s.ts), nil
}

// GetSignedProposal returns an unsigned proposal carrying the channel
// header (channel, tx ID, timestamp), the creator and the arguments.
func (s *Stub) GetSignedProposal() (*peer.SignedProposal, error) {
	if !s.inTx {
		return nil, ErrNoTx
	}
	chdr, err := proto.Marshal(&common.ChannelHeader{
		Type: int32(common.HeaderType_ENDORSER_TRANSACTION), ChannelId: s.channelID,
		TxId: s.txID, Timestamp: timestamppb.New(s.ts),
	})
	if err != nil {
		return nil, fmt.Errorf("marshal channel header: %w", err)
	}
	shdr, err := proto.Marshal(&common.SignatureHeader{Creator: s.creator, Nonce: []byte(s.txID)})
	if err != nil {
		return nil, fmt.Errorf("marshal signature header: %w", err)
	}
	hdr, err := proto.Marshal(&common.Header{ChannelHeader: chdr, SignatureHeader: shdr})
	if err != nil {
		return nil, fmt.Errorf("marshal header: %w", err)
	}
	spec, err := proto.Marshal(&peer.ChaincodeInvocationSpec{ChaincodeSpec: &peer.ChaincodeSpec{
		Type: peer.ChaincodeSpec_GOLANG, Input: &peer.ChaincodeInput{Args: s.args},
	}})
	if err != nil {
		return nil, fmt.Errorf("marshal invocation spec: %w", err)
	}
	payload, err := proto.Marshal(&peer.ChaincodeProposalPayload{Input: spec})
	if err != nil {
		return nil, fmt.Errorf("marshal proposal payload: %w", err)
	}
	prop, err := proto.Marshal(&peer.Proposal{Header: hdr, Payload: payload})
	if err != nil {
		return nil, fmt.Errorf("marshal proposal: %w", err)
	}
	return &peer.SignedProposal{ProposalBytes: prop}, nil
}

// SetEvent records the transaction's event; a later call replaces it, as
// Fabric keeps one event per transaction.
func (s *Stub) SetEvent(name string, payload []byte) error {
	if name == "" {
		return errors.New("event name can not be empty string")
	}
	if !s.inTx {
		return ErrNoTx
	}
	s.event = &peer.ChaincodeEvent{EventName: name, Payload: clone(payload), TxId: s.txID, ChaincodeId: ""}
	return nil
}

// InvokeChaincode is not supported.
func (s *Stub) InvokeChaincode(name string, args [][]byte, channel string) *peer.Response {
	return shim.Error(notSupported("InvokeChaincode").Error())
}

// ---- ChaincodeStubInterface: state ----

// GetState returns the committed value of key (nil if absent).
func (s *Stub) GetState(key string) ([]byte, error) {
	s.readCalls++
	s.reads = append(s.reads, key)
	return s.State(key), nil
}

// GetMultipleStates returns the committed values of keys, nil where absent.
func (s *Stub) GetMultipleStates(keys ...string) ([][]byte, error) {
	s.readCalls++
	out := make([][]byte, len(keys))
	for i, k := range keys {
		s.reads = append(s.reads, k)
		out[i] = s.State(k)
	}
	return out, nil
}

// PutState writes key in the open transaction; an empty value deletes it.
func (s *Stub) PutState(key string, value []byte) error {
	if key == "" {
		return errors.New("key must not be an empty string")
	}
	return s.write(key, clone(value))
}

// DelState deletes key in the open transaction.
func (s *Stub) DelState(key string) error { return s.write(key, nil) }

func (s *Stub) write(key string, value []byte) error {
	if !s.inTx {
		return ErrNoTx
	}
	if s.batch != nil {
		s.batch.data[key] = value
		return nil
	}
	if err := s.checkWrite(); err != nil {
		return err
	}
	s.writes.data[key] = value
	return nil
}

// checkWrite is the peer's tx simulator precondition for writes.
func (s *Stub) checkWrite() error {
	if s.paginatedQuery {
		return fmt.Errorf("txid [%s]: unsuppored transaction. Transaction has already performed a paginated query. Writes are not allowed", s.txID)
	}
	s.wrote = true
	return nil
}

// SetStateValidationParameter sets key's key-level endorsement policy in the
// open transaction.
func (s *Stub) SetStateValidationParameter(key string, ep []byte) error {
	if !s.inTx {
		return ErrNoTx
	}
	if s.batch != nil {
		s.batch.meta[key] = clone(ep)
		return nil
	}
	if err := s.checkWrite(); err != nil {
		return err
	}
	s.writes.meta[key] = clone(ep)
	return nil
}

// GetStateValidationParameter returns key's committed validation parameter.
func (s *Stub) GetStateValidationParameter(key string) ([]byte, error) {
	return s.ValidationParameter(key), nil
}

// StartWriteBatch starts buffering writes (unless WithoutWriteBatch).
func (s *Stub) StartWriteBatch() {
	if s.useWriteBatch && s.inTx && s.batch == nil {
		s.batch = newWriteSet()
	}
}

// FinishWriteBatch sends the buffered writes to the (emulated) peer; without
// an open batch it does nothing.
func (s *Stub) FinishWriteBatch() error {
	b := s.batch
	s.batch = nil
	if b == nil || len(b.data)+len(b.meta) == 0 {
		return nil
	}
	if err := s.checkWrite(); err != nil {
		return fmt.Errorf("failed send batch: %w", err)
	}
	for k, v := range b.data {
		s.writes.data[k] = v
	}
	for k, v := range b.meta {
		s.writes.meta[k] = v
	}
	return nil
}

// ---- ChaincodeStubInterface: queries ----

// GetStateByRange iterates committed keys in [startKey, endKey) in order; an
// empty endKey means no upper bound. Composite keys are not in simple ranges.
func (s *Stub) GetStateByRange(startKey, endKey string) (shim.StateQueryIteratorInterface, error) {
	if startKey == "" {
		startKey = emptyKeySubstitute
	}
	if err := validateSimpleKeys(startKey, endKey); err != nil {
		return nil, err
	}
	it, _, err := s.rangeQuery(startKey, endKey, 0, "", false)
	return it, err
}

// GetStateByRangeWithPagination is GetStateByRange a page at a time: at most
// pageSize results from bookmark (or startKey), and the next key as bookmark.
func (s *Stub) GetStateByRangeWithPagination(startKey, endKey string, pageSize int32, bookmark string) (shim.StateQueryIteratorInterface, *peer.QueryResponseMetadata, error) {
	if startKey == "" {
		startKey = emptyKeySubstitute
	}
	if err := validateSimpleKeys(startKey, endKey); err != nil {
		return nil, nil, err
	}
	return s.rangeQuery(startKey, endKey, pageSize, bookmark, true)
}

// GetStateByPartialCompositeKey iterates the committed composite keys that
// start with objectType and attributes, in order.
func (s *Stub) GetStateByPartialCompositeKey(objectType string, attributes []string) (shim.StateQueryIteratorInterface, error) {
	start, end, err := partialKeyRange(objectType, attributes)
	if err != nil {
		return nil, err
	}
	it, _, err := s.rangeQuery(start, end, 0, "", false)
	return it, err
}

// GetStateByPartialCompositeKeyWithPagination pages through
// GetStateByPartialCompositeKey; the bookmark is the next composite key.
func (s *Stub) GetStateByPartialCompositeKeyWithPagination(objectType string, keys []string, pageSize int32, bookmark string) (shim.StateQueryIteratorInterface, *peer.QueryResponseMetadata, error) {
	start, end, err := partialKeyRange(objectType, keys)
	if err != nil {
		return nil, nil, err
	}
	return s.rangeQuery(start, end, pageSize, bookmark, true)
}

// GetAllStatesCompositeKeyWithPagination pages through every composite key.
func (s *Stub) GetAllStatesCompositeKeyWithPagination(pageSize int32, bookmark string) (shim.StateQueryIteratorInterface, *peer.QueryResponseMetadata, error) {
	return s.rangeQuery(compositeKeyNamespace, compositeKeyNamespace+string(rune(maxUnicodeRuneValue)), pageSize, bookmark, true)
}

func partialKeyRange(objectType string, attributes []string) (string, string, error) {
	start, err := CreateCompositeKey(objectType, attributes)
	if err != nil {
		return "", "", err
	}
	return start, start + string(rune(maxUnicodeRuneValue)), nil
}

// rangeQuery emulates the peer: pagination applies when requested with a
// page size or a bookmark; a page size of 0 (or less) means no limit.
func (s *Stub) rangeQuery(start, end string, pageSize int32, bookmark string, withPagination bool) (shim.StateQueryIteratorInterface, *peer.QueryResponseMetadata, error) {
	paginated := withPagination && (pageSize != 0 || bookmark != "")
	if paginated {
		if s.inTx && s.wrote {
			return nil, nil, fmt.Errorf("txid [%s]: unsuppored transaction. Paginated queries are supported only in a read-only transaction", s.txID)
		}
		s.paginatedQuery = s.inTx
		if bookmark != "" {
			start = bookmark
		}
	}
	var kvs []*queryresult.KV
	next := ""
	for _, k := range sortedKeys(s.state) {
		if k < start || (end != "" && k >= end) {
			continue
		}
		if paginated && pageSize > 0 && int32(len(kvs)) == pageSize {
			next = k
			break
		}
		kvs = append(kvs, &queryresult.KV{Namespace: "", Key: k, Value: clone(s.state[k].value)})
	}
	meta := &peer.QueryResponseMetadata{}
	if paginated {
		meta.FetchedRecordsCount, meta.Bookmark = int32(len(kvs)), next
	}
	s.openIters++
	return &Iterator{stub: s, kvs: kvs}, meta, nil
}

// Iterator is a state query iterator over a snapshot of results.
type Iterator struct {
	stub   *Stub
	kvs    []*queryresult.KV
	i      int
	closed bool
}

// HasNext reports whether Next has a result.
func (it *Iterator) HasNext() bool { return !it.closed && it.i < len(it.kvs) }

// Next returns the next result.
func (it *Iterator) Next() (*queryresult.KV, error) {
	if it.closed {
		return nil, errors.New("iterator is closed")
	}
	if it.i >= len(it.kvs) {
		return nil, errors.New("no such key")
	}
	it.i++
	return it.kvs[it.i-1], nil
}

// Close closes the iterator.
func (it *Iterator) Close() error {
	if !it.closed {
		it.closed = true
		if it.stub.openIters > 0 {
			it.stub.openIters--
		}
	}
	return nil
}

// GetHistoryForKey iterates the committed modifications of key, newest
// first, as the peer does.
func (s *Stub) GetHistoryForKey(key string) (shim.HistoryQueryIteratorInterface, error) {
	h := s.history[key]
	out := make([]*queryresult.KeyModification, len(h))
	for i := range h {
		out[len(h)-1-i] = h[i] // newest first, like the peer
	}
	return &HistoryIterator{mods: out}, nil
}

// HistoryIterator iterates key modifications.
type HistoryIterator struct {
	mods   []*queryresult.KeyModification
	i      int
	closed bool
}

// HasNext reports whether Next has a result.
func (it *HistoryIterator) HasNext() bool { return !it.closed && it.i < len(it.mods) }

// Next returns the next modification.
func (it *HistoryIterator) Next() (*queryresult.KeyModification, error) {
	if !it.HasNext() {
		return nil, errors.New("no more history")
	}
	it.i++
	return it.mods[it.i-1], nil
}

// Close closes the iterator.
func (it *HistoryIterator) Close() error { it.closed = true; return nil }

// ---- composite keys (same encoding as the shim) ----

// CreateCompositeKey joins objectType and attributes: U+0000, then each
// part followed by U+0000.
func (s *Stub) CreateCompositeKey(objectType string, attributes []string) (string, error) {
	return CreateCompositeKey(objectType, attributes)
}

// SplitCompositeKey splits a composite key into its object type and
// attributes.
func (s *Stub) SplitCompositeKey(compositeKey string) (string, []string, error) {
	return SplitCompositeKey(compositeKey)
}

// CreateCompositeKey is the shim's encoding: "\x00" + objectType + "\x00" +
// each attribute + "\x00". Parts must be valid UTF-8 without U+0000 or U+10FFFF.
func CreateCompositeKey(objectType string, attributes []string) (string, error) {
	if err := validateCompositeKeyAttribute(objectType); err != nil {
		return "", err
	}
	var b strings.Builder
	b.WriteString(compositeKeyNamespace + objectType)
	b.WriteRune(minUnicodeRuneValue)
	for _, a := range attributes {
		if err := validateCompositeKeyAttribute(a); err != nil {
			return "", err
		}
		b.WriteString(a)
		b.WriteRune(minUnicodeRuneValue)
	}
	return b.String(), nil
}

// SplitCompositeKey undoes CreateCompositeKey. Unlike the shim, which
// panics on a key that is not composite, it returns an error.
func SplitCompositeKey(key string) (string, []string, error) {
	if !strings.HasPrefix(key, compositeKeyNamespace) || !strings.HasSuffix(key, "\x00") || len(key) < 2 {
		return "", nil, fmt.Errorf("%q is not a composite key", key)
	}
	parts := strings.Split(key[1:len(key)-1], "\x00")
	return parts[0], parts[1:], nil
}

func validateCompositeKeyAttribute(str string) error {
	if !utf8.ValidString(str) {
		return fmt.Errorf("not a valid utf8 string: [%x]", str)
	}
	for index, r := range str {
		if r == minUnicodeRuneValue || r == maxUnicodeRuneValue {
			return fmt.Errorf(`input contains unicode %#U starting at position [%d]. %#U and %#U are not allowed in the input attribute of a composite key`,
				r, index, minUnicodeRuneValue, maxUnicodeRuneValue)
		}
	}
	return nil
}

func validateSimpleKeys(keys ...string) error {
	for _, k := range keys {
		if len(k) > 0 && k[0] == compositeKeyNamespace[0] {
			return fmt.Errorf(`first character of the key [%s] contains a null character which is not allowed`, k)
		}
	}
	return nil
}

// ---- not supported ----

func notSupported(what string) error { return fmt.Errorf("%s: %w", what, ErrNotSupported) }

// GetQueryResult is not supported (rich queries need CouchDB).
func (s *Stub) GetQueryResult(query string) (shim.StateQueryIteratorInterface, error) {
	return nil, notSupported("GetQueryResult")
}

// GetQueryResultWithPagination is not supported.
func (s *Stub) GetQueryResultWithPagination(query string, pageSize int32, bookmark string) (shim.StateQueryIteratorInterface, *peer.QueryResponseMetadata, error) {
	return nil, nil, notSupported("GetQueryResultWithPagination")
}

// GetPrivateData is not supported.
func (s *Stub) GetPrivateData(collection, key string) ([]byte, error) {
	return nil, notSupported("GetPrivateData")
}

// GetMultiplePrivateData is not supported.
func (s *Stub) GetMultiplePrivateData(collection string, keys ...string) ([][]byte, error) {
	return nil, notSupported("GetMultiplePrivateData")
}

// GetPrivateDataHash is not supported.
func (s *Stub) GetPrivateDataHash(collection, key string) ([]byte, error) {
	return nil, notSupported("GetPrivateDataHash")
}

// PutPrivateData is not supported.
func (s *Stub) PutPrivateData(collection, key string, value []byte) error {
	return notSupported("PutPrivateData")
}

// DelPrivateData is not supported.
func (s *Stub) DelPrivateData(collection, key string) error { return notSupported("DelPrivateData") }

// PurgePrivateData is not supported.
func (s *Stub) PurgePrivateData(collection, key string) error {
	return notSupported("PurgePrivateData")
}

// SetPrivateDataValidationParameter is not supported.
func (s *Stub) SetPrivateDataValidationParameter(collection, key string, ep []byte) error {
	return notSupported("SetPrivateDataValidationParameter")
}

// GetPrivateDataValidationParameter is not supported.
func (s *Stub) GetPrivateDataValidationParameter(collection, key string) ([]byte, error) {
	return nil, notSupported("GetPrivateDataValidationParameter")
}

// GetPrivateDataByRange is not supported.
func (s *Stub) GetPrivateDataByRange(collection, startKey, endKey string) (shim.StateQueryIteratorInterface, error) {
	return nil, notSupported("GetPrivateDataByRange")
}

// GetPrivateDataByPartialCompositeKey is not supported.
func (s *Stub) GetPrivateDataByPartialCompositeKey(collection, objectType string, keys []string) (shim.StateQueryIteratorInterface, error) {
	return nil, notSupported("GetPrivateDataByPartialCompositeKey")
}

// GetPrivateDataQueryResult is not supported.
func (s *Stub) GetPrivateDataQueryResult(collection, query string) (shim.StateQueryIteratorInterface, error) {
	return nil, notSupported("GetPrivateDataQueryResult")
}

// ---- helpers ----

func clone(b []byte) []byte {
	if b == nil {
		return nil
	}
	return append([]byte{}, b...)
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
