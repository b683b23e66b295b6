//! The pure planner: from tasks and existing issues to the list of changes.
