package webhook

import (
	"context"
	"fmt"
	"net"
	"net/netip"
	"net/url"
	"strings"
	"syscall"
	"time"
)

// Guard keeps webhooks from reaching inside the network they are sent
// from (server-side request forgery): loopback, link-local (169.254.0.0/16
// holds the instance metadata service), private, shared (100.64.0.0/10),
// unspecified and multicast addresses are refused, both when a target is
// registered (its host is an address, or resolves to one) and on every
// connection a delivery makes (the address actually dialled, so a name
// that resolves elsewhere later, DNS rebinding, is refused too), unless
// the host is listed as internal.
type Guard struct {
	// Internal lists what the administrator declared internal and
	// reachable: host names (exact, case-insensitive), addresses and
	// CIDR prefixes (e.g. "erp.corp.example", "10.20.0.0/16").
	Internal []string
	// Resolver looks host names up at registration (default
	// net.DefaultResolver).
	Resolver interface {
		LookupNetIP(ctx context.Context, network, host string) ([]netip.Addr, error)
	}
}

// ParseInternal reads a comma-separated list of internal hosts (the
// WebhookInternalHosts parameter), checking each entry.
func ParseInternal(list string) ([]string, error) {
	var out []string
	for _, e := range strings.Split(list, ",") {
		e = strings.ToLower(strings.TrimSpace(e))
		if e == "" {
			continue
		}
		if strings.Contains(e, "/") {
			if _, err := netip.ParsePrefix(e); err != nil {
				return nil, fmt.Errorf("internal webhook host %q: %w", e, err)
			}
		} else if strings.ContainsAny(e, " :@") && !isAddr(e) {
			return nil, fmt.Errorf("internal webhook host %q: not a host name, address or CIDR prefix", e)
		}
		out = append(out, e)
	}
	return out, nil
}

func isAddr(s string) bool {
	_, err := netip.ParseAddr(s)
	return err == nil
}

// Forbidden reports whether an address is one a webhook may not reach
// unless listed as internal.
func Forbidden(a netip.Addr) bool {
	a = a.Unmap()
	return !a.IsValid() || a.IsLoopback() || a.IsLinkLocalUnicast() || a.IsLinkLocalMulticast() || a.IsPrivate() ||
		a.IsUnspecified() || a.IsMulticast() || a.IsInterfaceLocalMulticast() ||
		sharedSpace.Contains(a) || thisNetwork.Contains(a) || a == broadcast
}

var (
	sharedSpace = netip.MustParsePrefix("100.64.0.0/10")
	thisNetwork = netip.MustParsePrefix("0.0.0.0/8")
	broadcast   = netip.MustParseAddr("255.255.255.255")
)

// internal reports whether host (a URL's host name) or addr is listed.
func (g *Guard) internal(host string, addr netip.Addr) bool {
	host = strings.ToLower(strings.TrimSuffix(host, "."))
	for _, e := range g.Internal {
		switch {
		case strings.Contains(e, "/"):
			if p, err := netip.ParsePrefix(e); err == nil && addr.IsValid() && p.Contains(addr.Unmap()) {
				return true
			}
		case isAddr(e):
			if a, _ := netip.ParseAddr(e); addr.IsValid() && a.Unmap() == addr.Unmap() {
				return true
			}
		case e == host:
			return true
		}
	}
	return false
}

// CheckTarget returns why a target URL may not be registered ("" when it
// may): its host is a forbidden address or a name for one ("localhost", or
// a name that resolves to one), and not listed as internal. A name that
// cannot be resolved now is accepted: every delivery checks again.
func (g *Guard) CheckTarget(ctx context.Context, rawURL string) string {
	u, err := url.Parse(rawURL)
	if err != nil {
		return ""
	}
	host := strings.ToLower(strings.TrimSuffix(u.Hostname(), "."))
	refuse := "an address inside the network (loopback, link-local, private); the administrator lists internal hosts in WebhookInternalHosts"
	if a, err := netip.ParseAddr(host); err == nil {
		if Forbidden(a) && !g.internal(host, a) {
			return refuse
		}
		return ""
	}
	if g.internal(host, netip.Addr{}) {
		return ""
	}
	if host == "localhost" || strings.HasSuffix(host, ".localhost") {
		return refuse
	}
	r := g.Resolver
	if r == nil {
		r = net.DefaultResolver
	}
	ctx, cancel := context.WithTimeout(ctx, 2*time.Second)
	defer cancel()
	addrs, err := r.LookupNetIP(ctx, "ip", host)
	if err != nil {
		return ""
	}
	for _, a := range addrs {
		if Forbidden(a) && !g.internal(host, a) {
			return refuse
		}
	}
	return ""
}

// ErrForbiddenAddress is the error of a delivery whose connection would
// reach a forbidden address.
var ErrForbiddenAddress = fmt.Errorf("webhook address is inside the network and not listed as internal")

// Control is a net.Dialer Control function for deliveries to host (the
// target URL's host name): it refuses a connection to a forbidden address
// unless the host or the address is listed as internal.
func (g *Guard) Control(host string) func(network, address string, c syscall.RawConn) error {
	return func(network, address string, _ syscall.RawConn) error {
		ap, err := netip.ParseAddrPort(address)
		if err != nil {
			return fmt.Errorf("webhook to %s: dial %s: %w", host, address, ErrForbiddenAddress)
		}
		if Forbidden(ap.Addr()) && !g.internal(host, ap.Addr()) {
			return fmt.Errorf("webhook to %s: dial %s: %w", host, address, ErrForbiddenAddress)
		}
		return nil
	}
}
