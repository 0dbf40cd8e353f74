package gateway

import (
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"encoding/json"
)

// The signing identity (netdesc.Identity) is read by netdesc.LoadMSP; this
// file reads what prov shows of it.

// fabricAttrOID is the certificate extension where Fabric CA puts the
// enrollment attributes (registered with :ecert), as JSON {"attrs":{...}}.
var fabricAttrOID = asn1.ObjectIdentifier{1, 2, 3, 4, 5, 6, 7, 8, 1}

// Attributes returns the Fabric CA attributes in the certificate.
func Attributes(cert *x509.Certificate) map[string]string {
	for _, ext := range cert.Extensions {
		if !ext.Id.Equal(fabricAttrOID) {
			continue
		}
		var v struct {
			Attrs map[string]string `json:"attrs"`
		}
		if json.Unmarshal(ext.Value, &v) == nil {
			return v.Attrs
		}
	}
	return nil
}

// NodeOU returns the certificate's Fabric NodeOU (client, admin, peer,
// orderer) from its subject's organizational units, or "".
func NodeOU(subject pkix.Name) string {
	for _, ou := range subject.OrganizationalUnit {
		switch ou {
		case "client", "admin", "peer", "orderer":
			return ou
		}
	}
	return ""
}
