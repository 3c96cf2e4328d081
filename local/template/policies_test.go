package template

import "testing"

// TestAllows: IAM's decision for one identity policy, as the call-log check uses it.
func TestAllows(t *testing.T) {
	table := "arn:aws:dynamodb:us-east-1:1:table/T"
	stmts := []Statement{
		{Effect: "Allow", Actions: []string{"dynamodb:GetItem", "dynamodb:Query"}, Resources: []string{table}},
		{Effect: "Allow", Actions: []string{"dynamodb:Query"}, Resources: []string{table + "/index/*"}},
		{Effect: "Allow", Actions: []string{"sns:Publish"}, Resources: []string{"*"}},
		{Effect: "Deny", Actions: []string{"sns:publish"}, Resources: []string{"arn:aws:sns:*:*:*"}},
	}
	for _, c := range []struct {
		action, resource string
		want             bool
	}{
		{"dynamodb:GetItem", table, true},
		{"DynamoDB:getitem", table, true}, // actions are case-insensitive
		{"dynamodb:PutItem", table, false},
		{"dynamodb:GetItem", table + "/index/GSI1", false}, // the table's ARN is not its index's
		{"dynamodb:Query", table + "/index/GSI1", true},
		{"dynamodb:GetItem", "arn:aws:dynamodb:us-east-1:1:table/Other", false},
		{"sns:Publish", "", true}, // an SMS: no ARN, only "*" matches
		{"sns:Publish", "arn:aws:sns:us-east-1:1:topic", false},
	} {
		if got := Allows(stmts, c.action, c.resource); got != c.want {
			t.Errorf("Allows(%s, %q) = %v, want %v", c.action, c.resource, got, c.want)
		}
	}
}

// TestPoliciesOfRepoTemplate: every function's policies are read, evaluated in a context.
func TestPoliciesOfRepoTemplate(t *testing.T) {
	tpl := loadRepoTemplate(t)
	ctx := Context{Refs: map[string]string{"AWS::AccountId": "1"}, Attrs: map[string]string{"Table.Arn": "arn:table"}}
	for id := range tpl.Resources {
		if _, ok := ctx.Refs[id]; !ok {
			ctx.Refs[id] = id
		}
		ctx.Attrs[id+".Arn"] = "arn:" + id
	}
	fn, _ := tpl.Function("OtpFunction")
	stmts, err := fn.Policies(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if !Allows(stmts, "dynamodb:UpdateItem", "arn:Table") || Allows(stmts, "dynamodb:Query", "arn:Table") {
		t.Errorf("OtpFunction's policies %v: want UpdateItem and no Query on the table", stmts)
	}
	for _, fn := range tpl.Functions() {
		if _, err := fn.Policies(ctx); err != nil {
			t.Error(err)
		}
	}
}
