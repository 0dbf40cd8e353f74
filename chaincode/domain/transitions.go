package domain

import "strings"

// statusChange lists, per custody event type that changes the item key's
// status, the statuses it may start from and the status it leads to. Events
// not listed here (HELD, RELEASED, RECALLED, INSPECTED) live on keys of their
// own and leave the item's status as it is; they are allowed in every status
// (a sighting of a decommissioned serial is exactly how a clone surfaces).
//
// It is a function, not a package-level map, so that no mutable state exists
// at package level (determinism lint) and the lookup order is fixed.
func statusChange(ev EventType) (from []Status, to Status, ok bool) {
	switch ev {
	case EventRegistered:
		return []Status{""}, StatusActive, true
	case EventOffered:
		return []Status{StatusActive}, StatusInTransit, true
	case EventAccepted, EventRejected, EventCancelled:
		return []Status{StatusInTransit}, StatusActive, true
	case EventStolen:
		// Stolen in transit is the common case; the owner still reports it.
		return []Status{StatusActive, StatusInTransit}, StatusStolen, true
	case EventDecommissioned:
		return []Status{StatusActive, StatusStolen}, StatusDecommissioned, true
	case EventHandedOver:
		// owner := the successor; an open offer must end first.
		return []Status{StatusActive}, StatusActive, true
	}
	return nil, "", false
}

// ChangesStatus reports whether events of type ev write the item key.
func ChangesStatus(ev EventType) bool {
	_, _, ok := statusChange(ev)
	return ok
}

// AllowedFrom returns the statuses from which an event of type ev may be
// applied to an item; nil means every status (the event does not touch the
// item's status).
func AllowedFrom(ev EventType) []Status {
	from, _, ok := statusChange(ev)
	if !ok {
		return nil
	}
	return append([]Status(nil), from...)
}

// NextStatus applies event ev to an item in status cur and returns the new
// status. An event that does not change the status returns cur. A forbidden
// change is an INVALID_TRANSITION refusal naming the item (its canonical key)
// and the statuses the event needs.
func NextStatus(item string, cur Status, ev EventType) (Status, error) {
	if !knownEvent(ev) {
		return cur, Errorf(CodeInvalidArgument, "unknown custody event type %q", ev)
	}
	from, to, ok := statusChange(ev)
	if !ok {
		return cur, nil
	}
	for _, s := range from {
		if s == cur {
			return to, nil
		}
	}
	if cur == "" {
		return cur, Errorf(CodeNotFound, "item %s is not registered", item)
	}
	names := make([]string, len(from))
	for i, s := range from {
		names[i] = string(s)
	}
	return cur, Errorf(CodeInvalidTransition, "item %s is %s; %s needs %s", item, cur, ev, strings.Join(names, " or "))
}

func knownEvent(ev EventType) bool {
	switch ev {
	case EventRegistered, EventOffered, EventAccepted, EventRejected, EventCancelled,
		EventRecalled, EventStolen, EventHeld, EventReleased, EventDecommissioned, EventInspected,
		EventPacked, EventUnpacked,
		EventRecallWithdrawn, EventHandedOver:
		return true
	}
	return false
}

// Decommission reasons (the enum).
const (
	ReasonDispensed  = "dispensed"
	ReasonDestroyed  = "destroyed"
	ReasonExported   = "exported"
	ReasonRetailSold = "retail_sold"
)

// DecommissionReasons returns the accepted decommission reasons in a fixed order.
func DecommissionReasons() []string {
	return []string{ReasonDispensed, ReasonDestroyed, ReasonExported, ReasonRetailSold}
}

// ValidateDecommissionReason refuses anything but the four reasons.
func ValidateDecommissionReason(r string) error {
	for _, ok := range DecommissionReasons() {
		if r == ok {
			return nil
		}
	}
	return Errorf(CodeInvalidArgument, "decommission reason %q is not one of %s", r, strings.Join(DecommissionReasons(), ", "))
}

// Inspection results.
const (
	InspectionMatch    = "match"
	InspectionMismatch = "mismatch"
	InspectionSuspect  = "suspect"
)

// InspectionResults returns the accepted inspection results in a fixed order.
func InspectionResults() []string {
	return []string{InspectionMatch, InspectionMismatch, InspectionSuspect}
}

// ValidateInspectionResult refuses anything but match, mismatch and suspect.
func ValidateInspectionResult(r string) error {
	for _, ok := range InspectionResults() {
		if r == ok {
			return nil
		}
	}
	return Errorf(CodeInvalidArgument, "inspection result %q is not one of %s", r, strings.Join(InspectionResults(), ", "))
}

// PrefixVoteThreshold is the number of votes that decides a prefix claim,
// rejection or revocation: a majority of the n organizations with a role,
// floor(n/2)+1.
func PrefixVoteThreshold(n int) int { return n/2 + 1 }
