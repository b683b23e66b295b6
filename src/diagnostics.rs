//! Problems found in postmortems, with file, line and column, and how they are printed.
