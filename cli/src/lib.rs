//! The command-line syntax of `mhub`, as a library of one module.
//!
//! The `mhub` binary (`src/main.rs`) parses its arguments with
//! [`args::Cli`] and runs them; everything that runs lives in the binary.
//! The syntax alone is a library so that the tree of commands can be walked
//! from outside the binary: the integration tests check that every command
//! has its help and examples and that every example parses, and `mhub
//! completions` generates shell scripts from the same tree.

pub mod args;
