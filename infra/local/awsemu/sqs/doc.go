// Package sqs is an in-process emulation of Amazon SQS for the local stack.
//
// It speaks the AWS JSON 1.0 protocol that aws-sdk-go-v2's service/sqs
// client uses (POST /, X-Amz-Target: AmazonSQS.<Operation>), so the
// application and its tests can run against a real SQS client on one machine
// with no Docker and no AWS account. Behaviour follows real SQS (and moto,
// which the conformance suite compares against) where practical: visibility
// timeouts, receive counts, redrive to dead-letter queues and back, delays,
// retention, long polling, message-attribute checksums and basic FIFO queues.
//
// With Config.Dir set, every change is appended to a log before the reply is
// sent, so queues and messages (including in-flight ones and their receive
// counts) survive Close and New as well as a kill -9. The log is compacted
// when the server opens and closes.
//
// This package is infrastructure: it must not import any code of the
// application it serves, the AWS SDK or any other emulator. It depends on
// the standard library only.
//
// Layer: local.
package sqs
