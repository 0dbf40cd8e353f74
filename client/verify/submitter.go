package verify

import (
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/provledger/provenance/chaincode/domain"
)

// clientID is the submitter ID the chaincode records (fabric-chaincode-go's
// cid.ClientID.GetID): base64 of "x509::" + subject DN + "::" + issuer DN,
// each DN in RFC 2253 order as cid's getDN writes it. Our own code, written
// after that function so that verify computes the same string from the
// signed creator certificate.
func clientID(cert *x509.Certificate) string {
	id := "x509::" + distinguishedName(&cert.Subject) + "::" + distinguishedName(&cert.Issuer)
	return base64.StdEncoding.EncodeToString([]byte(id))
}

// distinguishedName spells a name as cid's GetID does: the certificate's
// RDN sequence as crypto/x509/pkix writes it (RDNSequence.String, which
// keeps non-standard attributes as OID=#hex; pkix.Name.String would not).
func distinguishedName(name *pkix.Name) string { return name.ToRDNSequence().String() }

// attrOID is the Fabric CA attribute extension (1.2.3.4.5.6.7.8.1), whose
// value is the JSON {"attrs":{"name":"value",...}}.
var attrOID = asn1.ObjectIdentifier{1, 2, 3, 4, 5, 6, 7, 8, 1}

// certAttribute reads one Fabric CA attribute from a certificate, as the
// chaincode's cid GetAttributeValue does.
func certAttribute(cert *x509.Certificate, name string) (string, bool, error) {
	for _, ext := range cert.Extensions {
		if !ext.Id.Equal(attrOID) {
			continue
		}
		var attrs struct {
			Attrs map[string]string `json:"attrs"`
		}
		if err := json.Unmarshal(ext.Value, &attrs); err != nil {
			return "", false, fmt.Errorf("attribute extension: %w", err)
		}
		v, ok := attrs.Attrs[name]
		return v, ok, nil
	}
	return "", false, nil
}

// checkSubmitter checks the event's submitter against the signed creator:
// SubmitterID is the creator certificate's cid ID (SubmitterMSP is
// event-matches-tx's), the
// certificate's prov.role attribute names the role the ledger gives that MSP
// (as the chaincode's identify requires). Whether that role may perform the
// act is the custody decision's (transition). roles is the ledger's
// org-role set.
func (t *endorserTx) checkSubmitter(ev domain.CustodyEvent, roles []domain.OrgRole) (string, error) {
	var problems []string
	if want := clientID(t.creator.cert); ev.SubmitterID != want {
		problems = append(problems, fmt.Sprintf("event submitterId %q, signing certificate's ID %q", ev.SubmitterID, want))
	}
	ledgerRole := domain.Role("")
	for _, r := range roles {
		if r.MSP == t.creator.mspID {
			ledgerRole = r.Role
		}
	}
	attr, found, err := certAttribute(t.creator.cert, domain.RoleAttribute)
	switch {
	case err != nil:
		problems = append(problems, fmt.Sprintf("creator %s: %v", t.creator, err))
	case ledgerRole == "":
		problems = append(problems, fmt.Sprintf("creator's MSP %s has no role on the ledger", t.creator.mspID))
	case !found:
		problems = append(problems, fmt.Sprintf("creator %s carries no %s attribute", t.creator, domain.RoleAttribute))
	case domain.Role(attr) != ledgerRole:
		problems = append(problems, fmt.Sprintf("creator %s says %s=%s but %s's role is %s", t.creator, domain.RoleAttribute, attr, t.creator.mspID, ledgerRole))
	}
	if len(problems) > 0 {
		return "", fmt.Errorf("%s", strings.Join(problems, "; "))
	}
	return fmt.Sprintf("%s (%s=%s)", t.creator, domain.RoleAttribute, attr), nil
}
