package epcis

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"math"
	"math/big"
	"sort"
	"strconv"
	"strings"
	"time"
)

// The CBV 2.0 event hash (section 8.9, "EPCIS Event Hash ID"): a pre-hash
// string of the event's fields in canonical order, values canonicalised
// (UTC millisecond times, CBV Web URIs for bare words and URNs, constrained
// canonical Digital Links for EPC URIs), hashed with SHA-256 into
// ni:///sha-256;HEX?ver=CBV2.0. Where the published algorithm text and the
// reference implementation's test vectors differ, the vectors win:
// bizTransactionList, sourceList and destinationList elements are written
// with their type first and sorted together with ILMD and the user
// extensions after the ordered fields. Sensor elements are not modelled
// (we never write them): they are hashed as extensions.

// defaultContext is the EPCIS 2.0 context's prefixes that events may use
// without declaring them.
var defaultContext = map[string]string{
	"epcis":   "https://ref.gs1.org/epcis/",
	"cbv":     "https://ref.gs1.org/cbv/",
	"cbvmda":  "urn:epcglobal:cbv:mda:",
	"gs1":     "https://gs1.org/voc/",
	"rdfs":    "http://www.w3.org/2000/01/rdf-schema#",
	"owl":     "http://www.w3.org/2002/07/owl#",
	"xsd":     "http://www.w3.org/2001/XMLSchema#",
	"dcterms": "http://purl.org/dc/terms/",
}

// HashOf hashes one of our own events under our document context.
func HashOf(ev *Event) (string, error) {
	e := *ev
	e.EventID = ""
	b, err := json.Marshal(e)
	if err != nil {
		return "", err
	}
	return EventHash(b, map[string]string{"prov": Namespace})
}

// EventHash is the canonical hash of one event (JSON), with the prefixes
// that the document's @context declares.
func EventHash(event []byte, prefixes map[string]string) (string, error) {
	pre, err := PreHash(event, prefixes)
	if err != nil {
		return "", err
	}
	sum := sha256.Sum256([]byte(pre))
	return "ni:///sha-256;" + hex.EncodeToString(sum[:]) + "?ver=CBV2.0", nil
}

// ContextPrefixes collects the prefixes declared by the objects of a
// document's @context (strings name remote contexts and declare nothing).
func ContextPrefixes(ctx json.RawMessage) map[string]string {
	out := map[string]string{}
	var list []json.RawMessage
	if json.Unmarshal(ctx, &list) != nil {
		list = []json.RawMessage{ctx}
	}
	for _, c := range list {
		var m map[string]any
		if json.Unmarshal(c, &m) == nil {
			for k, v := range m {
				if s, ok := v.(string); ok {
					out[k] = s
				}
			}
		}
	}
	return out
}

// node is a JSON value with the object key order kept.
type node struct {
	scalar string // for strings and numbers
	isObj  bool
	isList bool
	keys   []string
	vals   []*node
	list   []*node
}

func (n *node) get(k string) *node {
	for i, key := range n.keys {
		if key == k {
			return n.vals[i]
		}
	}
	return nil
}

func parseOrdered(b []byte) (*node, error) {
	d := json.NewDecoder(bytes.NewReader(b))
	d.UseNumber()
	n, err := decodeNode(d)
	if err != nil {
		return nil, err
	}
	if _, err := d.Token(); err == nil {
		return nil, fmt.Errorf("trailing data after the event")
	}
	return n, nil
}

func decodeNode(d *json.Decoder) (*node, error) {
	t, err := d.Token()
	if err != nil {
		return nil, err
	}
	switch v := t.(type) {
	case json.Delim:
		switch v {
		case '{':
			n := &node{isObj: true}
			for d.More() {
				kt, err := d.Token()
				if err != nil {
					return nil, err
				}
				val, err := decodeNode(d)
				if err != nil {
					return nil, err
				}
				n.keys = append(n.keys, kt.(string))
				n.vals = append(n.vals, val)
			}
			_, err := d.Token()
			return n, err
		case '[':
			n := &node{isList: true}
			for d.More() {
				val, err := decodeNode(d)
				if err != nil {
					return nil, err
				}
				n.list = append(n.list, val)
			}
			_, err := d.Token()
			return n, err
		}
	case string:
		return &node{scalar: v}, nil
	case json.Number:
		return &node{scalar: v.String()}, nil
	case bool:
		return &node{scalar: strconv.FormatBool(v)}, nil
	case nil:
		return &node{}, nil
	}
	return nil, fmt.Errorf("unexpected JSON token %v", t)
}

