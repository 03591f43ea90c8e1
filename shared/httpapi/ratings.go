package httpapi

import (
	"context"
	"net/http"

	"github.com/claimsdesk/backend/shared/apigw"
	"github.com/claimsdesk/backend/shared/survey"
	"github.com/claimsdesk/backend/shared/visibility"
)

// RatingsAPI lets a dealer (or the dealer's system) rate how a closed claim
// they filed was handled; the claimant rates through the tracking page.
type RatingsAPI struct {
	Survey *survey.Service
}

// Register adds the rating route (ClaimsFunction).
func (a *RatingsAPI) Register(r *apigw.Router) {
	r.Handle("POST /v1/claims/{id}/rating", a.rate)
}

// RatingRequest is the body of POST /v1/claims/{id}/rating.
type RatingRequest struct {
	Score   int    `json:"score"`
	Comment string `json:"comment"`
}

const maxRatingBody = 16 << 10

func (a *RatingsAPI) rate(ctx context.Context, req *apigw.Request) (*apigw.Response, error) {
	var body RatingRequest
	if err := req.DecodeJSON(&body, maxRatingBody); err != nil {
		return nil, err
	}
	c, err := a.Survey.Rate(ctx, survey.Rater{Principal: req.Principal}, req.Param("id"), body.Score, body.Comment)
	if err != nil {
		return nil, err
	}
	shown := visibility.Claim(visibility.Of(req.Principal), *c)
	return apigw.JSON(http.StatusCreated, shown.Satisfaction), nil
}
