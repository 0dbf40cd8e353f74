// Package build reports what prov was built from.
package build

import (
	"runtime"
	"runtime/debug"
)

// Version is set at link time: -ldflags "-X github.com/provledger/provenance/client/internal/build.Version=v1.2.3".
var Version = ""

// Info describes the binary.
type Info struct {
	Version       string `json:"version"`
	Commit        string `json:"commit,omitempty"`
	Modified      bool   `json:"modified,omitempty"`
	GoVersion     string `json:"go"`
	FabricGateway string `json:"fabricGateway,omitempty"`
	Platform      string `json:"platform"`
}

// Read collects the build information.
func Read() Info {
	info := Info{Version: Version, GoVersion: runtime.Version(), Platform: runtime.GOOS + "/" + runtime.GOARCH}
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		if info.Version == "" {
			info.Version = "devel"
		}
		return info
	}
	if info.Version == "" {
		info.Version = bi.Main.Version
	}
	if info.Version == "" || info.Version == "(devel)" {
		info.Version = "devel"
	}
	for _, s := range bi.Settings {
		switch s.Key {
		case "vcs.revision":
			info.Commit = s.Value
		case "vcs.modified":
			info.Modified = s.Value == "true"
		}
	}
	for _, d := range bi.Deps {
		if d.Path == "github.com/hyperledger/fabric-gateway" {
			info.FabricGateway = d.Version
		}
	}
	return info
}
