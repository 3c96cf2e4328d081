package account

import "errors"

// ErrUnavailable marks, wrapped in an error chain, a dependency (DynamoDB, SNS) that did not
// answer in time or refused for load after the SDK's retries: throttling, a 5xx, a timeout. It
// is not the client's fault and a retry shortly after may succeed, so the API answers 503
// service_unavailable with Retry-After instead of a bare 500. The SDK adapters' configuration
// (config/awsenv) wraps such errors; flows need not know.
var ErrUnavailable = errors.New("dependency unavailable")
