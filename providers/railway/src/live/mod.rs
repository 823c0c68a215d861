//! Live, read-only collection from Railway's GraphQL API. (Being written.)
