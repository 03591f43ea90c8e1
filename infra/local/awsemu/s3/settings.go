package s3

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/http"
	"os"
	"path/filepath"
	"sync"
)

// Bucket settings that gofakes3 has no notion of (CORS and the configuration
// documents the CloudFormation template applies) live here, persisted as one
// small JSON file next to the bbolt file.

// settingsFile is the name of the JSON file in Config.Dir.
const settingsFile = "bucket-settings.json"

// bucketSettings is everything stored for one bucket.
type bucketSettings struct {
	CORS *corsConfiguration `json:"cors,omitempty"`
	// Documents maps a subresource name (the query key, such as "lifecycle")
	// to the document last put, returned as is by GET.
	Documents map[string]string `json:"documents,omitempty"`
}

// settingsStore holds bucketSettings for all buckets. It is safe for
// concurrent use; every change is written through to the file, if any.
type settingsStore struct {
	mu      sync.Mutex
	path    string // "" keeps settings in memory only
	buckets map[string]*bucketSettings
}

// loadSettings reads the settings file at path, which may not exist yet. An
// empty path gives a memory-only store.
func loadSettings(path string) (*settingsStore, error) {
	st := &settingsStore{path: path, buckets: map[string]*bucketSettings{}}
	if path == "" {
		return st, nil
	}
	data, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return st, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read bucket settings %s: %w", path, err)
	}
	if err := json.Unmarshal(data, &st.buckets); err != nil {
		return nil, fmt.Errorf("decode bucket settings %s: %w", path, err)
	}
	if st.buckets == nil {
		st.buckets = map[string]*bucketSettings{}
	}
	return st, nil
}

func (st *settingsStore) cors(bucket string) *corsConfiguration {
	st.mu.Lock()
	defer st.mu.Unlock()
	if b := st.buckets[bucket]; b != nil {
		return b.CORS
	}
	return nil
}

// setCORS replaces the bucket's CORS configuration; nil deletes it.
func (st *settingsStore) setCORS(bucket string, cfg *corsConfiguration) error {
	return st.update(bucket, func(b *bucketSettings) { b.CORS = cfg })
}

func (st *settingsStore) document(bucket, name string) (string, bool) {
	st.mu.Lock()
	defer st.mu.Unlock()
	if b := st.buckets[bucket]; b != nil {
		doc, ok := b.Documents[name]
		return doc, ok
	}
	return "", false
}

// setDocument stores a subresource document; an empty doc deletes it.
func (st *settingsStore) setDocument(bucket, name, doc string) error {
	return st.update(bucket, func(b *bucketSettings) {
		if doc == "" {
			delete(b.Documents, name)
			return
		}
		if b.Documents == nil {
			b.Documents = map[string]string{}
		}
		b.Documents[name] = doc
	})
}

// dropBucket forgets a deleted bucket's settings, so that a bucket created
// later under the same name starts clean, as on S3.
func (st *settingsStore) dropBucket(bucket string) error {
	st.mu.Lock()
	defer st.mu.Unlock()
	if _, ok := st.buckets[bucket]; !ok {
		return nil
	}
	delete(st.buckets, bucket)
	return st.saveLocked()
}

func (st *settingsStore) update(bucket string, change func(*bucketSettings)) error {
	st.mu.Lock()
	defer st.mu.Unlock()
	b := st.buckets[bucket]
	if b == nil {
		b = &bucketSettings{}
		st.buckets[bucket] = b
	}
	change(b)
	if b.CORS == nil && len(b.Documents) == 0 {
		delete(st.buckets, bucket)
	}
	return st.saveLocked()
}

// saveLocked writes the file through a temporary file and a rename, so that
// a crash never leaves half a file behind.
func (st *settingsStore) saveLocked() error {
	if st.path == "" {
		return nil
	}
	data, err := json.MarshalIndent(st.buckets, "", "  ")
	if err != nil {
		return fmt.Errorf("encode bucket settings: %w", err)
	}
	tmp, err := os.CreateTemp(filepath.Dir(st.path), settingsFile+".*")
	if err != nil {
		return fmt.Errorf("save bucket settings: %w", err)
	}
	defer os.Remove(tmp.Name()) // no-op after a successful rename
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return fmt.Errorf("save bucket settings %s: %w", tmp.Name(), err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("save bucket settings %s: %w", tmp.Name(), err)
	}
	if err := os.Rename(tmp.Name(), st.path); err != nil {
		return fmt.Errorf("save bucket settings %s: %w", st.path, err)
	}
	return nil
}

// documentSpec describes a bucket subresource that is stored and returned
// without being enforced.
type documentSpec struct {
	// root is the expected XML root element; "" means a JSON document.
	root string
	// putStatus is the status S3 answers a successful PUT with.
	putStatus int
	// missing is returned by GET when nothing was put, unless defaultDoc is
	// set, in which case that document is returned instead.
	missing    *apiError
	defaultDoc string
}

