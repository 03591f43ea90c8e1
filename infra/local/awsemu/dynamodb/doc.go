// Package dynamodb is the local stack's embedded DynamoDB: an http.Handler
// that speaks the DynamoDB JSON 1.0 protocol (POST / with X-Amz-Target
// DynamoDB_20120810.<Operation>) so the application's unmodified AWS SDK
// client can run against it on one machine, without Docker or an AWS
// account. State lives in memory and, when Config.Dir is set, in an
// append-only log plus snapshot that survive Close and kill -9.
//
// It is infrastructure for local runs and tests only: it must not import any
// package of this module (domain, storage or functions packages), and no
// production code path may import it.
//
// Why not plain minidyn: github.com/truora/minidyn's server keeps one sorted
// key slice per table and index that it re-sorts on every write, and its
// Query walks every key and re-parses the expression per item, so a table
// with 100 000 claims is unusably slow. This package keeps minidyn's
// expression language (its parser and evaluator for condition, filter,
// update and projection expressions) and puts ordered storage under it:
// google/btree trees for the table and for every index, keyed by
// order-preserving encodings of the key values, so Query is O(log n + k).
// Key conditions are analysed here and become B-tree range scans. Numbers
// are kept as exact decimals; arithmetic in update expressions is computed
// exactly here because minidyn evaluates numbers as float64.
//
// Layer: local.
package dynamodb
