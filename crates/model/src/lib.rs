//! Wire shapes generated from the pinned botocore models (in progress).
