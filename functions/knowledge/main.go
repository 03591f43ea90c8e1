// Command knowledge is the KnowledgeFunction: the knowledge base's API
// (articles with their versions, pictures and files, the search, the types
// without an article, the index's rebuild). It is the one function that
// renders Markdown (goldmark, bluemonday) and writes the search index; the
// claim pages read the articles it stored. It sends no mail and publishes
// no event.
//
// Layer: wiring.
package main

import (
	"cmp"
	"log/slog"
	"time"
	// The company's time zone; Lambda's runtime image has no zoneinfo.
	_ "time/tzdata"

	"github.com/claimsdesk/backend/shared/apigw"
	"github.com/claimsdesk/backend/shared/app"
	"github.com/claimsdesk/backend/shared/catalog"
	"github.com/claimsdesk/backend/shared/dynamo"
	"github.com/claimsdesk/backend/shared/httpapi/kbapi"
	"github.com/claimsdesk/backend/shared/kb"
	"github.com/claimsdesk/backend/shared/kb/markdown"
	"github.com/claimsdesk/backend/shared/kb/search"
	"github.com/claimsdesk/backend/shared/s3files"
)

func main() {
	app.Start(wire, func(router *apigw.Router) any { return router.Serve })
}

// wire builds the routes: TABLE_NAME, BUCKET_NAME, COMPANY_TIME_ZONE,
// CATALOG_CACHE_SECONDS (default 60).
func wire(env *app.Env, logger *slog.Logger) (*apigw.Router, error) {
	table, bucket, loc := env.Required("TABLE_NAME"), env.Required("BUCKET_NAME"), env.Location("COMPANY_TIME_ZONE")
	catalogTTL := env.Seconds("CATALOG_CACHE_SECONDS", time.Minute)
	cfg := app.AWS(env)
	if err := env.Err(); err != nil {
		return nil, err
	}
	store, err1 := dynamo.New(dynamo.Config{Client: app.DynamoDB(cfg), Table: table})
	files, err2 := s3files.New(s3files.Config{Client: s3files.NewClient(cfg), Bucket: bucket})
	if err := cmp.Or(err1, err2); err != nil {
		return nil, err
	}
	index, err := search.NewStore(search.StoreConfig{Pointers: store, Objects: files})
	if err != nil {
		return nil, err
	}
	cat := &catalog.Cached{Source: store, TTL: catalogTTL}
	service, err1 := kb.New(kb.Config{Store: store, Catalog: cat, Renderer: markdown.New(), Files: files, Index: index,
		Logger: logger})
	shelf, err2 := kb.NewShelf(kb.ShelfConfig{Store: store, Catalog: cat, Files: files, Views: store, Location: loc})
	if err := cmp.Or(err1, err2); err != nil {
		return nil, err
	}
	router := apigw.NewRouter(logger)
	(&kbapi.KnowledgeAPI{KB: service, Shelf: shelf}).Register(router)
	return router, nil
}
