package main

import (
	"errors"
	"testing"
)

func TestTransientSubmit(t *testing.T) {
	for _, tt := range []struct {
		err  string
		want bool
	}{
		{"transaction 05176e failed to commit with status code 11 (MVCC_READ_CONFLICT)", true},
		{"submit error: rpc error: code = Unavailable desc = insufficient number of orderers could successfully process transaction; 127.0.0.1:12462: received unsuccessful response from orderer: status=SERVICE_UNAVAILABLE, info=failed to submit request: request already processed", true},
		{"endorse error: chaincode response 500, NOT_ADMIN: InitOrgRoles needs an org admin identity", false},
		{"transaction x failed to commit with status code 10 (ENDORSEMENT_POLICY_FAILURE)", false},
	} {
		if got := transientSubmit(errors.New(tt.err)); got != tt.want {
			t.Errorf("transientSubmit(%q) = %v, want %v", tt.err, got, tt.want)
		}
	}
}
