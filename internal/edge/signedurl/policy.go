package signedurl

import (
	"bytes"
	"encoding/json"
	"net/netip"
	"strings"
	"time"
)

// customPolicy is the custom policy document, decoded strictly: a key this
// verifier does not understand could be a restriction it would fail to
// enforce, so unknown keys reject the play.
type customPolicy struct {
	Statement []struct {
		Resource  *string
		Condition struct {
			DateLessThan    *epochTime
			DateGreaterThan *epochTime
			IpAddress       *struct {
				SourceIP string `json:"AWS:SourceIp"`
			}
		}
	}
}

type epochTime struct {
	Seconds *int64 `json:"AWS:EpochTime"`
}

// conditions are a policy's restrictions on a play.
type conditions struct {
	resource    string // may hold * and ? wildcards
	hasResource bool   // a custom policy without Resource covers every stream
	lessThan    int64  // epoch seconds; the play must happen before
	greaterThan int64  // epoch seconds; 0 = no start time
	sourceIP    netip.Prefix
	hasSourceIP bool
}

func parsePolicy(doc []byte) (conditions, error) {
	var p customPolicy
	dec := json.NewDecoder(bytes.NewReader(doc))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&p); err != nil {
		return conditions{}, reject(Malformed, "policy is not a valid policy document: %v", err)
	}
	if dec.More() {
		return conditions{}, reject(Malformed, "policy has trailing data")
	}
	if len(p.Statement) != 1 {
		return conditions{}, reject(Malformed, "policy must have exactly one statement, has %d", len(p.Statement))
	}
	st := p.Statement[0]
	var c conditions
	if st.Resource != nil {
		c.resource, c.hasResource = *st.Resource, true
	}
	lt := st.Condition.DateLessThan
	if lt == nil || lt.Seconds == nil {
		return conditions{}, reject(Malformed, "policy has no DateLessThan")
	}
	c.lessThan = *lt.Seconds
	if gt := st.Condition.DateGreaterThan; gt != nil {
		if gt.Seconds == nil {
			return conditions{}, reject(Malformed, "policy DateGreaterThan has no AWS:EpochTime")
		}
		c.greaterThan = *gt.Seconds
	}
	if ip := st.Condition.IpAddress; ip != nil {
		prefix, err := parseSourceIP(ip.SourceIP)
		if err != nil {
			return conditions{}, reject(Malformed, "policy AWS:SourceIp %q is not an address or CIDR", ip.SourceIP)
		}
		c.sourceIP, c.hasSourceIP = prefix, true
	}
	return c, nil
}

// parseSourceIP accepts a CIDR or, as CloudFront does, a bare address
// meaning that one host.
func parseSourceIP(s string) (netip.Prefix, error) {
	if strings.Contains(s, "/") {
		p, err := netip.ParsePrefix(s)
		return p.Masked(), err
	}
	a, err := netip.ParseAddr(s)
	if err != nil {
		return netip.Prefix{}, err
	}
	return netip.PrefixFrom(a, a.BitLen()), nil
}

// check applies the conditions to a play, named by any of resources, from
// ip at now.
func (c conditions) check(resources []string, ip netip.Addr, now time.Time) error {
	t := now.Unix()
	if t >= c.lessThan {
		return reject(Expired, "the signed stream name expired at %s", time.Unix(c.lessThan, 0).UTC().Format(time.RFC3339))
	}
	if c.greaterThan != 0 && t < c.greaterThan {
		return reject(NotYetValid, "the signed stream name is valid from %s", time.Unix(c.greaterThan, 0).UTC().Format(time.RFC3339))
	}
	if c.hasSourceIP && !c.sourceIP.Contains(ip.Unmap()) {
		return reject(IPNotAllowed, "client address %s is not in %s", ip, c.sourceIP)
	}
	if !c.hasResource {
		return nil
	}
	for _, r := range resources {
		if wildcardMatch(c.resource, r) {
			return nil
		}
	}
	return reject(ResourceMismatch, "the policy does not cover stream %q", resources[0])
}

// wildcardMatch reports whether s matches pattern, where * matches any run
// of characters (including none) and ? exactly one.
func wildcardMatch(pattern, s string) bool {
	// Iterative matching with one backtrack point: linear in practice and
	// never exponential, whatever a hostile policy holds.
	p, i := 0, 0
	star, mark := -1, 0
	for i < len(s) {
		switch {
		case p < len(pattern) && (pattern[p] == '?' || pattern[p] == s[i]):
			p++
			i++
		case p < len(pattern) && pattern[p] == '*':
			star, mark = p, i
			p++
		case star >= 0:
			p = star + 1
			mark++
			i = mark
		default:
			return false
		}
	}
	for p < len(pattern) && pattern[p] == '*' {
		p++
	}
	return p == len(pattern)
}
