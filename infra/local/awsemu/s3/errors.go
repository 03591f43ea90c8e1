package s3

import (
	"encoding/xml"
	"errors"
	"log/slog"
	"net/http"
	"strings"

	"github.com/johannesboyne/gofakes3"
)

// apiError is an S3 error response. Its codes are S3's own wire vocabulary
// (clients such as the AWS SDK switch on them), so this package does not use
// the project's application error codes.
type apiError struct {
	Code    string
	Message string
	// Fields are the extra elements S3 adds for some codes, such as
	// MaxSizeAllowed or StringToSign, in the order S3 writes them.
	Fields []errorField
}

// errorField is one extra element of an S3 error document.
type errorField struct {
	Name, Value string
}

func (e *apiError) Error() string { return e.Code + ": " + e.Message }

// errorStatus maps the codes this package produces to their HTTP status.
// Codes coming from gofakes3 use gofakes3's own table.
var errorStatus = map[string]int{
	"AccessDenied":                                   http.StatusForbidden,
	"AuthorizationHeaderMalformed":                   http.StatusBadRequest,
	"AuthorizationQueryParametersError":              http.StatusBadRequest,
	"BadDigest":                                      http.StatusBadRequest,
	"BadRequest":                                     http.StatusBadRequest,
	"BucketAlreadyOwnedByYou":                        http.StatusConflict,
	"CORSResponse":                                   http.StatusForbidden,
	"EntityTooLarge":                                 http.StatusBadRequest,
	"EntityTooSmall":                                 http.StatusBadRequest,
	"IllegalLocationConstraintException":             http.StatusBadRequest,
	"IncompleteBody":                                 http.StatusBadRequest,
	"InternalError":                                  http.StatusInternalServerError,
	"InvalidAccessKeyId":                             http.StatusForbidden,
	"InvalidArgument":                                http.StatusBadRequest,
	"InvalidRequest":                                 http.StatusBadRequest,
	"KeyTooLongError":                                http.StatusBadRequest,
	"MalformedPOSTRequest":                           http.StatusBadRequest,
	"MalformedPolicy":                                http.StatusBadRequest,
	"MalformedXML":                                   http.StatusBadRequest,
	"MaxPostPreDataLengthExceededError":              http.StatusBadRequest,
	"MissingContentLength":                           http.StatusLengthRequired,
	"MethodNotAllowed":                               http.StatusMethodNotAllowed,
	"NoSuchBucket":                                   http.StatusNotFound,
	"NoSuchBucketPolicy":                             http.StatusNotFound,
	"NoSuchCORSConfiguration":                        http.StatusNotFound,
	"NoSuchLifecycleConfiguration":                   http.StatusNotFound,
	"NoSuchPublicAccessBlockConfiguration":           http.StatusNotFound,
	"NoSuchTagSet":                                   http.StatusNotFound,
	"NotImplemented":                                 http.StatusNotImplemented,
	"OwnershipControlsNotFoundError":                 http.StatusNotFound,
	"RequestTimeTooSkewed":                           http.StatusForbidden,
	"SignatureDoesNotMatch":                          http.StatusForbidden,
	"ServerSideEncryptionConfigurationNotFoundError": http.StatusNotFound,
}

// statusOf returns the HTTP status of an S3 error code.
func statusOf(code string) int {
	if status, ok := errorStatus[code]; ok {
		return status
	}
	return gofakes3.ErrorCode(code).Status()
}

// errAccessDenied is what S3 answers to anonymous requests on a bucket whose
// public access is blocked, which is how the stack provisions it.
func errAccessDenied() error {
	return &apiError{Code: "AccessDenied", Message: "Access Denied"}
}

func errNoSuchBucket(bucket string) error {
	return &apiError{Code: "NoSuchBucket", Message: "The specified bucket does not exist",
		Fields: []errorField{{"BucketName", bucket}}}
}

func errNotImplemented() error {
	return &apiError{Code: "NotImplemented",
		Message: "A header or query you provided requests a functionality that is not implemented."}
}

func errMalformedXML() error {
	return &apiError{Code: "MalformedXML",
		Message: "The XML you provided was not well-formed or did not validate against our published schema"}
}

// writeError renders err as an S3 XML error document and returns its code.
// Errors that are not S3 errors are logged and reported as InternalError
// without their text, which may hold file paths.
func (s *Server) writeError(w http.ResponseWriter, r *http.Request, err error) string {
	h := w.Header()
	ae := s.toAPIError(r, err, h.Get("X-Amz-Request-Id"))
	h.Set("Content-Type", "application/xml")
	h.Del("Content-Length")
	h.Del("ETag")
	w.WriteHeader(statusOf(ae.Code))
	if r.Method == http.MethodHead {
		return ae.Code
	}
	var b strings.Builder
	b.WriteString(xml.Header)
	b.WriteString("<Error>")
	writeElement(&b, "Code", ae.Code)
	writeElement(&b, "Message", ae.Message)
	for _, f := range ae.Fields {
		writeElement(&b, f.Name, f.Value)
	}
	writeElement(&b, "Resource", r.URL.Path)
	writeElement(&b, "RequestId", h.Get("X-Amz-Request-Id"))
	b.WriteString("</Error>")
	_, _ = w.Write([]byte(b.String()))
	return ae.Code
}

func (s *Server) toAPIError(r *http.Request, err error, requestID string) *apiError {
	var ae *apiError
	if errors.As(err, &ae) {
		return ae
	}
	// gofakes3 reports S3 errors through several types that share this
	// interface; their Error text is "<code>: <message>".
	var fe gofakes3.Error
	if errors.As(err, &fe) && fe.ErrorCode() != gofakes3.ErrInternal {
		code := fe.ErrorCode()
		msg := strings.TrimPrefix(fe.Error(), string(code)+": ")
		if msg == "" || msg == string(code) {
			msg = code.Message()
		}
		return &apiError{Code: string(code), Message: msg}
	}
	s.log.LogAttrs(r.Context(), slog.LevelError, "s3 request failed",
		slog.String("request_id", requestID),
		slog.String("method", r.Method),
		slog.String("path", r.URL.Path),
		slog.String("error", err.Error()))
	return &apiError{Code: "InternalError", Message: "We encountered an internal error. Please try again."}
}

func writeElement(b *strings.Builder, name, value string) {
	b.WriteString("<" + name + ">")
	_ = xml.EscapeText(b, []byte(value))
	b.WriteString("</" + name + ">")
}
