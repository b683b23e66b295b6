//! Finding each task's issue among the issues of a repository: the one code path shared by
//! `sync` and `status`.
