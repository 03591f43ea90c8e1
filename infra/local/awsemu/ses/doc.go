// Package ses is an in-process emulation of the Amazon SES v2 API for the
// local stack.
//
// It speaks the REST-JSON protocol that aws-sdk-go-v2's service/sesv2 client
// uses for sending mail, managing sending identities and reading the account,
// validates requests the way SES does (verified senders, address syntax,
// recipient limits, header names and values) and, instead of delivering
// mail, writes every accepted message as a complete RFC 5322 file to an
// outbox directory. As SES does, it gives every message its own Message-ID
// (the one SendEmail returns) and a Date (when it accepted the message, in
// UTC), replacing any the caller set, in Simple and Raw content. ReadOutbox and
// ParseMail decode those files so end-to-end tests can assert on what the
// application sent, including Russian subjects and bodies.
//
// This package is infrastructure: it must not import any code of the
// application it serves, the AWS SDK or any other emulator. It depends on
// the standard library only.
//
// Layer: local.
package ses
