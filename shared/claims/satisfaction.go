package claims

import (
	"fmt"
	"time"
	"unicode/utf8"

	"github.com/claimsdesk/backend/shared/apperr"
)

// Satisfaction is a rating of how a closed claim was handled: the first
// score given stands; a comment may follow it once.
type Satisfaction struct {
	// Score is 1 (very bad) .. 5 (very good).
	Score   int       `json:"score"`
	Comment string    `json:"comment,omitempty"`
	RatedAt time.Time `json:"ratedAt"`
	// RatedBy is who rated: "claimant" (the mail's link, the tracking
	// page) or "dealers:<user>" (the dealer's cabinet or system).
	RatedBy     string    `json:"ratedBy"`
	CommentedAt time.Time `json:"commentedAt,omitzero"`
}

// Rating limits.
const (
	MinScore = 1
	MaxScore = 5
	// LowScore and below call the supervisors' attention.
	LowScore   = 2
	MaxComment = 2000
)

// History event types of a rating.
const (
	EventRated     = "claim.rated"
	EventCommented = "rating.commented"
)

// ValidScore reports whether score is a rating.
func ValidScore(score int) bool { return score >= MinScore && score <= MaxScore }

// CheckRating checks a score and a comment (cleaned in place); errors name
// the field.
func CheckRating(score int, comment *string) error {
	var f []apperr.FieldError
	if !ValidScore(score) {
		f = append(f, apperr.FieldError{Field: "score", Message: fmt.Sprintf("a whole number from %d to %d", MinScore, MaxScore)})
	}
	*comment = CleanText(*comment)
	if utf8.RuneCountInString(*comment) > MaxComment {
		f = append(f, apperr.FieldError{Field: "comment", Message: fmt.Sprintf("at most %d characters", MaxComment)})
	}
	return apperr.Validation(f)
}
