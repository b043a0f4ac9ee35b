//! Schema validation: every object checked offline against its API (the
//! built-in Kubernetes and Flux schemas, the CRDs of the repository,
//! `--schema-location`). Implemented in anton-schema; registered here for
//! their documentation, selection and severity overrides.

pub mod constraint;
pub mod r#enum;
pub mod format;
pub mod required;
pub mod r#type;
pub mod unknown_field;
pub mod unknown_kind;
