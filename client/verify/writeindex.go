package verify

import (
	"fmt"
	"strings"

	"github.com/hyperledger/fabric-protos-go-apiv2/ledger/rwset/kvrwset"
	"google.golang.org/protobuf/proto"

	"github.com/provledger/provenance/chaincode/domain"
)

// A batch transaction (a registration or shipment of 1,000 items) is
// checked once per item it carries. Scanning its whole write set for each
// item made a verification cost O(items x writes): 10,000 items registered
// and shipped in batches spent minutes in key comparisons alone. The
// indexes below group a transaction's writes by the item they belong to,
// once per transaction (the endorserTx is shared through the cache's memo),
// and every check still looks at exactly the writes it looked at before.

// itemWrites are the writes of one item's keys in a transaction's set.
type itemWrites struct {
	writes []string // keys written (itemKeyOf), in write-set order, repeats kept
	meta   []string // keys whose key-level policy is written (itemKeyOf)
}

// itemIndex returns the writes of id's keys in kv (the namespace's set of
// kvSet): those for which itemKeyOf holds, found by parsing each key once
// per transaction instead of comparing every key with every item's.
func (t *endorserTx) itemIndex(kv *kvrwset.KVRWSet, id domain.ItemID) itemWrites {
	t.byItemOnce.Do(func() {
		t.byItem = map[domain.ItemID]*itemWrites{}
		entry := func(key string) *itemWrites {
			owner, ok := keyOwner(key)
			if !ok || !itemKeyOf(owner, key) {
				return nil
			}
			e := t.byItem[owner]
			if e == nil {
				e = &itemWrites{}
				t.byItem[owner] = e
			}
			return e
		}
		for _, w := range kv.GetWrites() {
			if e := entry(w.GetKey()); e != nil {
				e.writes = append(e.writes, w.GetKey())
			}
		}
		for _, m := range kv.GetMetadataWrites() {
			for _, x := range m.GetEntries() {
				if x.GetName() == validationParameter {
					if e := entry(m.GetKey()); e != nil {
						e.meta = append(e.meta, m.GetKey())
					}
					break
				}
			}
		}
	})
	if e := t.byItem[id]; e != nil {
		return *e
	}
	return itemWrites{}
}

// keyOwner names the item a composite key of the item's key layout names
// (item, seq, hold, packed: [gtin, serial]; event, offer: [gtin, serial,
// ...]; recall: [gtin, "21", serial]). Any key for which itemKeyOf(id, key)
// holds names id (GTINs and serials never contain U+0000); the caller
// confirms with itemKeyOf.
func keyOwner(key string) (domain.ItemID, bool) {
	if !strings.HasPrefix(key, "\x00") {
		return domain.ItemID{}, false
	}
	parts := strings.Split(key[1:], "\x00")
	if len(parts) < 4 { // type, gtin, serial, and what follows serial's NUL
		return domain.ItemID{}, false
	}
	switch parts[0] {
	case domain.ObjRecall:
		if len(parts) < 5 || parts[2] != domain.AISerial {
			return domain.ItemID{}, false
		}
		return domain.ItemID{GTIN: parts[1], Serial: parts[3]}, true
	default:
		return domain.ItemID{GTIN: parts[1], Serial: parts[2]}, true
	}
}

// eventWrites indexes, once per transaction, the writes of custody-event
// keys in the namespace's sets by item ([gtin, serial] of the event key),
// for checkWriteSet.
type eventWrites struct {
	namespace string
	nsSeen    bool
	err       error
	all       []*kvrwset.KVWrite // every write of the namespace's sets, in order
	byItem    map[[2]string][]*kvrwset.KVWrite
}

func (t *endorserTx) eventIndex(namespace string) *eventWrites {
	t.eventsOnce.Do(func() { t.events = buildEventIndex(t, namespace) })
	if t.events.namespace != namespace {
		return buildEventIndex(t, namespace) // never in practice: one chaincode per verification
	}
	return t.events
}

func buildEventIndex(t *endorserTx, namespace string) *eventWrites {
	x := &eventWrites{namespace: namespace, byItem: map[[2]string][]*kvrwset.KVWrite{}}
	prefix := "\x00" + domain.ObjEvent + "\x00"
	for _, ns := range t.txRWSet.GetNsRwset() {
		if ns.GetNamespace() != namespace {
			continue
		}
		x.nsSeen = true
		kv := &kvrwset.KVRWSet{}
		if err := proto.Unmarshal(ns.GetRwset(), kv); err != nil {
			x.err = fmt.Errorf("write set of %s: %w", namespace, err)
			return x
		}
		for _, w := range kv.GetWrites() {
			x.all = append(x.all, w)
			rest, ok := strings.CutPrefix(w.GetKey(), prefix)
			if !ok {
				continue
			}
			// "gtin\x00serial\x00...": the item's event-key prefix is
			// compositeKey("event", gtin, serial).
			p := strings.SplitN(rest, "\x00", 3)
			if len(p) == 3 {
				k := [2]string{p[0], p[1]}
				x.byItem[k] = append(x.byItem[k], w)
			}
		}
	}
	return x
}

// writesOf returns the writes checkWriteSet must look at for the item: all
// of them when gtin or serial could hide a NUL (never for a parsed ID).
func (x *eventWrites) writesOf(gtin, serial string) []*kvrwset.KVWrite {
	if strings.Contains(gtin, "\x00") || strings.Contains(serial, "\x00") {
		return x.all
	}
	return x.byItem[[2]string{gtin, serial}]
}
