package cloudfront

// distributionQuota is the number of streaming distributions account may hold.
func (s *Service) distributionQuota(account string) int {
	if s.opts.Quotas != nil {
		if n, _ := s.opts.Quotas(account); n > 0 {
			return n
		}
	}
	return s.opts.MaxDistributions
}

// oaiQuota is the number of origin access identities account may hold.
func (s *Service) oaiQuota(account string) int {
	if s.opts.Quotas != nil {
		if _, n := s.opts.Quotas(account); n > 0 {
			return n
		}
	}
	return s.opts.MaxOAIs
}
