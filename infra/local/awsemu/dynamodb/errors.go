package dynamodb

import (
	"fmt"
	"net/http"
)

// errorTypePrefix qualifies error codes on the wire the way DynamoDB (and
// moto) do; the SDK keeps only the part after '#'.
const errorTypePrefix = "com.amazonaws.dynamodb.v20120810#"

// DynamoDB error codes this server returns.
const (
	codeValidation          = "ValidationException"
	codeResourceNotFound    = "ResourceNotFoundException"
	codeResourceInUse       = "ResourceInUseException"
	codeConditionalCheck    = "ConditionalCheckFailedException"
	codeTransactionCanceled = "TransactionCanceledException"
	codeIdempotentMismatch  = "IdempotentParameterMismatchException"
	codeUnknownOperation    = "UnknownOperationException"
	codeSerialization       = "SerializationException"
	codeInternal            = "InternalServerError"
	codeLimitExceeded       = "LimitExceededException"
	codeTableNotFound       = "TableNotFoundException"
)

const (
	msgResourceNotFound  = "Requested resource not found"
	msgConditionalFailed = "The conditional request failed"
)

// apiError is the single error type handlers return; writeError maps it to
// the wire. Item and Reasons carry the extra members of
// ConditionalCheckFailedException and TransactionCanceledException.
type apiError struct {
	Code    string
	Message string
	Item    item
	Reasons []cancellationReason
}

func (e *apiError) Error() string { return e.Code + ": " + e.Message }

// status is the HTTP status DynamoDB uses for the error code.
func (e *apiError) status() int {
	if e.Code == codeInternal {
		return http.StatusInternalServerError
	}
	return http.StatusBadRequest
}

// cancellationReason is one entry of TransactionCanceledException.CancellationReasons.
type cancellationReason struct {
	Code    string `json:"Code"`
	Message string `json:"Message,omitempty"`
	Item    item   `json:"Item,omitempty"`
}

func newAPIError(code, format string, args ...any) *apiError {
	msg := format
	if len(args) > 0 {
		msg = fmt.Sprintf(format, args...)
	}
	return &apiError{Code: code, Message: msg}
}

func validationErr(format string, args ...any) *apiError {
	return newAPIError(codeValidation, format, args...)
}

func resourceNotFound() *apiError {
	return newAPIError(codeResourceNotFound, msgResourceNotFound)
}

func conditionalFailed(old item) *apiError {
	return &apiError{Code: codeConditionalCheck, Message: msgConditionalFailed, Item: old}
}
