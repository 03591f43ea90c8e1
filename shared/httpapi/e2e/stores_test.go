package e2e_test

import (
	"testing"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"github.com/claimsdesk/backend/shared/dynamo"
)

// tableStore is the Store on the stack's table (what a test reads the
// delivery records from, or writes as a process the stack does not run).
func tableStore(t testing.TB, client *dynamodb.Client) *dynamo.Store {
	t.Helper()
	store, err := dynamo.New(dynamo.Config{Client: client, Table: "claims-Table"})
	if err != nil {
		t.Fatal(err)
	}
	return store
}
