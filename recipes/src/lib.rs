//! # fetch-cors-recipes
//!
//! Recipes for fetch-cors and guides for moving to it from the other Rust CORS crates.
//! Nothing here is published: each recipe is an example under `examples/` and a test under
//! `tests/` that runs it as a user would, and each migration guide under `migrating/` is
//! included below so that its Rust blocks compile and run as doctests. The index is the
//! crate's `README.md`.
#![forbid(unsafe_code)]

/// Migrating from tower-http's `CorsLayer`; its Rust blocks run as doctests.
#[cfg(doctest)]
#[doc = include_str!("../migrating/tower-http.md")]
pub struct MigratingFromTowerHttp;

/// Migrating from actix-cors; its Rust blocks run as doctests.
#[cfg(doctest)]
#[doc = include_str!("../migrating/actix-cors.md")]
pub struct MigratingFromActixCors;

/// Migrating from rocket_cors; its Rust blocks run as doctests.
#[cfg(doctest)]
#[doc = include_str!("../migrating/rocket_cors.md")]
pub struct MigratingFromRocketCors;

/// Migrating from `warp::cors`; its Rust blocks run as doctests.
#[cfg(doctest)]
#[doc = include_str!("../migrating/warp.md")]
pub struct MigratingFromWarp;
