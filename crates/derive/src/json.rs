//! op-node's rollup config JSON (`rollup.json`), parsed without `std`.
