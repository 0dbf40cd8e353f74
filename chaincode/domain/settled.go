package domain

import "fmt"

// StateOf rebuilds the custody state of an item as GetItems returns it
// (the item with its hold, broadest recall and open offer filled in), for a
// client that checks an act before sending it. The last event's time is not
// part of a read item, so the backdating check is left to the chaincode.
func StateOf(id ItemID, it *Item) CustodyState {
	s := CustodyState{ID: id}
	if it == nil {
		return s
	}
	bare := *it
	bare.Hold, bare.Recall, bare.Offer = nil, nil, nil
	s.Item, s.Seq, s.Hold, s.Offer = &bare, it.Seq, it.Hold, it.Offer
	if it.Recall != nil {
		s.Recalls = []Recall{*it.Recall}
	}
	return s
}

// Settled says whether the act of r has nothing left to do on the item:
// its outcome already holds for r's actor (the item was offered to r.To
// already, is held already, ...). It returns what holds, or "" when the act
// still has work to do (Decide then says whether it may). Re-running an
// interrupted bulk command skips settled items instead of failing on them.
func Settled(s CustodyState, r Request) string {
	it, me := s.Item, r.Actor.MSP
	if it == nil {
		return ""
	}
	switch r.Act {
	case ActOffer:
		if it.Owner == me && it.Status == StatusInTransit && it.OfferedTo == r.To {
			return fmt.Sprintf("already offered to %s", r.To)
		}
	case ActAccept:
		if it.Owner == me && it.Status != StatusInTransit {
			return fmt.Sprintf("already held by %s (%s)", me, it.Status)
		}
	case ActReject:
		if it.Owner != me && it.Status != StatusInTransit {
			return fmt.Sprintf("no longer offered to %s (%s, held by %s)", me, it.Status, it.Owner)
		}
	case ActCancel:
		if it.Owner == me && it.Status == StatusActive {
			return "not offered (already cancelled or rejected)"
		}
	case ActReportStolen:
		if it.Owner == me && it.Status == StatusStolen {
			return "already reported stolen"
		}
	case ActDecommission:
		if it.Owner == me && it.Status == StatusDecommissioned {
			return fmt.Sprintf("already decommissioned (%s)", it.Reason)
		}
	case ActHold:
		if s.Hold != nil && s.Hold.By == me {
			return fmt.Sprintf("already on hold by %s", me)
		}
	case ActRelease:
		if s.Hold == nil {
			return "not on hold"
		}
	case ActRecallItem:
		if rc := s.ItemRecall(); rc != nil && rc.By == me {
			return fmt.Sprintf("already recalled by %s", me)
		}
	}
	return ""
}