// The canonical property order (CBV 2.0 8.9.2) of what is written before
// the sorted remainder.
var (
	epcLists       = map[string]bool{"epcList": true, "inputEPCList": true, "childEPCs": true, "outputEPCList": true}
	quantityLists  = map[string]bool{"quantityList": true, "childQuantityList": true, "inputQuantityList": true, "outputQuantityList": true}
	orderedFields  = []string{"eventTime", "eventTimeZoneOffset", "certificationInfo", "epcList", "parentID", "inputEPCList", "childEPCs", "quantityList", "childQuantityList", "inputQuantityList", "outputEPCList", "outputQuantityList", "action", "transformationID", "bizStep", "disposition", "persistentDisposition", "readPoint", "bizLocation"}
	ignoredFields  = map[string]bool{"type": true, "recordTime": true, "eventID": true, "errorDeclaration": true, "@context": true, "rdfs:comment": true, "comment": true}
	vocabOfField   = map[string]string{"bizStep": "BizStep-", "disposition": "Disp-", "set": "Disp-", "unset": "Disp-"}
	vocabOfListTyp = map[string]string{"bizTransactionList": "BTT-", "sourceList": "SDT-", "destinationList": "SDT-"}
)

// PreHash is the event's pre-hash string.
func PreHash(event []byte, prefixes map[string]string) (string, error) {
	ev, err := parseOrdered(event)
	if err != nil {
		return "", fmt.Errorf("event is not JSON: %w", err)
	}
	if !ev.isObj {
		return "", fmt.Errorf("event is not a JSON object")
	}
	h := hasher{prefixes: map[string]string{}}
	for k, v := range defaultContext {
		h.prefixes[k] = v
	}
	for k, v := range prefixes {
		h.prefixes[k] = v
	}
	if c := ev.get("@context"); c != nil {
		raw, _ := json.Marshal(c.plain())
		for k, v := range ContextPrefixes(raw) {
			h.prefixes[k] = v
		}
	}
	typ := ev.get("type")
	if typ == nil || typ.scalar == "" {
		return "", fmt.Errorf("event has no type")
	}
	var sb strings.Builder
	sb.WriteString("eventType=" + typ.scalar)
	done := map[string]bool{}
	for _, f := range orderedFields {
		v := ev.get(f)
		if v == nil {
			continue
		}
		done[f] = true
		sb.WriteString(h.ordered(f, v))
	}
	var rest []string
	for i, k := range ev.keys {
		if done[k] || ignoredFields[k] {
			continue
		}
		rest = append(rest, h.entries(k, ev.vals[i], "")...)
	}
	sort.Strings(rest)
	sb.WriteString(strings.Join(rest, ""))
	return sb.String(), nil
}

type hasher struct{ prefixes map[string]string }

func (h hasher) ordered(f string, v *node) string {
	switch {
	case f == "eventTime":
		return f + "=" + canonTime(v.scalar)
	case epcLists[f]:
		var s []string
		for _, e := range v.list {
			if c := h.canon(e.scalar); c != "" {
				s = append(s, "epc="+c)
			}
		}
		return listOf(f, s)
	case quantityLists[f]:
		var s []string
		for _, e := range v.list {
			s = append(s, "quantityElement"+h.fields(e, []string{"epcClass", "quantity", "uom"}))
		}
		return listOf(f, s)
	case f == "persistentDisposition":
		out := ""
		for _, k := range []string{"set", "unset"} {
			if l := v.get(k); l != nil {
				var s []string
				for _, e := range l.list {
					s = append(s, k+"="+h.canon(vocab(vocabOfField[k], e.scalar)))
				}
				sort.Strings(s)
				out += strings.Join(s, "")
			}
		}
		if out == "" {
			return ""
		}
		return f + out
	case f == "readPoint" || f == "bizLocation":
		out := h.fields(v, []string{"id"})
		var ext []string
		for i, k := range v.keys {
			if k != "id" {
				ext = append(ext, h.entries(k, v.vals[i], "")...)
			}
		}
		sort.Strings(ext)
		out += strings.Join(ext, "")
		if out == "" {
			return ""
		}
		return f + out
	}
	t := strings.TrimSpace(v.scalar)
	if t == "" {
		return ""
	}
	return f + "=" + h.canon(vocab(vocabOfField[f], t))
}

// fields writes an object's named scalar fields in the given order.
func (h hasher) fields(v *node, order []string) string {
	out := ""
	for _, k := range order {
		if e := v.get(k); e != nil && strings.TrimSpace(e.scalar) != "" {
			out += k + "=" + h.canon(e.scalar)
		}
	}
	return out
}

func listOf(name string, s []string) string {
	if len(s) == 0 {
		return ""
	}
	sort.Strings(s)
	return name + strings.Join(s, "")
}

// entries writes one remaining field: a list gives one entry per element.
// parentList names the list an object element belongs to (for its type's
// vocabulary).
func (h hasher) entries(k string, v *node, parentList string) []string {
	name := h.expandKey(k)
	if v.isList {
		var out []string
		for _, e := range v.list {
			out = append(out, h.entries(k, e, k)...)
		}
		return out
	}
	if v.isObj {
		body := h.object(v, parentList)
		if body == "" {
			return nil
		}
		return []string{name + body}
	}
	t := strings.TrimSpace(v.scalar)
	if t == "" {
		return nil
	}
	return []string{name + "=" + h.canon(t)}
}

