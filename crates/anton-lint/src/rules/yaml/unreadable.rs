//! `yaml/unreadable`: a file cannot be read as UTF-8 text.

use anton_core::Severity;

use crate::rule::{Doc, Implementation, Rule};

pub const RULE: Rule = Rule {
    id: "yaml/unreadable",
    severity: Severity::Critical,
    summary: "A YAML file or a folder cannot be read, is not UTF-8, or is a special file",
    doc: Doc {
        what: "A `*.yaml`/`*.yml` file that cannot be read (permissions) or is not UTF-8 text (reported at the line and column of the first invalid byte); a folder that cannot be read (nothing under it was checked); a named pipe, socket or device in the tree, or as a folder's `.gitignore`/`.antonignore` (not opened: reading it could block forever).",
        why: "Flux reads the same files; what anton cannot read, kustomize-controller cannot build.",
        bad: "# a values.yaml saved as UTF-16 by an editor\n",
        fixed: "# the same file saved as UTF-8, or listed in .antonignore if it is not a manifest\n",
        notes: "",
    },
    implementation: Implementation::Structural("the repository loader (anton-repo)"),
};
