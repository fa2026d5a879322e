"""Pure domain pieces: manifests, lifecycle rules, policies, repositories and their indexes. No I/O."""