// object writes an object's fields, sorted, except in the elements of
// bizTransactionList, sourceList and destinationList (kept in order).
func (h hasher) object(v *node, parentList string) string {
	var parts []string
	keep := v.get("bizTransaction") != nil || v.get("source") != nil || v.get("destination") != nil
	for i, k := range v.keys {
		if k == "rdfs:comment" || k == "comment" || k == "#text" {
			continue
		}
		val := v.vals[i]
		if k == "type" && !val.isObj && !val.isList {
			if t := strings.TrimSpace(val.scalar); t != "" {
				parts = append(parts, "type="+h.canon(vocab(vocabOfListTyp[parentList], t)))
			}
			continue
		}
		parts = append(parts, h.entries(k, val, "")...)
	}
	if !keep {
		sort.Strings(parts)
	}
	return strings.Join(parts, "")
}

func (h hasher) expandKey(k string) string {
	if i := strings.IndexByte(k, ':'); i > 0 {
		if ns, ok := h.prefixes[k[:i]]; ok {
			return "{" + ns + "}" + k[i+1:]
		}
	}
	return k
}

// vocab expands a bare CBV word (no colon) of the given kind to its Web URI.
func vocab(kind, v string) string {
	if kind == "" || v == "" || strings.Contains(v, ":") {
		return v
	}
	return "https://ref.gs1.org/cbv/" + kind + v
}

var cbvURNs = []struct{ urn, web string }{
	{"urn:epcglobal:cbv:bizstep:", "https://ref.gs1.org/cbv/BizStep-"},
	{"urn:epcglobal:cbv:disp:", "https://ref.gs1.org/cbv/Disp-"},
	{"urn:epcglobal:cbv:btt:", "https://ref.gs1.org/cbv/BTT-"},
	{"urn:epcglobal:cbv:sdt:", "https://ref.gs1.org/cbv/SDT-"},
	{"urn:epcglobal:cbv:er:", "https://ref.gs1.org/cbv/ER-"},
}

// canon canonicalises a value: CBV URNs to Web URIs, CURIEs of declared
// prefixes expanded, numbers without trailing zeros, EPC URIs and Digital
// Links to constrained canonical Digital Links.
func (h hasher) canon(v string) string {
	v = strings.TrimSpace(v)
	for _, c := range cbvURNs {
		if strings.HasPrefix(v, c.urn) {
			return c.web + v[len(c.urn):]
		}
	}
	if i := strings.IndexByte(v, ':'); i > 0 && !strings.HasPrefix(v[i:], "://") {
		if ns, ok := h.prefixes[v[:i]]; ok && v[:i] != "urn" {
			v = ns + v[i+1:]
		}
	}
	if n, ok := canonNumber(v); ok {
		return n
	}
	if dl, ok := CanonicalDL(v); ok {
		return dl
	}
	return v
}

// canonNumber writes a decimal number as Python's str(float) after dropping
// a zero fraction (what the reference implementation does).
func canonNumber(v string) (string, bool) {
	if v == "" || strings.ContainsAny(v, "xXpP_") || strings.EqualFold(strings.TrimLeft(v, "+-"), "nan") {
		return "", false
	}
	f, err := strconv.ParseFloat(v, 64)
	if err != nil || math.IsInf(f, 0) {
		return "", false
	}
	if f == math.Trunc(f) {
		i, _ := new(big.Float).SetFloat64(f).Int(nil)
		return i.String(), true
	}
	e := strconv.FormatFloat(f, 'e', -1, 64)
	exp, _ := strconv.Atoi(e[strings.IndexByte(e, 'e')+1:])
	if exp < -4 || exp >= 16 {
		return e, true
	}
	return strconv.FormatFloat(f, 'f', -1, 64), true
}

// canonTime writes a timestamp in UTC with milliseconds (rounded half up).
func canonTime(v string) string {
	v = strings.TrimSpace(v)
	t, err := time.Parse(time.RFC3339Nano, v)
	if err != nil {
		return v
	}
	t = t.UTC().Add(500 * time.Microsecond).Truncate(time.Millisecond)
	return t.Format("2006-01-02T15:04:05.000Z")
}

// plain turns a node back into plain Go values (for @context).
func (n *node) plain() any {
	switch {
	case n.isObj:
		m := map[string]any{}
		for i, k := range n.keys {
			m[k] = n.vals[i].plain()
		}
		return m
	case n.isList:
		l := make([]any, len(n.list))
		for i, e := range n.list {
			l[i] = e.plain()
		}
		return l
	}
	return n.scalar
}
