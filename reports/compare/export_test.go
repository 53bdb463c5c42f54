package compare

// SignedRankP exposes signedRankP to the external tests.
var SignedRankP = signedRankP
