package domain

import (
	"strings"
	"testing"
)

var testRoles = []OrgRole{
	{MSP: "ManufacturerMSP", Role: RoleManufacturer},
	{MSP: "DistributorMSP", Role: RoleDistributor},
	{MSP: "CustomsMSP", Role: RoleCustoms},
}

func TestExpectedEndorsers(t *testing.T) {
	const m, d, c = "ManufacturerMSP", "DistributorMSP", "CustomsMSP"
	cases := []struct {
		ev   CustodyEvent
		all  []string
		text string
	}{
		{CustodyEvent{Type: EventRegistered, To: m}, nil, "MAJORITY(2 of 3)"},
		{CustodyEvent{Type: EventOffered, From: m, To: d}, []string{m}, "AND(ManufacturerMSP.peer) + MAJORITY(2 of 3)"},
		{CustodyEvent{Type: EventAccepted, From: m, To: d}, []string{d, m}, "AND(DistributorMSP.peer, ManufacturerMSP.peer) + MAJORITY(2 of 3)"},
		{CustodyEvent{Type: EventRejected, From: m, To: d}, []string{d, m}, ""},
		{CustodyEvent{Type: EventCancelled, From: m, To: d}, []string{d, m}, ""},
		{CustodyEvent{Type: EventStolen, From: m}, []string{m}, ""},
		// By design (issue 13): the recipient can no longer block a stolen report.
		{CustodyEvent{Type: EventStolen, From: m, To: d}, []string{m}, ""},
		{CustodyEvent{Type: EventCancelled, From: m, To: d, Details: "offer expired at 2026-01-01T00:00:00Z"}, []string{m}, ""},
		{CustodyEvent{Type: EventCancelled, From: m, To: d, Details: "majority vote P1"}, []string{m}, ""},
		{CustodyEvent{Type: EventDecommissioned, From: d}, []string{d}, ""},
		{CustodyEvent{Type: EventHeld, To: c}, nil, ""},
		// By design: a hold key's policy is "customs OR majority" (majority release).
		{CustodyEvent{Type: EventReleased, From: c}, nil, ""},
		{CustodyEvent{Type: EventRecallWithdrawn, From: m}, nil, ""},
		{CustodyEvent{Type: EventRecalled, From: m}, nil, ""},
		{CustodyEvent{Type: EventInspected}, nil, ""},
	}
	for _, tc := range cases {
		p := ExpectedEndorsers(tc.ev, testRoles)
		if strings.Join(p.AllOf, ",") != strings.Join(tc.all, ",") || !p.Majority || p.Threshold != 2 ||
			strings.Join(p.Orgs, ",") != "CustomsMSP,DistributorMSP,ManufacturerMSP" {
			t.Errorf("%s: %+v", tc.ev.Type, p)
		}
		if tc.text != "" && p.String() != tc.text {
			t.Errorf("%s: String() = %q, want %q", tc.ev.Type, p, tc.text)
		}
	}
	if g := GovernancePolicy(testRoles); len(g.AllOf) != 0 || !g.Majority || g.Threshold != 2 {
		t.Errorf("governance: %+v", g)
	}
}

func TestPolicySatisfiedBy(t *testing.T) {
	offer := ExpectedEndorsers(CustodyEvent{Type: EventOffered, From: "ManufacturerMSP", To: "DistributorMSP"}, testRoles)
	for _, tc := range []struct {
		endorsers []string
		ok        bool
		msg       string
	}{
		{[]string{"ManufacturerMSP", "DistributorMSP"}, true, ""},
		{[]string{"CustomsMSP", "ManufacturerMSP"}, true, ""},
		{[]string{"ManufacturerMSP", "ManufacturerMSP"}, false, "1 of the organizations endorsed"},
		{[]string{"DistributorMSP", "CustomsMSP"}, false, "no endorsement from ManufacturerMSP"},
		{nil, false, "no endorsement from ManufacturerMSP"},
	} {
		err := offer.SatisfiedBy(tc.endorsers)
		if (err == nil) != tc.ok || (err != nil && !strings.Contains(err.Error(), tc.msg)) {
			t.Errorf("SatisfiedBy(%v) = %v", tc.endorsers, err)
		}
	}
	// A shipment's policy is the merge of its items' policies.
	accept := ExpectedEndorsers(CustodyEvent{Type: EventAccepted, From: "ManufacturerMSP", To: "DistributorMSP"}, testRoles)
	release := ExpectedEndorsers(CustodyEvent{Type: EventDecommissioned, From: "CustomsMSP"}, testRoles)
	m := accept.Merge(release)
	if strings.Join(m.AllOf, ",") != "CustomsMSP,DistributorMSP,ManufacturerMSP" || !m.Majority || m.Threshold != 2 {
		t.Errorf("merge: %+v", m)
	}
	if err := m.SatisfiedBy([]string{"ManufacturerMSP", "DistributorMSP"}); err == nil {
		t.Error("merge satisfied without customs")
	}
	if (Policy{}).String() != "NONE" || (Policy{}).SatisfiedBy(nil) != nil {
		t.Error("empty policy")
	}
	if m := (Policy{AllOf: []string{"A"}}).Merge(Policy{AllOf: []string{"B", "A"}}); m.Majority || strings.Join(m.AllOf, ",") != "A,B" {
		t.Errorf("merge without majority: %+v", m)
	}
}

func TestPeerMayEndorse(t *testing.T) {
	single := Policy{AllOf: []string{"ManufacturerMSP"}}
	if org, ok := single.SingleOrg(); !ok || org != "ManufacturerMSP" {
		t.Fatalf("SingleOrg = %q, %v", org, ok)
	}
	if !PeerMayEndorse(single, "ManufacturerMSP", "ManufacturerMSP") {
		t.Error("own peer refused")
	}
	if PeerMayEndorse(single, "ManufacturerMSP", "DistributorMSP") {
		t.Error("a foreign peer may not endorse a single-org change of the submitter's org")
	}
	// Another org's single-org policy: not the submitter's own decision.
	if !PeerMayEndorse(single, "DistributorMSP", "CustomsMSP") {
		t.Error("check applies only to the submitter's own org")
	}
	// Every policy of this chaincode needs the majority: every peer endorses.
	offer := ExpectedEndorsers(CustodyEvent{Type: EventOffered, From: "ManufacturerMSP", To: "DistributorMSP"}, testRoles)
	if _, ok := offer.SingleOrg(); ok {
		t.Error("offer is not single-org")
	}
	for _, peer := range []string{"ManufacturerMSP", "DistributorMSP", "CustomsMSP"} {
		if !PeerMayEndorse(offer, "ManufacturerMSP", peer) {
			t.Errorf("peer of %s refused an offer", peer)
		}
	}
}
