package claims

import "time"

// SLA is a claim's service-level state: the policy that applies, the due
// times of its clocks, and what the SLA check has already reported. Package
// sla computes it; the claim carries it so that the API shows it and the
// check reads it without recomputing.
type SLA struct {
	// Policy is the ID of the SLA policy the claim falls under.
	Policy string `json:"policy,omitempty"`
	// FirstResponseDue is when the claim should have its first response (leave
	// the new stage or get a staff message), in business hours.
	FirstResponseDue time.Time `json:"firstResponseDue,omitzero"`
	RespondedAt      time.Time `json:"respondedAt,omitzero"`
	// ResolutionDue is when the claim should be finished, in business hours;
	// pauses for the customer move it later.
	ResolutionDue time.Time `json:"resolutionDue,omitzero"`
	// StatutoryDue is the consumer-law deadline in calendar days for the
	// desired result (refund, repair, ...); zero when none applies. Pauses do
	// not move it.
	StatutoryDue time.Time `json:"statutoryDue,omitzero"`
	// PausedAt is when the business clocks stopped (waiting for the
	// customer); StageLeftSeconds is the business time the stage had left.
	PausedAt         time.Time `json:"pausedAt,omitzero"`
	StageLeftSeconds int64     `json:"stageLeftSeconds,omitempty"`
	// Warned and Breached list the clocks already reported, as
	// "firstResponse", "stage:<stage>", "resolution", "statutory".
	Warned   []string `json:"warned,omitempty"`
	Breached []string `json:"breached,omitempty"`
	// Level is the escalation level: 0, raised by each breach.
	Level int `json:"level,omitempty"`
	// NextCheck is when the SLA check should look at the claim next (zero
	// when nothing is left to watch: a finished or paused claim).
	NextCheck time.Time `json:"nextCheck,omitzero"`
	// ResolvedAt is when the claim reached a final stage.
	ResolvedAt time.Time `json:"resolvedAt,omitzero"`
}
