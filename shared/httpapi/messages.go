package httpapi

import (
	"context"
	"fmt"
	"net/http"
	"time"

	"github.com/claimsdesk/backend/shared/apigw"
	"github.com/claimsdesk/backend/shared/casework"
	"github.com/claimsdesk/backend/shared/chat"
	"github.com/claimsdesk/backend/shared/claims"
	"github.com/claimsdesk/backend/shared/intake"
	"github.com/claimsdesk/backend/shared/registry"
	"github.com/claimsdesk/backend/shared/visibility"
)

// MaxMessageBody bounds the body of POST /v1/claims/{id}/messages: 4000
// characters of up to four bytes each, JSON escaping and five references.
const MaxMessageBody = 32 << 10

// MessagesAPI is a claim's conversation in the signed-in API: the claim's
// dealer, its manager and supervisors read it and post messages with files.
// Anyone else gets 404, as for a claim that does not exist.
type MessagesAPI struct {
	Chat *chat.Service
	// Intake presigns the uploads of message files.
	Intake *intake.Service
	// Links, when set, adds short-lived download links to message files.
	Links registry.Links
}

// Register adds the conversation routes (they belong to the ClaimsFunction).
func (a *MessagesAPI) Register(r *apigw.Router) {
	r.Handle("GET /v1/claims/{id}/messages", a.list)
	r.Handle("POST /v1/claims/{id}/messages", a.post)
	r.Handle("POST /v1/claims/{id}/messages/uploads", a.upload)
}

// MessageAttachment is a message's file, with a download link when the API
// has one to give.
type MessageAttachment struct {
	claims.Attachment
	URL       string    `json:"url,omitempty"`
	ExpiresAt time.Time `json:"expiresAt,omitzero"`
}

// MessageView is a message as the API shows it.
type MessageView struct {
	claims.Message
	Attachments []MessageAttachment `json:"attachments"`
}

// MessagesResponse is the body of GET /v1/claims/{id}/messages: the
// conversation oldest first, with the claim's version and stage.
type MessagesResponse struct {
	ClaimID  string        `json:"claimId"`
	Version  int           `json:"version"`
	Stage    string        `json:"stage"`
	Messages []MessageView `json:"messages"`
}

// MessageRequest is the body of POST /v1/claims/{id}/messages. Version is
// the claim version the author saw (optional: 0 posts on whatever is
// current).
type MessageRequest struct {
	Body        string               `json:"body"`
	Attachments []chat.AttachmentRef `json:"attachments"`
	Version     int                  `json:"version"`
}

// MessagePosted is the answer to a posted message: the message and the
// claim's new version and stage (a claimant's answer resumes a claim that
// waited for the customer).
type MessagePosted struct {
	Message MessageView `json:"message"`
	Version int         `json:"version"`
	Stage   string      `json:"stage"`
}

// MessageUploadRequest is the body of POST /v1/claims/{id}/messages/uploads.
// Zone is optional: the first photo zone of the claim's type accepting
// ContentType is taken.
type MessageUploadRequest struct {
	Zone        string `json:"zone"`
	FileName    string `json:"fileName"`
	ContentType string `json:"contentType"`
	Size        int64  `json:"size"`
}

// MessageUploadTicket is a presigned upload of a message file, with the
// zone to name when attaching it.
type MessageUploadTicket struct {
	*intake.UploadTicket
	Zone string `json:"zone"`
}

func (a *MessagesAPI) list(ctx context.Context, req *apigw.Request) (*apigw.Response, error) {
	d, err := a.Chat.Open(ctx, req.Principal, req.Param("id"))
	if err != nil {
		return nil, err
	}
	out := MessagesResponse{ClaimID: d.Claim.ID, Version: d.Claim.Version, Stage: string(d.Claim.Stage), Messages: []MessageView{}}
	aud := visibility.Of(req.Principal)
	for _, m := range a.Chat.List(ctx, d) {
		v, err := a.view(ctx, aud, d.Claim.ID, m)
		if err != nil {
			return nil, err
		}
		out.Messages = append(out.Messages, v)
	}
	return apigw.JSON(http.StatusOK, out), nil
}

