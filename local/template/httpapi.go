package template

// HTTPAPIType is the resource type of a SAM HTTP API.
const HTTPAPIType = "AWS::Serverless::HttpApi"

// IAMAuthorized reports whether the HTTP API with logical id id authorizes every route with
// AWS_IAM (Auth.DefaultAuthorizer: AWS_IAM): API Gateway then verifies each request's SigV4
// signature before any function runs. The implicit API ("") never does.
func (t *Template) IAMAuthorized(id string) bool {
	r, ok := t.Resources[id]
	if !ok || r.Type != HTTPAPIType {
		return false
	}
	v, _ := mapAt(r.Properties, "Auth")["DefaultAuthorizer"].(string)
	return v == "AWS_IAM"
}
