//! SigV4 request verification (in progress).
