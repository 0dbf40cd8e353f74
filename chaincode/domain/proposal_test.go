package domain

import "testing"

func TestTally(t *testing.T) {
	e3 := []string{"A", "B", "C"}
	e4 := []string{"A", "B", "C", "D"}
	cases := []struct {
		name       string
		electorate []string
		app, rej   []string
		want       ProposalStatus
	}{
		{"one of three", e3, []string{"A"}, nil, ProposalPending},
		{"two of three", e3, []string{"A", "B"}, nil, ProposalApproved},
		{"two rejections of three", e3, []string{"A"}, []string{"B", "C"}, ProposalRejected},
		{"one each of three", e3, []string{"A"}, []string{"B"}, ProposalPending},
		{"two of four", e4, []string{"A", "B"}, nil, ProposalPending},
		{"three of four", e4, []string{"A", "B", "C"}, nil, ProposalApproved},
		{"two rejections of four: approval out of reach", e4, []string{"A"}, []string{"B", "C"}, ProposalRejected},
		{"votes outside the electorate do not count", e3, []string{"A", "X", "Y"}, nil, ProposalPending},
		{"a duplicated vote counts once", e3, []string{"A", "A"}, nil, ProposalPending},
		{"empty electorate", nil, []string{"A"}, nil, ProposalRejected},
		{"one voter", []string{"A"}, []string{"A"}, nil, ProposalApproved},
	}
	for _, c := range cases {
		if got := Tally(c.electorate, c.app, c.rej); got != c.want {
			t.Errorf("%s: Tally = %s, want %s", c.name, got, c.want)
		}
	}
	if MajorityOf(3) != 2 || MajorityOf(4) != 3 || MajorityOf(5) != 3 {
		t.Error("MajorityOf is not floor(n/2)+1")
	}
}

func TestValidateMSPID(t *testing.T) {
	for _, ok := range []string{"ManufacturerMSP", "org-1.example_MSP"} {
		if err := ValidateMSPID(ok); err != nil {
			t.Errorf("%s: %v", ok, err)
		}
	}
	for _, bad := range []string{"", "a b", "a/b", "ü", string(make([]byte, 65))} {
		if err := ValidateMSPID(bad); CodeOf(err) != CodeInvalidArgument {
			t.Errorf("%q: %v", bad, err)
		}
	}
	if !ValidRole(RoleCustoms) || ValidRole("king") {
		t.Error("ValidRole")
	}
	p := &Proposal{Electorate: []string{"A", "B"}, Approvals: []string{"A"}, Rejections: []string{"B"}}
	if !p.HasVoted("A") || !p.HasVoted("B") || p.HasVoted("C") || !p.InElectorate("B") || p.InElectorate("C") {
		t.Error("HasVoted/InElectorate")
	}
}

func TestHandedOverTransition(t *testing.T) {
	if s, err := NextStatus("x", StatusActive, EventHandedOver); err != nil || s != StatusActive {
		t.Fatalf("ACTIVE: %s %v", s, err)
	}
	for _, cur := range []Status{StatusInTransit, StatusStolen, StatusDecommissioned} {
		if _, err := NextStatus("x", cur, EventHandedOver); CodeOf(err) != CodeInvalidTransition {
			t.Errorf("%s: %v", cur, err)
		}
	}
	p := ExpectedEndorsers(CustodyEvent{Type: EventHandedOver, From: "Gone", To: "Heir"}, []OrgRole{{MSP: "A"}, {MSP: "Heir"}, {MSP: "C"}})
	if len(p.AllOf) != 1 || p.AllOf[0] != "Gone" || !p.Majority || p.Threshold != 2 {
		t.Fatalf("policy %+v", p)
	}
}
