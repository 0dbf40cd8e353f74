//go:build tools

// Package tools pins the Fabric CA commands that scripts/install-fabric.sh
// builds. Fabric CA has its own module so that it is built with the
// dependency versions it was released with: built together with Fabric 3.1,
// Go's version selection lifts spf13/viper to v1.20, whose config loading
// lowercases the attribute names of identities in fabric-ca-server-config.yaml
// (hf.Registrar.Roles becomes hf.registrar.roles) and breaks registrars.
package tools

import (
	_ "github.com/hyperledger/fabric-ca/cmd/fabric-ca-client"
	_ "github.com/hyperledger/fabric-ca/cmd/fabric-ca-server"
)
