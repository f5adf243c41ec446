"""Pages of the referrals app: the referral form and triage."""
