package httpapi

import "reflect"

// The request bodies the API description is compared with that the
// package keeps to itself.
var (
	ClaimUploadRequestType = reflect.TypeFor[claimUploadRequest]()
	UploadRequestType      = reflect.TypeFor[uploadRequest]()
)
