// Package verify checks an item's custody record against the ledger itself,
// so that a party need not trust any one peer's answer. For every custody
// event that GetHistory returns it fetches the transaction (qscc
// GetTransactionByID) and its block (qscc GetBlockByTxID) and checks, step by
// step: validation code VALID; transaction ID = hash(nonce, creator); the
// creator's signature, certificate chain and NodeOU role; every endorsement's
// signature over the proposal response, its peer's chain and role, and that
// it endorsed this very proposal; that the endorsing organizations satisfy
// domain.ExpectedEndorsers for the transition; that the write set holds
// exactly this event under its key; that the block holds the transaction, its
// data hash matches its header and a BFT quorum of the consenters (or, for
// Raft, an orderer) signed the header; and, over the whole record, that the
// sequence is gapless, ends at the event the item's counter names (the
// counter has no key-level policy: a colluding majority can rewrite it), and
// timestamps never run backwards in block order.
// Options.Chain adds the previous-hash chain from genesis to the item's last
// block.
//
// Binding and replay. The history must be the asked-for item's (canonical
// key, from seq 1 REGISTERED); each event's submitter ID must be its signing
// certificate's cid ID and its prov.role attribute its MSP's ledger role.
// The chaincode's own custody decision (domain.Decide) is replayed over the
// history with the state derived from earlier events only: each event must
// be the decision's, its transaction must write exactly the decision's keys
// of the item with their key-level policies, and its endorsers must satisfy
// the decision's endorsement. Options.Peers has other organizations' peers
// confirm the history, org roles and every block relied on (header hash,
// validation flags, commit hash), which one peer alone could misstate;
// Report.Trust says through how many peers the verdict holds.
//
// Trust model. Certificates are checked against the organizations' root CAs
// and the consenter set of the config block in force for each block (its
// LAST_CONFIG), never against what a transaction claims. A config update is
// accepted only with the signatures of the orderers of the config before it,
// down to the genesis block, which is the trust anchor: as served by the peer,
// or pinned with Options.GenesisHash (Report.GenesisHash gives the served
// one, to compare out of band). The chaincode-level MAJORITY is counted
// over the config's peer organizations.
//
// Evidence bundles. A Recorder around the Ledger keeps what Item reads;
// Recorder.Bundle writes it as a self-contained file (BUNDLE.md: format
// prov-evidence/1) and VerifyBundle runs Item over a BundleLedger, which
// answers from the bundle's blocks alone: the same checks, offline, and
// what the bundle lacks fails.
//
// Limits. Through one peer only, that peer can still withhold the newest
// events (the history is checked gapless, not complete), present an
// invalidated transaction as VALID (validation flags are the peer's, signed
// by no orderer) and misstate prefixes and org roles: use Options.Peers. Idemix MSPs, OU identifiers scoped to a certificate,
// the SHA3 hash family and certificate expiry at transaction time are not
// modelled. All formats follow Fabric 3.1 (protoutil.BlockHeaderBytes,
// ComputeBlockDataHash, BlockSignatureVerifier, SmartBFT's quorum).
package verify
