package sns

import "testing"

// The cases follow the examples of the SNS developer guide's "Amazon SNS
// message filtering" chapter.
func TestFilterPolicyOnAttributes(t *testing.T) {
	s := func(v string) Attribute { return Attribute{DataType: "String", StringValue: v} }
	n := func(v string) Attribute { return Attribute{DataType: "Number", StringValue: v} }
	arr := func(v string) Attribute { return Attribute{DataType: "String.Array", StringValue: v} }
	for _, tc := range []struct {
		name   string
		policy string
		attrs  map[string]Attribute
		want   bool
	}{
		{"exact string", `{"store":["example_corp"]}`, map[string]Attribute{"store": s("example_corp")}, true},
		{"exact string, other value", `{"store":["example_corp"]}`, map[string]Attribute{"store": s("other")}, false},
		{"missing attribute", `{"store":["example_corp"]}`, nil, false},
		{"OR of values", `{"customer_interests":["rugby","football","baseball"]}`, map[string]Attribute{"customer_interests": s("football")}, true},
		{"AND of keys, one fails", `{"store":["example_corp"],"event":["order_placed"]}`, map[string]Attribute{"store": s("example_corp"), "event": s("order_cancelled")}, false},
		{"AND of keys", `{"store":["example_corp"],"event":["order_placed"]}`, map[string]Attribute{"store": s("example_corp"), "event": s("order_placed")}, true},
		{"string array, any element", `{"customer_interests":["rugby"]}`, map[string]Attribute{"customer_interests": arr(`["soccer","rugby"]`)}, true},
		{"string array, none", `{"customer_interests":["rugby"]}`, map[string]Attribute{"customer_interests": arr(`["soccer"]`)}, false},
		{"prefix", `{"eventType":[{"prefix":"claim."}]}`, map[string]Attribute{"eventType": s("claim.filed")}, true},
		{"prefix, other", `{"eventType":[{"prefix":"claim."}]}`, map[string]Attribute{"eventType": s("message.posted")}, false},
		{"prefix on a number", `{"price":[{"prefix":"1"}]}`, map[string]Attribute{"price": n("100")}, false},
		{"exact number", `{"price_usd":[100]}`, map[string]Attribute{"price_usd": n("100.0")}, true},
		{"number does not match a string", `{"price_usd":[100]}`, map[string]Attribute{"price_usd": s("100")}, false},
		{"string does not match a number", `{"price_usd":["100"]}`, map[string]Attribute{"price_usd": n("100")}, false},
		{"numeric range", `{"price_usd":[{"numeric":[">",0,"<=",150]}]}`, map[string]Attribute{"price_usd": n("150")}, true},
		{"numeric range, above", `{"price_usd":[{"numeric":[">",0,"<=",150]}]}`, map[string]Attribute{"price_usd": n("150.5")}, false},
		{"numeric range, lower bound excluded", `{"price_usd":[{"numeric":[">",0]}]}`, map[string]Attribute{"price_usd": n("0")}, false},
		{"numeric equals", `{"price_usd":[{"numeric":["=",301.5]}]}`, map[string]Attribute{"price_usd": n("301.5")}, true},
		{"numeric on a string", `{"price_usd":[{"numeric":[">",0]}]}`, map[string]Attribute{"price_usd": s("5")}, false},
		{"anything-but string", `{"store":[{"anything-but":"example_corp"}]}`, map[string]Attribute{"store": s("other")}, true},
		{"anything-but string, excluded", `{"store":[{"anything-but":"example_corp"}]}`, map[string]Attribute{"store": s("example_corp")}, false},
		{"anything-but list", `{"store":[{"anything-but":["a","b"]}]}`, map[string]Attribute{"store": s("b")}, false},
		{"anything-but number", `{"price":[{"anything-but":[100,500]}]}`, map[string]Attribute{"price": n("200")}, true},
		{"anything-but missing attribute", `{"store":[{"anything-but":"example_corp"}]}`, nil, false},
		{"anything-but prefix", `{"event":[{"anything-but":{"prefix":"order-"}}]}`, map[string]Attribute{"event": s("order-cancelled")}, false},
		{"anything-but prefix, other", `{"event":[{"anything-but":{"prefix":"order-"}}]}`, map[string]Attribute{"event": s("claim")}, true},
		{"exists true", `{"store":[{"exists":true}]}`, map[string]Attribute{"store": s("x")}, true},
		{"exists true, missing", `{"store":[{"exists":true}]}`, nil, false},
		{"exists false", `{"store":[{"exists":false}]}`, nil, true},
		{"exists false, present", `{"store":[{"exists":false}]}`, map[string]Attribute{"store": s("x")}, false},
		{"suffix", `{"file":[{"suffix":".png"}]}`, map[string]Attribute{"file": s("a.png")}, true},
		{"equals-ignore-case", `{"name":[{"equals-ignore-case":"ORDER"}]}`, map[string]Attribute{"name": s("order")}, true},
		{"binary attributes are not matched", `{"blob":[{"exists":true}]}`, map[string]Attribute{"blob": {DataType: "Binary", BinaryValue: []byte{1}}}, false},
		{"OR of operators", `{"eventType":[{"prefix":"claim."},"message.posted"]}`, map[string]Attribute{"eventType": s("message.posted")}, true},
	} {
		f, err := parseFilterPolicy(tc.policy, "")
		if err != nil {
			t.Errorf("%s: parse %s: %v", tc.name, tc.policy, err)
			continue
		}
		if got := f.matches(tc.attrs, ""); got != tc.want {
			t.Errorf("%s: %s matches %v = %v, want %v", tc.name, tc.policy, tc.attrs, got, tc.want)
		}
	}
}

