package cloudfront

import (
	"context"
	"crypto/rsa"
	"errors"
	"log/slog"
	"strings"
	"time"

	"github.com/streamfront/streamfront/internal/memo"
	"github.com/streamfront/streamfront/internal/store"
)

// Signers tells the service which accounts exist and which CloudFront key
// pairs they hold: for TrustedSigners validation, ActiveTrustedSigners, and
// the edge's signed-URL checks. Implementations must be safe for concurrent
// use and may change over time (key pairs added or deactivated).
type Signers interface {
	// AccountExists reports whether id is an account of this server.
	AccountExists(id string) bool
	// ActiveKeyPairIDs lists the active key pair ids of an account.
	ActiveKeyPairIDs(account string) []string
	// PublicKey returns the public key of an active key pair and the account
	// that owns it; ok is false for unknown or inactive key pairs.
	PublicKey(keyPairID string) (pub *rsa.PublicKey, account string, ok bool)
}

// KeyPair is a CloudFront key pair's public half.
type KeyPair struct {
	ID     string
	Public *rsa.PublicKey
	Active bool
}

// SingleAccount is the Signers of open mode: one account and the key pairs
// registered for it.
type SingleAccount struct {
	ID       string
	KeyPairs []KeyPair
}

func (s SingleAccount) AccountExists(id string) bool { return id == s.ID }

func (s SingleAccount) ActiveKeyPairIDs(account string) []string {
	var ids []string
	for _, k := range s.KeyPairs {
		if account == s.ID && k.Active {
			ids = append(ids, k.ID)
		}
	}
	return ids
}

func (s SingleAccount) PublicKey(id string) (*rsa.PublicKey, string, bool) {
	for _, k := range s.KeyPairs {
		if k.ID == id && k.Active {
			return k.Public, s.ID, true
		}
	}
	return nil, "", false
}

// Options configure a Service. Zero values take CloudFront's defaults.
type Options struct {
	MaxDistributions int      // per account; default 100
	MaxOAIs          int      // per account; default 100
	OriginSuffixes   []string // extra S3 origin domain suffixes, e.g. "s3.local"
	DomainSuffix     string   // default "cloudfront.net"
	Signers          Signers
	Now              func() time.Time
	Logger           *slog.Logger

	// Quotas, when set, gives an account its own limits (the accounts
	// file's); a 0 keeps MaxDistributions or MaxOAIs for that account.
	Quotas func(account string) (distributions, oais int)
}

// Service implements the CloudFront streaming-distribution and OAI
// operations over a Store. Every method takes the calling account.
type Service struct {
	store   store.Store
	opts    Options
	configs *memo.Cache[configKey, StreamingDistributionConfig]
}

