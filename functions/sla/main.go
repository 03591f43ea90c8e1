// Command sla is the SlaFunction: the scheduled SLA check (every few
// minutes: warnings, escalations, stand-ins for absent assignees of due
// claims) and the daily job that moves absent managers' claims to their
// stand-ins. The schedule's input names the job: {"job": "check"} or
// {"job": "absences"}.
//
// Layer: wiring.
package main

import (
	"context"
	"encoding/json"
	"log/slog"
	"os"

	"github.com/aws/aws-lambda-go/lambda"

	"github.com/claimsdesk/backend/shared/app"
	"github.com/claimsdesk/backend/shared/apperr"
	"github.com/claimsdesk/backend/shared/slacheck"
)

func main() {
	a, err := app.New(context.Background())
	if err != nil {
		slog.Error("function init failed", "error", err.Error())
		os.Exit(1)
	}
	checker := &slacheck.Checker{
		Work: a.Casework, Store: a.Store, SLA: a.SLA, Roster: a.Roster, Location: a.Location, Logger: a.Logger,
	}
	lambda.Start(func(ctx context.Context, in json.RawMessage) (slacheck.Result, error) {
		var job struct {
			Job string `json:"job"`
		}
		if err := json.Unmarshal(in, &job); err != nil {
			return slacheck.Result{}, apperr.InvalidField("job", "the input is not JSON")
		}
		switch job.Job {
		case "check":
			return checker.Check(ctx)
		case "absences":
			return checker.MoveAbsent(ctx)
		}
		return slacheck.Result{}, apperr.InvalidField("job", `"check" or "absences"`)
	})
}