func TestFilterPolicyOnBody(t *testing.T) {
	for _, tc := range []struct {
		name, policy, body string
		want               bool
	}{
		{"nested exact", `{"claim":{"stage":["closed"]}}`, `{"claim":{"stage":"closed"}}`, true},
		{"nested other", `{"claim":{"stage":["closed"]}}`, `{"claim":{"stage":"new"}}`, false},
		{"nested missing object", `{"claim":{"stage":["closed"]}}`, `{"other":1}`, false},
		{"top-level prefix", `{"type":[{"prefix":"claim."}]}`, `{"type":"claim.filed"}`, true},
		{"array in the body", `{"tags":["urgent"]}`, `{"tags":["low","urgent"]}`, true},
		{"number", `{"amount":[{"numeric":[">=",10]}]}`, `{"amount":12.5}`, true},
		{"boolean", `{"warranty":[true]}`, `{"warranty":true}`, true},
		{"null", `{"culprit":[null]}`, `{"culprit":null}`, true},
		{"exists false", `{"culprit":[{"exists":false}]}`, `{"amount":1}`, true},
		{"not JSON", `{"type":["x"]}`, `plain text`, false},
	} {
		f, err := parseFilterPolicy(tc.policy, scopeBody)
		if err != nil {
			t.Errorf("%s: parse %s: %v", tc.name, tc.policy, err)
			continue
		}
		if got := f.matches(nil, tc.body); got != tc.want {
			t.Errorf("%s: %s matches %s = %v, want %v", tc.name, tc.policy, tc.body, got, tc.want)
		}
	}
}

func TestFilterPolicyRefused(t *testing.T) {
	for _, tc := range []struct{ name, policy, scope string }{
		{"not JSON", `{"a":`, ""},
		{"not an object", `["a"]`, ""},
		{"value not an array", `{"a":"b"}`, ""},
		{"empty array", `{"a":[]}`, ""},
		{"nested on attributes", `{"a":{"b":["c"]}}`, scopeAttributes},
		{"unknown operator", `{"a":[{"wildcard":"x*"}]}`, ""},
		{"two operators in one", `{"a":[{"prefix":"x","suffix":"y"}]}`, ""},
		{"prefix not a string", `{"a":[{"prefix":1}]}`, ""},
		{"exists not a boolean", `{"a":[{"exists":"yes"}]}`, ""},
		{"numeric bad operator", `{"a":[{"numeric":["!=",1]}]}`, ""},
		{"numeric empty range", `{"a":[{"numeric":[">",5,"<",1]}]}`, ""},
		{"anything-but mixed", `{"a":[{"anything-but":["x",1]}]}`, ""},
		{"six keys", `{"a":["1"],"b":["1"],"c":["1"],"d":["1"],"e":["1"],"f":["1"]}`, ""},
		{"too many combinations", `{"a":["1","2","3","4","5","6"],"b":["1","2","3","4","5","6"],"c":["1","2","3","4","5"]}`, ""},
	} {
		if _, err := parseFilterPolicy(tc.policy, tc.scope); err == nil || err.Code != codeInvalidParameter {
			t.Errorf("%s: parse %s = %v, want InvalidParameter", tc.name, tc.policy, err)
		}
	}
}
