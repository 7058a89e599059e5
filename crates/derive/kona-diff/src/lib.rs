//! Not written yet: the differential test of verdict-derive against kona-derive 0.4.5 over the
//! generator's chains. This workspace only pins kona's dependency set (its Cargo.lock resolves and
//! builds) so the harness can be added without touching the main workspace.