// documentSubresources lists the bucket settings the local stack's
// CloudFormation template applies, plus the few neighbours whose absence
// would otherwise make gofakes3 treat the request as a plain bucket call.
var documentSubresources = map[string]documentSpec{
	"encryption": {
		root: "ServerSideEncryptionConfiguration", putStatus: http.StatusOK,
		// Every S3 bucket has had SSE-S3 default encryption since 2023.
		defaultDoc: xml.Header + `<ServerSideEncryptionConfiguration xmlns="` + s3Xmlns + `"><Rule><ApplyServerSideEncryptionByDefault><SSEAlgorithm>AES256</SSEAlgorithm></ApplyServerSideEncryptionByDefault><BucketKeyEnabled>false</BucketKeyEnabled></Rule></ServerSideEncryptionConfiguration>`,
	},
	"publicAccessBlock": {
		root: "PublicAccessBlockConfiguration", putStatus: http.StatusOK,
		missing: &apiError{Code: "NoSuchPublicAccessBlockConfiguration", Message: "The public access block configuration was not found"},
	},
	"lifecycle": {
		root: "LifecycleConfiguration", putStatus: http.StatusOK,
		missing: &apiError{Code: "NoSuchLifecycleConfiguration", Message: "The lifecycle configuration does not exist"},
	},
	"versioning": {
		root: "VersioningConfiguration", putStatus: http.StatusOK,
		defaultDoc: xml.Header + `<VersioningConfiguration xmlns="` + s3Xmlns + `"/>`,
	},
	"tagging": {
		root: "Tagging", putStatus: http.StatusNoContent,
		missing: &apiError{Code: "NoSuchTagSet", Message: "The TagSet does not exist"},
	},
	"ownershipControls": {
		root: "OwnershipControls", putStatus: http.StatusOK,
		missing: &apiError{Code: "OwnershipControlsNotFoundError", Message: "The bucket ownership controls were not found"},
	},
	"policy": {
		putStatus: http.StatusNoContent,
		missing:   &apiError{Code: "NoSuchBucketPolicy", Message: "The bucket policy does not exist"},
	},
}

// maxDocumentSize bounds a stored settings document; S3's largest (a bucket
// policy) is limited to 20 KB.
const maxDocumentSize = 64 << 10

// serveDocument handles GET, PUT and DELETE of a stored subresource. It
// returns MalformedXML, MalformedPolicy, MethodNotAllowed or the spec's
// not-found error.
func (s *Server) serveDocument(w http.ResponseWriter, r *http.Request, bucket, name string, spec documentSpec) error {
	switch r.Method {
	case http.MethodGet:
		doc, ok := s.settings.document(bucket, name)
		if !ok {
			if spec.defaultDoc == "" {
				e := *spec.missing
				e.Fields = []errorField{{"BucketName", bucket}}
				return &e
			}
			doc = spec.defaultDoc
		}
		if spec.root == "" {
			w.Header().Set("Content-Type", "application/json")
		} else {
			w.Header().Set("Content-Type", "application/xml")
		}
		w.WriteHeader(http.StatusOK)
		_, err := io.WriteString(w, doc)
		return err
	case http.MethodPut:
		body, err := io.ReadAll(io.LimitReader(r.Body, maxDocumentSize+1))
		if err != nil {
			return fmt.Errorf("read %s document: %w", name, err)
		}
		if len(body) > maxDocumentSize {
			return &apiError{Code: "InvalidRequest", Message: "The " + name + " document is too large."}
		}
		if err := validateDocument(body, spec.root); err != nil {
			return err
		}
		if err := s.settings.setDocument(bucket, name, string(body)); err != nil {
			return err
		}
		w.WriteHeader(spec.putStatus)
		return nil
	case http.MethodDelete:
		if err := s.settings.setDocument(bucket, name, ""); err != nil {
			return err
		}
		w.WriteHeader(http.StatusNoContent)
		return nil
	default:
		return &apiError{Code: "MethodNotAllowed", Message: "The specified method is not allowed against this resource."}
	}
}

// validateDocument checks that body is well-formed with the expected XML
// root element, or is JSON when root is empty.
func validateDocument(body []byte, root string) error {
	if root == "" {
		if !json.Valid(body) {
			return &apiError{Code: "MalformedPolicy", Message: "Policies must be valid JSON and the first byte must be '{'"}
		}
		return nil
	}
	var doc struct {
		XMLName xml.Name
		Inner   []byte `xml:",innerxml"`
	}
	if err := xml.NewDecoder(bytes.NewReader(body)).Decode(&doc); err != nil || doc.XMLName.Local != root {
		return errMalformedXML()
	}
	return nil
}
