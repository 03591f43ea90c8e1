// Package gateway emulates an Amazon API Gateway HTTP API (payload format
// 2.0) in front of locally running Lambda functions.
//
// It routes requests the way HTTP APIs do, enforces JWT authorizers, answers
// CORS preflights, throttles per route, builds the exact event production
// sends and maps the function's response back to HTTP, including the
// gateway's own error responses and limits. It exists so that the local
// stack behaves like production where `sam local start-api` does not.
//
// The package must not import AWS SDK clients or any code of the
// application it serves: it talks to functions only through the Invoker
// interface and to the token issuer only through KeySource.
//
// Layer: local.
package gateway
