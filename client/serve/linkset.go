package serve

import (
	"net/http"
	"net/url"
	"sort"
	"strings"

	"github.com/provledger/provenance/chaincode/domain"
)

// gs1Voc is the GS1 Web Vocabulary namespace link types are named in.
const gs1Voc = "https://gs1.org/voc/"

// linkTypeName reduces a linkType value (gs1:pip, https://gs1.org/voc/pip,
// https://ref.gs1.org/voc/pip, pip) to its short name; "all" stays.
func linkTypeName(s string) string {
	s = strings.TrimSpace(s)
	for _, p := range []string{"gs1:", gs1Voc, "https://ref.gs1.org/voc/", "http://gs1.org/voc/"} {
		if v, ok := strings.CutPrefix(s, p); ok {
			return v
		}
	}
	return s
}

// anchor is the item's canonical Digital Link on this service (with the lot
// when asked with one).
func (s *Server) anchor(r *http.Request, id domain.Identifier) string {
	base := s.cfg.BaseURL
	if base == "" {
		scheme := "http"
		if r.TLS != nil {
			scheme = "https"
		}
		base = scheme + "://" + r.Host
	}
	return id.DigitalLink(strings.TrimRight(base, "/"))
}

// Link is one RFC 9264 link target.
type Link struct {
	Href     string   `json:"href"`
	Title    string   `json:"title,omitempty"`
	Type     string   `json:"type,omitempty"`
	Hreflang []string `json:"hreflang,omitempty"`
}

// links returns the item's links by short link type: ours
// (verificationService, and pip when none is configured: our HTML page)
// and the configured ones.
func (s *Server) links(r *http.Request, id domain.Identifier) map[string][]Link {
	anchor := s.anchor(r, id)
	sep := "?"
	if strings.Contains(anchor, "?") {
		sep = "&"
	}
	out := map[string][]Link{
		"verificationService": {
			{Href: anchor + sep + "linkType=gs1:verificationService", Title: "Verification (GS1 Lightweight Messaging JSON)", Type: "application/json"},
			{Href: anchor + sep + "linkType=gs1:verificationService", Title: "Verification page", Type: "text/html"},
		},
	}
	for lt, tmpl := range s.cfg.Links {
		out[linkTypeName(lt)] = []Link{{Href: expand(tmpl, id), Type: "text/html"}}
	}
	if _, ok := out["pip"]; !ok {
		out["pip"] = []Link{{Href: anchor + sep + "linkType=gs1:verificationService", Title: "Product and verification page", Type: "text/html"}}
	}
	return out
}

func expand(tmpl string, id domain.Identifier) string {
	return strings.NewReplacer("{gtin}", url.PathEscape(id.GTIN), "{serial}", url.PathEscape(id.Serial), "{lot}", url.PathEscape(id.Lot)).Replace(tmpl)
}

// linkset answers an RFC 9264 linkset (application/linkset+json) of the
// item, link relation types as GS1 Web Vocabulary IRIs.
func (s *Server) linkset(w http.ResponseWriter, r *http.Request, id domain.Identifier) {
	links := s.links(r, id)
	ctx := map[string]any{"anchor": s.anchor(r, id)}
	names := make([]string, 0, len(links))
	for n := range links {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		ctx[gs1Voc+n] = links[n]
	}
	def := s.cfg.DefaultLinkType
	if def == "" {
		def = "verificationService"
	}
	if l, ok := links[def]; ok {
		ctx[gs1Voc+"defaultLink"] = l[:1]
	}
	w.Header().Set("Content-Type", "application/linkset+json")
	w.Header().Set("Vary", "Accept")
	writeJSONTyped(w, http.StatusOK, map[string]any{"linkset": []any{ctx}})
}

// redirect answers 303 See Other to the item's link of type lt, or 404 when
// there is none.
func (s *Server) redirect(w http.ResponseWriter, r *http.Request, id domain.Identifier, lt string) {
	l, ok := s.links(r, id)[lt]
	if !ok {
		s.fail(w, r, http.StatusNotFound, "NOT_FOUND", "no link of type gs1:"+lt+" for this item; ?linkType=all lists them")
		return
	}
	w.Header().Set("Location", l[0].Href)
	w.Header().Set("Vary", "Accept")
	w.WriteHeader(http.StatusSeeOther)
}
