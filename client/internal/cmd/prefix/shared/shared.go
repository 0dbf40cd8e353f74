// Package shared is the code the prefix verbs share.
package shared

import (
	"fmt"

	"github.com/provledger/provenance/chaincode/domain"
	"github.com/provledger/provenance/client/internal/render"
)

// Act is a prefix governance act (claim, approve, reject, revoke, reopen):
// the chaincode answers with the prefix record, shown as "<past> prefix P:
// now STATUS" and the record.
func Act(action, past string) render.Act[domain.Prefix] {
	return render.Act[domain.Prefix]{Action: action, Show: render.Prefix, Headline: func(p *domain.Prefix) string {
		return fmt.Sprintf("%s prefix %s: now %s", past, p.Prefix, p.Status)
	}}
}
