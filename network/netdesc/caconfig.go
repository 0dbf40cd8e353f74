package netdesc

import (
	"fmt"
	"strconv"
)

// CAAdminPassword is the secret of each CA's registrar, caadmin (kept for
// identities registered later, e.g. a home's missing ccclient).
const CAAdminPassword = "caadminpw"

// CAIdentity is a registry entry preloaded into a fabric-ca-server.
type CAIdentity struct {
	Name        string         `yaml:"name"`
	Pass        string         `yaml:"pass"`
	Type        string         `yaml:"type"`
	Affiliation string         `yaml:"affiliation"`
	Attrs       map[string]any `yaml:"attrs,omitempty"`
}

// CAConfig is a fabric-ca-server-config.yaml: one of an organization's two
// CAs (the identity CA "ca", which also loads the TLS CA from cafiles, and
// "tlsca"). The fixed parts are as fabric-ca-server wants them for a
// development network.
type CAConfig struct {
	Port    int    `yaml:"port"`
	Address string `yaml:"address"`
	Debug   bool   `yaml:"debug"`
	TLS     struct {
		Enabled bool `yaml:"enabled"`
	} `yaml:"tls"`
	CA struct {
		Name string `yaml:"name"`
	} `yaml:"ca"`
	Registry struct {
		MaxEnrollments int          `yaml:"maxenrollments"`
		Identities     []CAIdentity `yaml:"identities"`
	} `yaml:"registry"`
	DB struct {
		Type string `yaml:"type"`
		// WAL, no fsync: a development CA; much faster on a busy disk. The
		// trailing parameter absorbs the "?_busy_timeout=5000" fabric-ca
		// appends.
		Datasource string `yaml:"datasource"`
	} `yaml:"db"`
	Affiliations map[string]any `yaml:"affiliations"`
	Signing      struct {
		Default  CASigningProfile            `yaml:"default"`
		Profiles map[string]CASigningProfile `yaml:"profiles"`
	} `yaml:"signing"`
	CSR struct {
		CN         string `yaml:"cn"`
		KeyRequest struct {
			Algo string `yaml:"algo"`
			Size int    `yaml:"size"`
		} `yaml:"keyrequest"`
		Names []map[string]string `yaml:"names"`
		Hosts []string            `yaml:"hosts"`
		CA    struct {
			Expiry     string `yaml:"expiry"`
			PathLength int    `yaml:"pathlength"`
		} `yaml:"ca"`
	} `yaml:"csr"`
	Operations struct {
		ListenAddress string `yaml:"listenAddress"`
		TLS           struct {
			Enabled bool `yaml:"enabled"`
		} `yaml:"tls"`
	} `yaml:"operations"`
	Metrics struct {
		Provider string `yaml:"provider"`
	} `yaml:"metrics"`
	CAFiles []string `yaml:"cafiles,omitempty"`
}

// CASigningProfile is a signing profile of the CA.
type CASigningProfile struct {
	Usage        []string `yaml:"usage"`
	Expiry       string   `yaml:"expiry"`
	CAConstraint *struct {
		IsCA       bool `yaml:"isca"`
		MaxPathLen int  `yaml:"maxpathlen"`
	} `yaml:"caconstraint,omitempty"`
}

// userIdentity is a user of the identity CA with the ecert attributes that
// 'fabric-ca-client register' gives an identity (hf.EnrollmentID, hf.Type,
// hf.Affiliation) and, with a role, prov.role. Preloading users saves the
// registrar enrollment and one register process per user on the way to the
// first enrollment.
func userIdentity(name, typ, role string) CAIdentity {
	a := map[string]any{"hf.EnrollmentID": name + ":ecert", "hf.Type": typ + ":ecert", "hf.Affiliation": ":ecert"}
	if role != "" {
		a["prov.role"] = role + ":ecert"
	}
	return CAIdentity{Name: name, Pass: name + "pw", Type: typ, Attrs: a}
}

