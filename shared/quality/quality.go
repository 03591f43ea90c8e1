// Package quality watches the claims for defect surges: it counts each
// claim per series, claim type and day (with the claims behind each count),
// keeps the units of each series in service from the ERP's shipments, runs
// the detector (detector.go: Poisson CUSUM charts against the rate expected
// from the units in service, else from the series' own baseline and its
// model's other series) after every claim is counted, and keeps one alert
// per (series, type): open, acknowledged, muted until a day, or closed with
// a note. A new alert is announced once, with a quality.surge_detected
// event written in the alert's own transaction (the outbox).
//
// It imports no AWS package.
//
// Layer: domain, consumer.
package quality
