//! The vocabulary every anton crate shares: where something is ([`Location`]),
//! what an object is ([`ObjectId`]), what is wrong with it ([`Finding`]) and the
//! JSON contract the old Deno scripts established ([`Report`]).
//!
//! This crate does no I/O, so everything in it is testable with plain values
//! ([`secrets`] only wraps a writer it is given).

mod finding;
mod identity;
mod location;
mod report;
pub mod secrets;
pub mod scope;

pub use scope::ScopeTable;

pub use finding::{Finding, Severity};
pub use identity::{ApiVersion, ObjectId};
pub use location::Location;
pub use report::{ExitStatus, Report, Status, Subject, Summary};
