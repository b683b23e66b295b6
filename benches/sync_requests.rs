//! Requests made by `aftercare sync` against the GitHub emulator, next to the floor
//! ceil(issues/100) + 2. Filled in once the emulator exists.

fn main() {}
