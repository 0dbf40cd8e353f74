package bulk

import (
	"context"
	"encoding/json"
	"time"

	"github.com/provledger/provenance/chaincode/domain"
	"github.com/provledger/provenance/client/gateway"
	"github.com/provledger/provenance/client/internal/ledger"
)

// Params are an act's parameters besides the items.
type Params struct {
	To       string // offer recipient (MSP ID once resolved)
	Expires  string // offer expiry as typed (--expires)
	OfferTTL int64  // Expires in seconds, 0 for the default
	Reason   string // hold, recall, decommission reason
	Note     string // free text stored on each event
}

// Plan is what a run will do: the items to submit, and those it will not.
type Plan struct {
	Todo    []Input
	Skipped []Skipped
	Failed  []Failed
}

// MakePlan checks inputs against the ledger before any transaction: it
// reads them with GetItems and lets the domain say, for each, whether the
// act is already done (skipped: re-runs are safe) or would be refused
// (failed with the chaincode's code and message, no transaction spent).
// The local decision sees what GetItems shows; the chaincode still decides
// each item for real, so an item the plan lets through may yet be refused.
func MakePlan(ctx context.Context, l gateway.Ledger, act domain.Act, p Params, in []Input) (*Plan, error) {
	pl := &Plan{}
	var keys []string
	var valid []Input
	pl.Failed = Unreadable(in)
	for _, x := range in {
		if x.Err == nil {
			valid = append(valid, x)
			keys = append(keys, x.Key)
		}
	}
	items, err := ledger.GetItems(ctx, l, keys)
	if err != nil {
		return nil, err
	}
	req := localRequest(ctx, l, act, p)
	if req.Roles != nil && req.Actor.Role == "" {
		// The chaincode refuses every act of an organization without a role
		// (not yet approved, or removed) before looking at any item.
		return nil, domain.Errorf(domain.CodeUnknownOrg, "MSP %s has no role on the ledger", req.Actor.MSP)
	}
	for i, x := range valid {
		id, _ := domain.ParseIdentifier(x.Key)
		st := domain.StateOf(id.ItemID, items[i])
		if items[i] == nil {
			pl.Failed = append(pl.Failed, failedOf(x, domain.Errorf(domain.CodeNotFound, "item %s is not registered", x.Key)))
			continue
		}
		if why := domain.Settled(st, req); why != "" {
			pl.Skipped = append(pl.Skipped, Skipped{Line: x.Line, ID: x.Key, Reason: why})
			continue
		}
		if req.Roles != nil {
			if _, derr := domain.Decide(st, req); derr != nil {
				pl.Failed = append(pl.Failed, failedOf(x, derr))
				continue
			}
		}
		pl.Todo = append(pl.Todo, x)
	}
	return pl, nil
}

// localRequest is the act as the chaincode will see it, as far as the
// client knows: the actor's role is its MSP's ledger role (the chaincode
// requires the certificate to say the same), admin rights and the brand
// owner are left to the chaincode (assumed granted), and Now is the local
// clock. Without the ledger's roles only Settled is consulted.
func localRequest(ctx context.Context, l gateway.Ledger, act domain.Act, p Params) domain.Request {
	me := l.MSPID()
	r := domain.Request{Act: act, Actor: domain.Actor{MSP: me, Admin: true}, TxID: "plan",
		Now: domain.FormatTimestamp(time.Now().UnixNano()), To: p.To, Reason: p.Reason, Note: p.Note, OfferTTL: p.OfferTTL}
	if act == domain.ActRecallItem {
		r.Brand = me
	}
	b, err := l.Evaluate(ctx, "GetOrgRoles")
	if err != nil {
		return r
	}
	var roles []domain.OrgRole
	if json.Unmarshal(b, &roles) != nil || len(roles) == 0 {
		return r
	}
	r.Roles = roles
	for _, o := range roles {
		if o.MSP == me {
			r.Actor.Role = o.Role
		}
	}
	return r
}
