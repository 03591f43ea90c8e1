package app

import (
	"os"
	"time"

	"github.com/claimsdesk/backend/shared/notify"
	"github.com/claimsdesk/backend/shared/sqsbus"
	"github.com/claimsdesk/backend/shared/webhook"
)

// Notifier wires the NotifierFunction's channels (mail through SES,
// webhooks, in-app notes) and the backoff of its queue's failed messages
// from the environment, with mailer sending the mail: SUPERVISORS_EMAIL,
// PUBLIC_BASE_URL, NOTIFY_RETRY_BASE_SECONDS (default 30),
// WEBHOOK_TIMEOUT_SECONDS (default 10), ROSTER_CACHE_SECONDS (default 30),
// WEBHOOK_INTERNAL_HOSTS (hosts inside the network webhooks may reach),
// NOTIFICATIONS_QUEUE_URL and FUNCTION_TIMEOUT_SECONDS, the function's
// timeout as the template sets it (its deliveries' leases outlast it;
// default 900, Lambda's longest).
func (a *App) Notifier(mailer notify.Mailer) (*notify.Notifier, *sqsbus.Backoff, error) {
	queue, err := env("NOTIFICATIONS_QUEUE_URL")
	if err != nil {
		return nil, nil, err
	}
	retryBase, err := seconds("NOTIFY_RETRY_BASE_SECONDS", 30*time.Second)
	if err != nil {
		return nil, nil, err
	}
	webhookTimeout, err := seconds("WEBHOOK_TIMEOUT_SECONDS", 10*time.Second)
	if err != nil {
		return nil, nil, err
	}
	timeout, err := seconds("FUNCTION_TIMEOUT_SECONDS", 15*time.Minute)
	if err != nil {
		return nil, nil, err
	}
	rosterTTL, err := seconds("ROSTER_CACHE_SECONDS", 30*time.Second)
	if err != nil {
		return nil, nil, err
	}
	internal, err := webhook.ParseInternal(os.Getenv("WEBHOOK_INTERNAL_HOSTS"))
	if err != nil {
		return nil, nil, err
	}
	if retryBase <= 0 {
		retryBase = time.Second
	}
	n := notify.New(notify.Config{
		Mailer: mailer, Deliveries: a.Store, Roster: a.Store, Targets: a.Store, Notes: a.Store, Claims: a.Store,
		Poster:           &webhook.Client{Key: a.Keys.Webhook, Timeout: webhookTimeout, Guard: &webhook.Guard{Internal: internal}},
		Keys:             a.Keys,
		SupervisorsEmail: os.Getenv("SUPERVISORS_EMAIL"),
		PublicBaseURL:    a.PublicBaseURL,
		Location:         a.Location,
		RosterTTL:        rosterTTL,
		Lease:            notify.LeaseFor(max(timeout, time.Second)),
		Logger:           a.Logger,
	})
	backoff := &sqsbus.Backoff{Client: a.SQS, QueueURL: queue, Base: retryBase, Max: 15 * time.Minute}
	return n, backoff, nil
}