func NewService(st store.Store, opts Options) *Service {
	if opts.MaxDistributions == 0 {
		opts.MaxDistributions = 100
	}
	if opts.MaxOAIs == 0 {
		opts.MaxOAIs = 100
	}
	if opts.DomainSuffix == "" {
		opts.DomainSuffix = "cloudfront.net"
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	if opts.Signers == nil {
		opts.Signers = SingleAccount{ID: "123456789012"}
	}
	return &Service{store: st, opts: opts, configs: newConfigCache()}
}

// Store returns the underlying store (for the edge and the deployer).
func (s *Service) Store() store.Store { return s.store }

func (s *Service) now() time.Time { return s.opts.Now().UTC().Truncate(time.Millisecond) }

// checkSigners verifies that every trusted signer names a known account.
func (s *Service) checkSigners(account string, ts TrustedSigners) error {
	for _, id := range ts.Items {
		if id == "self" || id == account {
			continue
		}
		if !s.opts.Signers.AccountExists(id) {
			return Errorf(ErrTrustedSignerDoesNotExist, "One or more of your trusted signers don't exist: %s.", id)
		}
	}
	return nil
}

func oaiID(path string) string {
	if m := oaiPathRE.FindStringSubmatch(path); m != nil {
		return m[1]
	}
	return ""
}

// translate maps store errors to domain errors for distribution writes.
func translate(err error, cfg *StreamingDistributionConfig) error {
	var ac *store.AliasConflictError
	switch {
	case err == nil:
		return nil
	case errors.As(err, &ac):
		return Errorf(ErrCNAMEAlreadyExists, "One or more of the CNAMEs you provided are already associated with a different resource: %s.", ac.Alias)
	case errors.Is(err, store.ErrCallerReferenceExists):
		return Errorf(ErrDistributionAlreadyExists, "The caller reference that you are using to create a streaming distribution is associated with another distribution: %s.", cfg.CallerReference)
	case errors.Is(err, store.ErrQuotaExceeded):
		return Errorf(ErrTooManyDistributions, "Your request contains more streaming distributions than are allowed per AWS account.")
	case errors.Is(err, store.ErrOAINotFound):
		return Errorf(ErrInvalidOriginAccessIdentity, "The origin access identity %q does not exist.", cfg.S3Origin.OriginAccessIdentity)
	case errors.Is(err, store.ErrNotFound):
		return Errorf(ErrNoSuchDistribution, "The specified streaming distribution does not exist.")
	case errors.Is(err, store.ErrPreconditionFailed):
		return Errorf(ErrPreconditionFailed, "The If-Match version is missing or not valid for the resource.")
	}
	return err
}

// Validate applies every rule that needs no stored state to cfg, filling in
// CloudFront's defaults; account is the caller (for trusted signers).
func (s *Service) Validate(account string, cfg *StreamingDistributionConfig) error {
	if err := s.validateConfig(cfg); err != nil {
		return err
	}
	return s.checkSigners(account, cfg.TrustedSigners)
}

// CreateStreamingDistribution validates cfg and stores a new distribution.
func (s *Service) CreateStreamingDistribution(ctx context.Context, account string, cfg StreamingDistributionConfig, tags []Tag) (*StreamingDistribution, error) {
	if err := s.Validate(account, &cfg); err != nil {
		return nil, err
	}
	if tags != nil {
		if err := ValidateTags(tags); err != nil {
			return nil, err
		}
	}
	blob, err := EncodeConfig(cfg)
	if err != nil {
		return nil, err
	}
	now := s.now()
	rec := &store.Distribution{
		Account: account, ID: NewID(), ETag: newETag(), Version: 1,
		CallerReference: cfg.CallerReference, DomainName: newDomainName(s.opts.DomainSuffix),
		Aliases: cfg.Aliases, OAIID: oaiID(cfg.S3Origin.OriginAccessIdentity), Enabled: cfg.Enabled,
		Config: blob, CreatedAt: now, ModifiedAt: now,
	}
	stags := make([]store.Tag, len(tags))
	for i, t := range tags {
		stags[i] = store.Tag(t)
	}
	if err := s.store.CreateDistribution(ctx, rec, stags, s.distributionQuota(account)); err != nil {
		return nil, translate(err, &cfg)
	}
	return s.fromRecord(rec)
}

// GetStreamingDistribution returns the distribution id of account.
func (s *Service) GetStreamingDistribution(ctx context.Context, account, id string) (*StreamingDistribution, error) {
	rec, err := s.store.GetDistribution(ctx, account, id)
	if err != nil {
		return nil, translate(err, nil)
	}
	return s.fromRecord(rec)
}

// ListStreamingDistributions returns one page of the account's distributions.
func (s *Service) ListStreamingDistributions(ctx context.Context, account, marker string, maxItems int) (*Page[*StreamingDistribution], error) {
	recs, err := s.store.ListDistributions(ctx, account, marker, maxItems+1)
	if err != nil {
		return nil, err
	}
	page := &Page[*StreamingDistribution]{Marker: marker, MaxItems: maxItems}
	if len(recs) > maxItems {
		recs = recs[:maxItems]
		page.IsTruncated = true
		page.NextMarker = recs[len(recs)-1].ID
	}
	for _, r := range recs {
		d, err := s.fromRecord(r)
		if err != nil {
			return nil, err
		}
		page.Items = append(page.Items, d)
	}
	return page, nil
}

// UpdateStreamingDistribution replaces the configuration of id if ifMatch is
// its current ETag.
func (s *Service) UpdateStreamingDistribution(ctx context.Context, account, id, ifMatch string, cfg StreamingDistributionConfig) (*StreamingDistribution, error) {
	if ifMatch == "" {
		return nil, Errorf(ErrInvalidIfMatchVersion, "The If-Match version is missing or not valid for the resource.")
	}
	if err := s.validateConfig(&cfg); err != nil {
		return nil, err
	}
	cur, err := s.store.GetDistribution(ctx, account, id)
	if err != nil {
		return nil, translate(err, &cfg)
	}
	if cur.ETag != ifMatch {
		return nil, translate(store.ErrPreconditionFailed, &cfg)
	}
	if cur.CallerReference != cfg.CallerReference {
		return nil, Errorf(ErrIllegalUpdate, "The CallerReference of a streaming distribution cannot be changed.")
	}
	if err := s.checkSigners(account, cfg.TrustedSigners); err != nil {
		return nil, err
	}
	blob, err := EncodeConfig(cfg)
	if err != nil {
		return nil, err
	}
	rec := *cur
	rec.ETag = newETag()
	rec.Aliases = cfg.Aliases
	rec.OAIID = oaiID(cfg.S3Origin.OriginAccessIdentity)
	rec.Enabled = cfg.Enabled
	rec.Config = blob
	rec.ModifiedAt = s.now()
	if err := s.store.UpdateDistribution(ctx, &rec, ifMatch); err != nil {
		return nil, translate(err, &cfg)
	}
	return s.fromRecord(&rec)
}

// DeleteStreamingDistribution deletes id once it is disabled and the disable
// is deployed, as CloudFront requires.
func (s *Service) DeleteStreamingDistribution(ctx context.Context, account, id, ifMatch string) error {
	if ifMatch == "" {
		return Errorf(ErrInvalidIfMatchVersion, "The If-Match version is missing or not valid for the resource.")
	}
	cur, err := s.store.GetDistribution(ctx, account, id)
	if err != nil {
		return translate(err, nil)
	}
	if cur.ETag != ifMatch {
		return translate(store.ErrPreconditionFailed, nil)
	}
	if cur.Enabled {
		return Errorf(ErrDistributionNotDisabled, "The streaming distribution you are trying to delete has not been disabled.")
	}
	if cur.DeployedVersion < cur.Version {
		return Errorf(ErrDistributionNotDisabled, "The streaming distribution is disabled but the change is not yet deployed (Status InProgress); wait for Deployed.")
	}
	return translate(s.store.DeleteDistribution(ctx, account, id, ifMatch), nil)
}

// fromRecord turns a stored record into the API resource.
func (s *Service) fromRecord(r *store.Distribution) (*StreamingDistribution, error) {
	cfg, err := s.decodeConfig(r)
	if err != nil {
		return nil, err
	}
	status := StatusInProgress
	if r.DeployedVersion >= r.Version {
		status = StatusDeployed
	}
	d := &StreamingDistribution{
		ID: r.ID, ARN: DistributionARN(r.Account, r.ID), Status: status,
		LastModifiedTime: r.ModifiedAt, DomainName: r.DomainName, Config: cfg,
		ETag: r.ETag, Version: r.Version,
	}
	d.ActiveTrustedSigners.Enabled = cfg.TrustedSigners.Enabled
	for _, ts := range cfg.TrustedSigners.Items {
		acct := ts
		if ts == "self" {
			acct = r.Account
		}
		d.ActiveTrustedSigners.Signers = append(d.ActiveTrustedSigners.Signers,
			Signer{AwsAccountNumber: ts, KeyPairIDs: s.opts.Signers.ActiveKeyPairIDs(acct)})
	}
	return d, nil
}

// ParseARN returns the account and id of a streaming-distribution ARN.
func ParseARN(arn string) (account, id string, err error) {
	rest, ok := strings.CutPrefix(arn, "arn:aws:cloudfront::")
	if ok {
		account, id, ok = strings.Cut(rest, ":streaming-distribution/")
	}
	if !ok || !accountRE.MatchString(account) || id == "" || strings.ContainsAny(id, "/:") {
		return "", "", Errorf(ErrInvalidArgument, "The resource %q is not a valid streaming-distribution ARN.", arn)
	}
	return account, id, nil
}
