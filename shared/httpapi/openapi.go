package httpapi

import _ "embed"

// OpenAPI is the OpenAPI 3.0 description of every route the API functions
// serve (openapi.yaml). It ships with the code so that tests check the
// handlers against it and tools can serve or publish it.
//
//go:embed openapi.yaml
var OpenAPI []byte
