package domain

import (
	"bytes"
	"strconv"
	"strings"
)

// An item's counter key (CounterKey) holds the sequence of its last custody
// event and, since the single-item custody speed-up, that event's timestamp:
// "{seq} {timestamp}". A custody transaction needs the time of the last event
// (the backdating check) and would otherwise read the event key for it, a
// second round trip to the peer once the counter is known. Counters written
// before hold the sequence alone ("{seq}"); readers accept both and then read
// the event key.
//
// Trusting the counter's time is no weaker than before: the counter has no
// key-level policy (the chaincode's MAJORITY writes it), and its sequence
// already chose which event's time was read.

// EncodeCounter is the counter value after event seq at time at (RFC 3339;
// "" writes the sequence alone).
func EncodeCounter(seq uint64, at string) []byte {
	s := strconv.FormatUint(seq, 10)
	if at != "" {
		s += " " + at
	}
	return []byte(s)
}

// ParseCounter reads a counter value in either format; at is "" for the
// sequence-only format.
func ParseCounter(b []byte) (seq uint64, at string, err error) {
	s, at, timed := strings.Cut(string(b), " ")
	seq, perr := strconv.ParseUint(s, 10, 64)
	if perr != nil {
		return 0, "", Errorf(CodeInvalidArgument, "event counter %s: sequence is not a decimal number", quote(string(b)))
	}
	if timed {
		if _, terr := ParseTimestamp(at); terr != nil {
			return 0, "", Errorf(CodeInvalidArgument, "event counter %s: %s", quote(string(b)), terr.(*Error).Msg)
		}
	}
	return seq, at, nil
}

// SameCounter reports whether a written counter value agrees with the one a
// decision writes: the same sequence and, when both carry one, the same time.
// prov verify compares with it, so that transactions of chaincode that wrote
// the sequence alone still verify.
func SameCounter(written, decided []byte) bool {
	if bytes.Equal(written, decided) {
		return true
	}
	ws, wat, err1 := ParseCounter(written)
	ds, dat, err2 := ParseCounter(decided)
	return err1 == nil && err2 == nil && ws == ds && (wat == "" || dat == "" || wat == dat)
}