// caIdentities are the registry entries preloaded into one of org s's CAs:
// the registrar, the node identities and, in the identity CA, the users:
// admin (NodeOU admin) and, for peer orgs, user1, badrole (another org's
// role) and norole.
func caIdentities(s OrgSpec, tls bool) []CAIdentity {
	plain := func(name, typ string) CAIdentity { return CAIdentity{Name: name, Pass: name + "pw", Type: typ} }
	ids := []CAIdentity{
		{Name: "caadmin", Pass: CAAdminPassword, Type: "client", Attrs: map[string]any{
			"hf.Registrar.Roles": "*", "hf.Registrar.DelegateRoles": "*", "hf.Revoker": true, "hf.IntermediateCA": true,
			"hf.GenCRL": true, "hf.Registrar.Attributes": "*", "hf.AffiliationMgr": true}},
		plain("orderer0", "orderer"),
	}
	if tls {
		ids = append(ids, plain("admin", "admin"))
	} else {
		ids = append(ids, userIdentity("admin", "admin", s.Role))
	}
	if s.Peer {
		ids = append(ids, plain("peer0", "peer"))
		if tls {
			ids = append(ids, plain("ccserver", "peer"), plain("ccclient", "client"))
		} else {
			ids = append(ids, userIdentity("user1", "client", s.Role), userIdentity("badrole", "client", BadRole(s.Role)),
				userIdentity("norole", "client", ""))
		}
	}
	return ids
}

// BuildCAConfig is the fabric-ca-server configuration of org s's identity
// CA (tls false) or TLS CA.
func BuildCAConfig(l Layout, s OrgSpec, tls bool) *CAConfig {
	name, cn := "ca", "ca."+s.Dir+".prov"
	if tls {
		name, cn = "tlsca", "tlsca."+s.Dir+".prov"
	}
	c := &CAConfig{Port: l.Port(s.Index, OffCA), Address: l.BindHost(s.Index)}
	c.TLS.Enabled = true
	c.CA.Name = name
	c.Registry.MaxEnrollments = -1
	c.Registry.Identities = caIdentities(s, tls)
	c.DB.Type = "sqlite3"
	c.DB.Datasource = "fabric-ca-server.db?_busy_timeout=5000&_sync=OFF&_journal=WAL&_x="
	c.Affiliations = map[string]any{}
	c.Signing.Default = CASigningProfile{Usage: []string{"digital signature"}, Expiry: "8760h"}
	caProf := CASigningProfile{Usage: []string{"cert sign", "crl sign"}, Expiry: "43800h"}
	caProf.CAConstraint = &struct {
		IsCA       bool `yaml:"isca"`
		MaxPathLen int  `yaml:"maxpathlen"`
	}{true, 0}
	c.Signing.Profiles = map[string]CASigningProfile{
		"ca":  caProf,
		"tls": {Usage: []string{"signing", "key encipherment", "server auth", "client auth", "key agreement"}, Expiry: "8760h"},
	}
	c.CSR.CN = cn
	c.CSR.KeyRequest.Algo, c.CSR.KeyRequest.Size = "ecdsa", 256
	c.CSR.Names = []map[string]string{{"C": "US", "O": s.Name}}
	c.CSR.Hosts = []string{"localhost", "127.0.0.1", cn, "ca." + s.Dir + ".prov"}
	c.CSR.CA.Expiry, c.CSR.CA.PathLength = "131400h", 1
	c.Operations.ListenAddress = l.BindHost(s.Index) + ":" + strconv.Itoa(l.Port(s.Index, OffCAOps))
	c.Metrics.Provider = "prometheus"
	if !tls {
		c.CAFiles = []string{"tlsca/fabric-ca-server-config.yaml"}
	}
	return c
}

// CAConfigYAML is the content of org s's CA configuration file.
func CAConfigYAML(l Layout, s OrgSpec, tls bool) ([]byte, error) {
	c := BuildCAConfig(l, s, tls)
	return marshalYAML(fmt.Sprintf("# Generated by provnet ca-config: %s for %s.\n", c.CSR.CN, s.Name), c)
}