func (a *MessagesAPI) post(ctx context.Context, req *apigw.Request) (*apigw.Response, error) {
	p := req.Principal
	d, err := a.Chat.Open(ctx, p, req.Param("id"))
	if err != nil {
		return nil, err
	}
	var body MessageRequest
	if err := req.DecodeJSON(&body, MaxMessageBody); err != nil {
		return nil, err
	}
	msg, cl, err := a.Chat.Post(ctx, casework.Caller{Principal: p}, d.Claim.ID, body.Version, chat.Post{
		// The display name, never the username: with sign-in by email the
		// username is an ID (or an address) nobody should be shown.
		Body: body.Body, Attachments: body.Attachments, AuthorName: p.Name, Scope: chat.UserScope(d.Claim.ID, p.UserID),
	})
	if err != nil {
		return nil, err
	}
	v, err := a.view(ctx, visibility.Of(p), cl.ID, *msg)
	if err != nil {
		return nil, err
	}
	return apigw.JSON(http.StatusCreated, MessagePosted{Message: v, Version: cl.Version, Stage: string(cl.Stage)}), nil
}

func (a *MessagesAPI) upload(ctx context.Context, req *apigw.Request) (*apigw.Response, error) {
	p := req.Principal
	d, err := a.Chat.Open(ctx, p, req.Param("id"))
	if err != nil {
		return nil, err
	}
	var body MessageUploadRequest
	if err := req.DecodeJSON(&body, 8<<10); err != nil {
		return nil, err
	}
	t, err := presignMessageFile(ctx, a.Chat, a.Intake, &d.Claim, chat.UserScope(d.Claim.ID, p.UserID), body)
	if err != nil {
		return nil, err
	}
	return apigw.JSON(http.StatusCreated, t), nil
}

// presignMessageFile presigns the upload of a message file under scope, in
// the zone the chat picks for it.
func presignMessageFile(ctx context.Context, c *chat.Service, in *intake.Service, cl *claims.Claim, scope string, r MessageUploadRequest) (*MessageUploadTicket, error) {
	zone, err := c.UploadZone(ctx, cl, r.Zone, r.ContentType)
	if err != nil {
		return nil, err
	}
	t, err := in.PresignUpload(ctx, intake.UploadRequest{
		Scope: scope, TypeID: cl.TypeID, Zone: zone, FileName: r.FileName, ContentType: r.ContentType, Size: r.Size, Filed: true,
	})
	if err != nil {
		return nil, err
	}
	return &MessageUploadTicket{UploadTicket: t, Zone: zone}, nil
}

// view shows a message as the audience may see it (visibility), with
// download links to its files.
func (a *MessagesAPI) view(ctx context.Context, aud visibility.Audience, claimID string, m claims.Message) (MessageView, error) {
	v := MessageView{Message: visibility.Message(aud, m), Attachments: []MessageAttachment{}}
	exp := time.Now().Add(registry.LinkTTL).UTC()
	for _, f := range m.Attachments {
		// The file's key comes from the message as stored (its author).
		out := MessageAttachment{Attachment: visibility.Attachment(aud, f)}
		if key := chat.AttachmentKey(claimID, &m, &f); a.Links != nil && key != "" {
			url, err := a.Links.DownloadURL(ctx, key, f.FileName, f.ContentType, registry.LinkTTL)
			if err != nil {
				return MessageView{}, fmt.Errorf("link to file %s of message %s on %s: %w", f.ID, m.ID, claimID, err)
			}
			out.URL, out.ExpiresAt = url, exp
		}
		v.Attachments = append(v.Attachments, out)
	}
	return v, nil
}
