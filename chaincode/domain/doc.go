// Package domain holds the provenance ledger's shared rules: GS1 identifier
// parsing and check digits, roles, item statuses and their transitions,
// company prefix governance (reserved GS1 ranges, claim expiry, bars), the
// ledger's record types and refusal codes. Both the chaincode and the prov
// client import it; it must never import the Fabric shim.
package domain
