package domain

import (
	"strings"
	"testing"
)

func TestNextStatus(t *testing.T) {
	const item = "01/09506000134352/21/ABC"
	all := []Status{"", StatusActive, StatusInTransit, StatusStolen, StatusDecommissioned}
	// want[ev][from] = next status; absent = refused.
	want := map[EventType]map[Status]Status{
		EventRegistered:     {"": StatusActive},
		EventOffered:        {StatusActive: StatusInTransit},
		EventAccepted:       {StatusInTransit: StatusActive},
		EventRejected:       {StatusInTransit: StatusActive},
		EventCancelled:      {StatusInTransit: StatusActive},
		EventStolen:         {StatusActive: StatusStolen, StatusInTransit: StatusStolen},
		EventDecommissioned: {StatusActive: StatusDecommissioned, StatusStolen: StatusDecommissioned},
	}
	for ev, m := range want {
		if !ChangesStatus(ev) {
			t.Errorf("%s should change the status", ev)
		}
		if got := AllowedFrom(ev); len(got) != len(m) {
			t.Errorf("AllowedFrom(%s) = %v", ev, got)
		}
		for _, from := range all {
			next, err := NextStatus(item, from, ev)
			exp, ok := m[from]
			switch {
			case ok && (err != nil || next != exp):
				t.Errorf("%s from %q = %q, %v; want %q", ev, from, next, err, exp)
			case !ok && err == nil:
				t.Errorf("%s from %q allowed (-> %q)", ev, from, next)
			case !ok && from == "" && CodeOf(err) != CodeNotFound:
				t.Errorf("%s on an unregistered item: %v", ev, err)
			case !ok && from != "" && (CodeOf(err) != CodeInvalidTransition || !strings.Contains(err.Error(), item)):
				t.Errorf("%s from %q: %v", ev, from, err)
			}
		}
	}
	// Events on keys of their own leave the status alone, in every status.
	for _, ev := range []EventType{EventHeld, EventReleased, EventRecalled, EventInspected} {
		if ChangesStatus(ev) || AllowedFrom(ev) != nil {
			t.Errorf("%s should not change the status", ev)
		}
		for _, from := range all[1:] {
			if next, err := NextStatus(item, from, ev); err != nil || next != from {
				t.Errorf("%s from %s = %s, %v", ev, from, next, err)
			}
		}
	}
	if _, err := NextStatus(item, StatusActive, "TELEPORTED"); CodeOf(err) != CodeInvalidArgument {
		t.Errorf("unknown event: %v", err)
	}
	_, err := NextStatus(item, StatusInTransit, EventOffered)
	if err.Error() != "INVALID_TRANSITION: item 01/09506000134352/21/ABC is IN_TRANSIT; OFFERED needs ACTIVE" {
		t.Errorf("message: %v", err)
	}
	_, err = NextStatus(item, StatusDecommissioned, EventStolen)
	if !strings.HasSuffix(err.Error(), "STOLEN needs ACTIVE or IN_TRANSIT") {
		t.Errorf("message: %v", err)
	}
}

func TestEnums(t *testing.T) {
	for _, r := range DecommissionReasons() {
		if err := ValidateDecommissionReason(r); err != nil {
			t.Error(err)
		}
	}
	for _, r := range []string{"", "Destroyed", "lost"} {
		if err := ValidateDecommissionReason(r); CodeOf(err) != CodeInvalidArgument {
			t.Errorf("reason %q: %v", r, err)
		}
	}
	for _, r := range InspectionResults() {
		if err := ValidateInspectionResult(r); err != nil {
			t.Error(err)
		}
	}
	for _, r := range []string{"", "MATCH", "ok"} {
		if err := ValidateInspectionResult(r); CodeOf(err) != CodeInvalidArgument {
			t.Errorf("result %q: %v", r, err)
		}
	}
	for n, want := range map[int]int{1: 1, 2: 2, 3: 2, 4: 3, 5: 3, 6: 4} {
		if got := PrefixVoteThreshold(n); got != want {
			t.Errorf("PrefixVoteThreshold(%d) = %d, want %d", n, got, want)
		}
	}
}
