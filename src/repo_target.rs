//! Where to sync: repository, API base and token, from flags, configuration, environment and git.
