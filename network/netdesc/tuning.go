package netdesc

// Opt-in tuning knobs: environment variables that change the ordering
// settings of a network's genesis block (read only when the network is
// created) and the nodes' settings (read at each node start). Each is
// checked here, so that a typo stops `network.sh up` before anything starts.
// network/README.md ("Ordering settings", "Tuning") has the measured
// choices behind the defaults.

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
)

// knobKind is how a knob's value is spelled.
type knobKind int

const (
	kindDuration knobKind = iota // 50ms, 3s
	kindCount                    // 1 .. maxCount
	kindBytes                    // 512 KB, 2 MB (at most AbsoluteMaxBytes)
)

// Knob is one tuning environment variable.
type Knob struct {
	Env     string
	Setting string // what it sets, as Fabric names it
	Default string
	kind    knobKind
}

// The knobs. Ordering ones go into configtx.yaml (genesis block); the peer's
// into its environment.
var (
	KnobBatchInterval   = Knob{"PROV_BFT_BATCH_INTERVAL", "SmartBFT RequestBatchMaxInterval", DefaultBatchInterval, kindDuration}
	KnobBFTBatchCount   = Knob{"PROV_BFT_BATCH_MAX_COUNT", "SmartBFT RequestBatchMaxCount", "100", kindCount}
	KnobForwardTimeout  = Knob{"PROV_BFT_FORWARD_TIMEOUT", "SmartBFT RequestForwardTimeout", "1s", kindDuration}
	KnobComplainTimeout = Knob{"PROV_BFT_COMPLAIN_TIMEOUT", "SmartBFT RequestComplainTimeout", "4s", kindDuration}
	KnobViewChange      = Knob{"PROV_BFT_VIEW_CHANGE_TIMEOUT", "SmartBFT ViewChangeTimeout", "8s", kindDuration}
	KnobBatchTimeout    = Knob{"PROV_BATCH_TIMEOUT", "Orderer BatchTimeout", "100ms", kindDuration}
	KnobMaxMessageCount = Knob{"PROV_MAX_MESSAGE_COUNT", "Orderer BatchSize.MaxMessageCount", "500", kindCount}
	KnobPreferredBytes  = Knob{"PROV_PREFERRED_MAX_BYTES", "Orderer BatchSize.PreferredMaxBytes", "2 MB", kindBytes}
	KnobCensorship      = Knob{"PROV_PEER_CENSORSHIP_TIMEOUT", "peer.deliveryclient.blockCensorshipTimeoutKey", "5s", kindDuration}
)

// Knobs are every tuning knob, in the order `provnet tuning` lists them.
var Knobs = []Knob{KnobBatchInterval, KnobBFTBatchCount, KnobForwardTimeout, KnobComplainTimeout, KnobViewChange,
	KnobBatchTimeout, KnobMaxMessageCount, KnobPreferredBytes, KnobCensorship}

// AbsoluteMaxBytes is the genesis block's BatchSize.AbsoluteMaxBytes.
const AbsoluteMaxBytes = "10 MB"

const maxCount = 100000

var (
	reDuration = regexp.MustCompile(`^[0-9]+(ms|s)$`)
	reBytes    = regexp.MustCompile(`^([0-9]+) (KB|MB)$`)
)

// Value is the knob's value from getenv (its default when unset or empty),
// or an error naming the variable and the expected spelling.
func (k Knob) Value(getenv func(string) string) (string, error) {
	v := getenv(k.Env)
	if v == "" {
		return k.Default, nil
	}
	return v, k.Check(v)
}

