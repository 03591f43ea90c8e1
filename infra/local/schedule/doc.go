// Package schedule reproduces, for the local stack, the two ways AWS invokes a
// Lambda function on a timer: EventBridge rules (SAM event type "Schedule")
// and EventBridge Scheduler schedules (SAM event type "ScheduleV2").
//
// Parse reads a schedule expression — rate(...), cron(...) or at(...) — and
// returns an Expression whose Next method computes fire times in a time zone.
// A wall-clock time that does not exist because clocks are set forward is
// skipped, as EventBridge Scheduler does; one that occurs twice fires once.
// ScheduledEvent, RulePayload and SchedulerPayload build the bytes each event
// source hands to the function.
//
// The package holds no state and runs nothing on its own: the local stack's
// runner owns the timers. It imports only the standard library; in particular
// it must not import aws-lambda-go (its events types are used by the tests
// only, to check that the payloads decode) or the AWS SDK.
//
// Layer: local.
package schedule
