//! YAML with positions.
//!
//! Every finding anton reports points at `file:line:col`, so the YAML layer
//! keeps the position of every key and value. We build our own tree from the
//! event stream of `granit-parser` (the parser under `serde-saphyr`) rather
//! than deserialising into typed structs, because a GitOps repository is full
//! of YAML that must be *read* even when it is not what a schema expects:
//!
//! * redefined anchors are legal YAML; an alias refers to the most recent
//!   definition, as in Go's parsers that Kubernetes uses;
//! * merge keys (`<<`) are applied the way go-yaml applies them: explicit keys
//!   win, earlier merged maps win over later ones;
//! * custom tags (`!env_var`, `!secret`) are kept on the node and do not change
//!   how the scalar reads;
//! * duplicate keys are reported, not fatal: the API server rejects them, so
//!   the user must hear about it, but the rest of the file is still checked;
//! * after a syntax error the parser resumes at the next `---`, so one broken
//!   document does not hide the others.
//!
//! Most manifests are plain block YAML; a fast path (behind [`parse_stream_in`])
//! reads those line by line and hands anything unusual (tags, folded or
//! multi-line scalars, escapes, tabs, errors …) to the general parser. Where
//! it answers, its trees are the general parser's, span for span: its tests
//! compare both on every YAML file of the project and of the shared corpora.
//!
//! Scalars keep their source text, and nodes how a scalar was written (its
//! style). How a plain scalar *reads* is a separate question answered by
//! [`Node::resolve`], which follows the YAML 1.1
//! rules of go-yaml v2 behind `sigs.k8s.io/yaml` — the reading kubectl and the
//! API server give (`yes` is a boolean, `0755` an octal integer, `=` a string).
//! A folded scalar holds the value kustomize passes on, which differs from
//! YAML's reading before more-indented lines (see `folded.rs`).

mod build;
mod fast;
mod folded;
mod node;
mod resolve;

pub use build::{ParseOutput, YamlIssue, YamlIssueKind, parse_stream, parse_stream_in};
pub use node::{Children, Document, Entry, Node, Scalar, ScalarStyle, Span, Tag, Value};
pub use resolve::{Resolved, is_ambiguous_plain};
