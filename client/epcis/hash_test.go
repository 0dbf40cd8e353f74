package epcis

import (
	"encoding/json"
	"testing"
)

// The published test vectors of the CBV 2.0 event hash's reference
// implementation (github.com/RalphTro/epcis-event-hash-generator,
// tests/examples/ReferenceEventHashAlgorithm{,3}.jsonld with their
// .prehashes and .hashes).
var vectors = []struct {
	name, context, event, prehash, hash string
}{
	{
		name:    "ReferenceEventHashAlgorithm",
		context: `["https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld",{"gs1":"https://gs1.org/voc/"},{"example":"https://ns.example.com/epcis/"}]`,
		event: `{"type":"ObjectEvent","eventTime":"2020-03-04T11:00:30.000+01:00","eventTimeZoneOffset":"+01:00","recordTime":"2020-03-04T11:00:30.999+01:00",
			"epcList":["urn:epc:id:sscc:4012345.0000000333","urn:epc:id:sscc:4012345.0000000111","urn:epc:id:sscc:4012345.0000000222"],
			"action":"OBSERVE","bizStep":"departing","readPoint":{"id":"urn:epc:id:sgln:4012345.00011.987"},
			"example:myField1":{"example:mySubField1":"2","example:mySubField2":"5"},"example:myField2":"0",
			"example:myField3":{"example:mySubField3":["3","1"]}}`,
		prehash: "eventType=ObjectEventeventTime=2020-03-04T10:00:30.000ZeventTimeZoneOffset=+01:00epcListepc=https://id.gs1.org/00/040123450000001112epc=https://id.gs1.org/00/040123450000002225epc=https://id.gs1.org/00/040123450000003338action=OBSERVEbizStep=https://ref.gs1.org/cbv/BizStep-departingreadPointid=https://id.gs1.org/414/4012345000115/254/987{https://ns.example.com/epcis/}myField1{https://ns.example.com/epcis/}mySubField1=2{https://ns.example.com/epcis/}mySubField2=5{https://ns.example.com/epcis/}myField2=0{https://ns.example.com/epcis/}myField3{https://ns.example.com/epcis/}mySubField3=1{https://ns.example.com/epcis/}mySubField3=3",
		hash:    "ni:///sha-256;6ae96341e0acc6d7a261364751f60e68278a81cdf51da0abb6b4e617014e39d7?ver=CBV2.0",
	},
	{
		name:    "ReferenceEventHashAlgorithm3",
		context: `["https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld",{"gs1":"https://gs1.org/voc/"},{"example":"https://ns.example.com/epcis/"}]`,
		event: `{"type":"ObjectEvent","eventTime":"2020-03-04T11:00:30+01:00","eventTimeZoneOffset":"+01:00",
			"epcList":["urn:epc:id:sgtin:0614141.011111.987"],"action":"OBSERVE","bizStep":"departing","disposition":"in_transit",
			"readPoint":{"id":"urn:epc:id:sgln:4012345.00011.0","example:myField1":"AB-12"},
			"bizTransactionList":[{"type":"po","bizTransaction":"urn:epc:id:gdti:4012345.11111.123"}],
			"sourceList":[{"type":"owning_party","source":"urn:epc:id:pgln:4012345.00000"}],
			"destinationList":[{"type":"owning_party","destination":"urn:epc:id:pgln:0614141.00000"}],
			"example:userExt":"CD-34"}`,
		prehash: "eventType=ObjectEventeventTime=2020-03-04T10:00:30.000ZeventTimeZoneOffset=+01:00epcListepc=https://id.gs1.org/01/00614141111114/21/987action=OBSERVEbizStep=https://ref.gs1.org/cbv/BizStep-departingdisposition=https://ref.gs1.org/cbv/Disp-in_transitreadPointid=https://id.gs1.org/414/4012345000115{https://ns.example.com/epcis/}myField1=AB-12bizTransactionListtype=https://ref.gs1.org/cbv/BTT-pobizTransaction=https://id.gs1.org/253/4012345111118123destinationListtype=https://ref.gs1.org/cbv/SDT-owning_partydestination=https://id.gs1.org/417/0614141000005sourceListtype=https://ref.gs1.org/cbv/SDT-owning_partysource=https://id.gs1.org/417/4012345000009{https://ns.example.com/epcis/}userExt=CD-34",
		hash:    "ni:///sha-256;a13cbe6c8bb6df3710b3edaeff760a1365ec8fd69ca1f4d7e0c10eb5189a883a?ver=CBV2.0",
	},
}

func TestEventHashPublishedVectors(t *testing.T) {
	for _, v := range vectors {
		t.Run(v.name, func(t *testing.T) {
			pre := ContextPrefixes(json.RawMessage(v.context))
			got, err := PreHash([]byte(v.event), pre)
			if err != nil {
				t.Fatal(err)
			}
			if got != v.prehash {
				t.Fatalf("pre-hash\n got %s\nwant %s", got, v.prehash)
			}
			h, err := EventHash([]byte(v.event), pre)
			if err != nil || h != v.hash {
				t.Fatalf("hash %s (%v), want %s", h, err, v.hash)
			}
		})
	}
}
