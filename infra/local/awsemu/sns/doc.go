// Package sns is an in-process emulation of Amazon SNS for the local stack.
//
// It speaks the AWS query protocol that aws-sdk-go-v2's service/sns client
// uses (POST / with a form body naming the Action, XML answers, SNS's error
// codes) for topics, subscriptions and publishing. Messages published to a
// topic are delivered, synchronously before Publish answers, to its `sqs`
// subscriptions through Config.DeliverToQueue (the local stack hands them to
// its SQS emulator): raw, with the message attributes as SQS message
// attributes, or wrapped in SNS's JSON notification envelope, and only when
// the subscription's filter policy matches, on the message attributes or on
// the body as AWS documents it. Subscriptions of other protocols (the alarm
// topic's e-mail) are accepted, stay pending confirmation, and get nothing.
//
// With Config.Dir set, topics and subscriptions are written to a file after
// every change, so they survive Close and New (messages are not kept: SNS
// does not store them either).
//
// This package is infrastructure: it must not import any code of the
// application it serves, the AWS SDK or any other emulator. It depends on
// the standard library only.
//
// Layer: local.
package sns
