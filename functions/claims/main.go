// Command claims is the ClaimsFunction: the signed-in API for dealers,
// managers, supervisors and integrations.
package main

import (
	"log/slog"
	"os"

	"github.com/aws/aws-lambda-go/lambda"

	"github.com/claimsdesk/backend/shared/apigw"
	"github.com/claimsdesk/backend/shared/httpapi"
	"github.com/claimsdesk/backend/shared/logging"
)

func main() {
	logger := logging.New(os.Stdout)
	router := apigw.NewRouter(logger)
	httpapi.RegisterMe(router)
	slog.SetDefault(logger)
	lambda.Start(router.Serve)
}