// Check refuses a value that is not spelled as the knob's kind wants.
func (k Knob) Check(v string) error {
	switch k.kind {
	case kindDuration:
		if !reDuration.MatchString(v) || strings.TrimLeft(strings.TrimRight(v, "ms"), "0") == "" {
			return fmt.Errorf("%s='%s': want a duration such as 50ms or 1s (%s)", k.Env, v, k.Setting)
		}
	case kindCount:
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > maxCount || strconv.Itoa(n) != v {
			return fmt.Errorf("%s='%s': want a whole number from 1 to %d (%s)", k.Env, v, maxCount, k.Setting)
		}
	case kindBytes:
		m := reBytes.FindStringSubmatch(v)
		if m == nil {
			return fmt.Errorf("%s='%s': want a size such as 512 KB or 2 MB (%s)", k.Env, v, k.Setting)
		}
		n, _ := strconv.Atoi(m[1])
		if m[2] == "MB" {
			n *= 1024
		}
		if n < 1 || n > 10*1024 {
			return fmt.Errorf("%s='%s': want a size from 1 KB to %s (AbsoluteMaxBytes) (%s)", k.Env, v, AbsoluteMaxBytes, k.Setting)
		}
	}
	return nil
}

// Ordering is the genesis block's tunable ordering settings.
type Ordering struct {
	BatchInterval     string // SmartBFT RequestBatchMaxInterval
	BFTBatchMaxCount  int    // SmartBFT RequestBatchMaxCount (Fabric 3.1.1 replaces it by MaxMessageCount)
	ForwardTimeout    string // SmartBFT RequestForwardTimeout
	ComplainTimeout   string // SmartBFT RequestComplainTimeout
	ViewChangeTimeout string // SmartBFT ViewChangeTimeout
	BatchTimeout      string // Orderer BatchTimeout (Raft; SmartBFT ignores it)
	MaxMessageCount   int    // Orderer BatchSize.MaxMessageCount
	PreferredMaxBytes string // Orderer BatchSize.PreferredMaxBytes (Raft; SmartBFT ignores it)
}

// DefaultOrdering is the ordering settings with no knob set.
func DefaultOrdering() Ordering {
	o, _ := OrderingFromEnv(func(string) string { return "" })
	return o
}

// OrderingFromEnv is the ordering settings with the knobs getenv sets; the
// first badly spelled knob is the error.
func OrderingFromEnv(getenv func(string) string) (Ordering, error) {
	var o Ordering
	var bftCount, msgCount string
	for _, f := range []struct {
		k   Knob
		dst *string
	}{
		{KnobBatchInterval, &o.BatchInterval}, {KnobBFTBatchCount, &bftCount}, {KnobForwardTimeout, &o.ForwardTimeout},
		{KnobComplainTimeout, &o.ComplainTimeout}, {KnobViewChange, &o.ViewChangeTimeout}, {KnobBatchTimeout, &o.BatchTimeout},
		{KnobMaxMessageCount, &msgCount}, {KnobPreferredBytes, &o.PreferredMaxBytes},
	} {
		v, err := f.k.Value(getenv)
		if err != nil {
			return Ordering{}, err
		}
		*f.dst = v
	}
	o.BFTBatchMaxCount, _ = strconv.Atoi(bftCount)
	o.MaxMessageCount, _ = strconv.Atoi(msgCount)
	return o, nil
}

// check refuses settings that bypassed OrderingFromEnv with a bad spelling.
func (o Ordering) check() error {
	for _, c := range []struct {
		k Knob
		v string
	}{
		{KnobBatchInterval, o.BatchInterval}, {KnobBFTBatchCount, strconv.Itoa(o.BFTBatchMaxCount)},
		{KnobForwardTimeout, o.ForwardTimeout}, {KnobComplainTimeout, o.ComplainTimeout},
		{KnobViewChange, o.ViewChangeTimeout}, {KnobBatchTimeout, o.BatchTimeout},
		{KnobMaxMessageCount, strconv.Itoa(o.MaxMessageCount)}, {KnobPreferredBytes, o.PreferredMaxBytes},
	} {
		if err := c.k.Check(c.v); err != nil {
			return err
		}
	}
	return nil
}

// NodeTuning is the node settings the knobs set, as shell assignments for
// scripts/lib/nodes.sh (`eval "$(provnet tuning)"`): PEER_CENSORSHIP_TIMEOUT.
func NodeTuning(getenv func(string) string) (string, error) {
	if _, err := OrderingFromEnv(getenv); err != nil {
		return "", err
	}
	v, err := KnobCensorship.Value(getenv)
	if err != nil {
		return "", err
	}
	return "PEER_CENSORSHIP_TIMEOUT=" + shellQuote(v) + "\n", nil
}
