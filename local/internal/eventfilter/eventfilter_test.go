package eventfilter

import "testing"

// templatePattern is the filter of AlertFunction's stream in template.yaml.
const templatePattern = `{"eventName": ["INSERT"], "dynamodb": {"NewImage": {"itemType": {"S": ["event"]}}}}`

func TestTemplatePatternPassesOnlyNewEventItems(t *testing.T) {
	f, err := Compile([]string{templatePattern})
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name, record string
		want         bool
	}{
		{"new event", `{"eventName":"INSERT","dynamodb":{"NewImage":{"itemType":{"S":"event"},"type":{"S":"new_device_login"}}}}`, true},
		{"event modified", `{"eventName":"MODIFY","dynamodb":{"NewImage":{"itemType":{"S":"event"}}}}`, false},
		{"event removed by TTL", `{"eventName":"REMOVE","dynamodb":{"OldImage":{"itemType":{"S":"event"}}}}`, false},
		{"sent-marker", `{"eventName":"INSERT","dynamodb":{"NewImage":{"state":{"S":"sending"}}}}`, false},
		{"other item type", `{"eventName":"INSERT","dynamodb":{"NewImage":{"itemType":{"S":"account"}}}}`, false},
		{"itemType not a string", `{"eventName":"INSERT","dynamodb":{"NewImage":{"itemType":{"N":"1"}}}}`, false},
		{"no image", `{"eventName":"INSERT","dynamodb":{}}`, false},
	} {
		got, err := f.Match([]byte(tc.record))
		if err != nil || got != tc.want {
			t.Errorf("%s: %v %v, want %v", tc.name, got, err, tc.want)
		}
	}
}

func TestContentFilters(t *testing.T) {
	for _, tc := range []struct {
		pattern, event string
		want           bool
	}{
		{`{"a": [1, 2]}`, `{"a": 2.0}`, true},
		{`{"a": ["x"]}`, `{"a": ["y", "x"]}`, true},
		{`{"a": [null]}`, `{"a": null}`, true},
		{`{"a": ["x"]}`, `{}`, false},
	} {
		f, err := Compile([]string{tc.pattern})
		if err != nil {
			t.Fatalf("%s: %v", tc.pattern, err)
		}
		if got, _ := f.Match([]byte(tc.event)); got != tc.want {
			t.Errorf("%s on %s: %v, want %v", tc.pattern, tc.event, got, tc.want)
		}
	}
}

func TestPatternsAreOredAndNoneMatchesAll(t *testing.T) {
	f, _ := Compile([]string{`{"a": ["x"]}`, `{"b": ["y"]}`})
	if ok, _ := f.Match([]byte(`{"b": "y"}`)); !ok {
		t.Error("the second pattern must match")
	}
	none, _ := Compile(nil)
	if ok, _ := none.Match([]byte(`{}`)); !ok {
		t.Error("no patterns match everything")
	}
}

func TestUnsupportedPatternsAreRefused(t *testing.T) {
	for _, p := range []string{`{"a": "x"}`, `{"a": [{"cidr": "10.0.0.0/8"}]}`, `{"a": [{"prefix": 1}]}`, `[1]`, `{"a": [{"numeric": ["!", 1]}]}`} {
		if _, err := Compile([]string{p}); err == nil {
			t.Errorf("%s was accepted", p)
		}
	}
}
