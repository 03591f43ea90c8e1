package sqs

import (
	"fmt"
	"net/http"
)

// Error codes the server returns. Each is the Smithy shape name that goes in
// the "__type" field of an error body.
const (
	codeQueueDoesNotExist            = "QueueDoesNotExist"
	codeQueueNameExists              = "QueueNameExists"
	codeInvalidParameterValue        = "InvalidParameterValue"
	codeInvalidParameterCombination  = "InvalidParameterCombination"
	codeInvalidAttributeName         = "InvalidAttributeName"
	codeInvalidAttributeValue        = "InvalidAttributeValue"
	codeMissingParameter             = "MissingParameter"
	codeReceiptHandleIsInvalid       = "ReceiptHandleIsInvalid"
	codeMessageNotInflight           = "MessageNotInflight"
	codeTooManyEntriesInBatchRequest = "TooManyEntriesInBatchRequest"
	codeEmptyBatchRequest            = "EmptyBatchRequest"
	codeBatchEntryIdsNotDistinct     = "BatchEntryIdsNotDistinct"
	codeBatchRequestTooLong          = "BatchRequestTooLong"
	codeInvalidBatchEntryID          = "InvalidBatchEntryId"
	codePurgeQueueInProgress         = "PurgeQueueInProgress"
	codeUnsupportedOperation         = "UnsupportedOperation"
	codeInvalidAddress               = "InvalidAddress"
	codeInvalidMessageContents       = "InvalidMessageContents"
	codeMessageAttributesInvalid     = "MessageAttributesInvalid"
	codeResourceNotFound             = "ResourceNotFoundException"
	codeSerialization                = "SerializationException"
	codeInternalError                = "InternalError"
	codeOverLimit                    = "OverLimit"
)

// legacyCodes maps a shape name to the code the old Query protocol used. The
// SDK reads it from the x-amzn-query-error header and reports it as the
// error code, exactly as it does against real SQS. Codes missing here are the
// same in both protocols.
var legacyCodes = map[string]string{
	codeQueueDoesNotExist:            "AWS.SimpleQueueService.NonExistentQueue",
	codeQueueNameExists:              "QueueAlreadyExists",
	codeMessageNotInflight:           "AWS.SimpleQueueService.MessageNotInflight",
	codeTooManyEntriesInBatchRequest: "AWS.SimpleQueueService.TooManyEntriesInBatchRequest",
	codeEmptyBatchRequest:            "AWS.SimpleQueueService.EmptyBatchRequest",
	codeBatchEntryIdsNotDistinct:     "AWS.SimpleQueueService.BatchEntryIdsNotDistinct",
	codeBatchRequestTooLong:          "AWS.SimpleQueueService.BatchRequestTooLong",
	codeInvalidBatchEntryID:          "AWS.SimpleQueueService.InvalidBatchEntryId",
	codePurgeQueueInProgress:         "AWS.SimpleQueueService.PurgeQueueInProgress",
	codeUnsupportedOperation:         "AWS.SimpleQueueService.UnsupportedOperation",
}

// apiError is an SQS error response: the code, its HTTP status and message.
type apiError struct {
	Code    string
	Status  int
	Message string
}

// Error returns the code and message, the form that ends up in logs.
func (e *apiError) Error() string { return e.Code + ": " + e.Message }

// legacyCode returns the code for the x-amzn-query-error header.
func (e *apiError) legacyCode() string {
	if c, ok := legacyCodes[e.Code]; ok {
		return c
	}
	return e.Code
}

// fault is "Sender" for client errors and "Receiver" for server errors, as
// the second half of the x-amzn-query-error header.
func (e *apiError) fault() string {
	if e.Status >= 500 {
		return "Receiver"
	}
	return "Sender"
}

func errorf(code, format string, args ...any) *apiError {
	return &apiError{Code: code, Status: http.StatusBadRequest, Message: fmt.Sprintf(format, args...)}
}

func errQueueDoesNotExist() *apiError {
	return errorf(codeQueueDoesNotExist, "The specified queue does not exist.")
}

func errMissing(param string) *apiError {
	return errorf(codeMissingParameter, "The request must contain the parameter %s.", param)
}

func errInvalidValue(param string, value any, reason string) *apiError {
	return errorf(codeInvalidParameterValue, "Value %v for parameter %s is invalid. Reason: %s", value, param, reason)
}

func errInvalidHandle() *apiError {
	return errorf(codeReceiptHandleIsInvalid, "The input receipt handle is invalid.")
}

func errInvalidHandleFor(handle string) *apiError {
	return errorf(codeReceiptHandleIsInvalid, "The input receipt handle %q is not a valid receipt handle.", handle)
}

func errInternal() *apiError {
	return &apiError{Code: codeInternalError, Status: http.StatusInternalServerError, Message: "We encountered an internal error. Please try again."}
}
