use anton_yaml::{YamlIssueKind, parse_stream};

#[test]
fn positions_of_keys_and_values_are_one_based() {
    let out = parse_stream("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: demo\n");
    assert!(out.issues.is_empty());
    let root = &out.documents[0].root;
    let name = root.path(&["metadata", "name"]).unwrap();
    assert_eq!((name.span.line, name.span.column), (4, 9));
    assert_eq!(name.as_str(), Some("demo"));
    let key = &root.entry("kind").unwrap().key;
    assert_eq!((key.span.line, key.span.column), (2, 1));
    assert_eq!(name.span.start as usize, "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ".len());
}

#[test]
fn multi_document_streams_keep_their_index() {
    let out = parse_stream("a: 1\n---\n---\nb: 2\n...\n---\nc: 3\n");
    assert!(out.issues.is_empty(), "{:?}", out.issues);
    let indices: Vec<_> = out.documents.iter().map(|d| d.index).collect();
    // The empty second document still counts, so indices match kubectl's.
    assert_eq!(indices, [0, 2, 3]);
}

#[test]
fn redefined_anchors_refer_to_the_latest_definition() {
    let src = "a: &x 1\nb: *x\nc: &x 2\nd: *x\n";
    let out = parse_stream(src);
    assert!(out.issues.is_empty(), "{:?}", out.issues);
    let root = &out.documents[0].root;
    assert_eq!(root.get("b").unwrap().as_i64(), Some(1));
    assert_eq!(root.get("d").unwrap().as_i64(), Some(2));
}

#[test]
fn merge_keys_let_explicit_keys_win() {
    let src = "base: &base\n  a: 1\n  b: 2\nother: &other\n  b: 9\n  c: 3\nderived:\n  <<: [*base, *other]\n  a: 10\n";
    let out = parse_stream(src);
    assert!(out.issues.is_empty(), "{:?}", out.issues);
    let derived = out.documents[0].root.get("derived").unwrap();
    assert_eq!(derived.get("a").unwrap().as_i64(), Some(10));
    assert_eq!(derived.get("b").unwrap().as_i64(), Some(2));
    assert_eq!(derived.get("c").unwrap().as_i64(), Some(3));
    assert!(derived.get("<<").is_none());
}

#[test]
fn custom_tags_and_odd_plain_scalars_are_just_values() {
    let src = "password: !env_var DB_PASSWORD\nmatchType: =\nurl: ${SECRET_DOMAIN}\nreplicas: ${REPLICAS:=2}\n";
    let out = parse_stream(src);
    assert!(out.issues.is_empty(), "{:?}", out.issues);
    let root = &out.documents[0].root;
    assert_eq!(root.get("password").unwrap().tag.as_deref(), Some("!env_var"));
    assert_eq!(root.get("password").unwrap().as_str(), Some("DB_PASSWORD"));
    assert_eq!(root.get("matchType").unwrap().as_str(), Some("="));
    assert_eq!(root.get("replicas").unwrap().as_str(), Some("${REPLICAS:=2}"));
}

#[test]
fn duplicate_keys_are_reported_with_both_lines_and_last_wins() {
    let out = parse_stream("metadata:\n  name: a\n  name: b\n");
    assert_eq!(out.issues.len(), 1);
    let issue = &out.issues[0];
    assert_eq!(issue.kind, YamlIssueKind::DuplicateKey);
    assert_eq!(issue.span.line, 3);
    assert_eq!(issue.related.unwrap().line, 2);
    assert_eq!(out.documents[0].root.str_at(&["metadata", "name"]), Some("b"));
}

#[test]
fn a_syntax_error_skips_only_its_document() {
    let src = "good: 1\n---\nbad: [1, 2\n---\nalso_good: 2\n";
    let out = parse_stream(src);
    assert_eq!(out.issues.len(), 1);
    assert_eq!(out.issues[0].kind, YamlIssueKind::Syntax);
    // Line 3, column 6: the `[` whose flow sequence never closes.
    assert_eq!((out.issues[0].span.line, out.issues[0].span.column), (3, 6), "{:?}", out.issues[0]);
    let keys: Vec<_> = out
        .documents
        .iter()
        .map(|d| d.root.entries()[0].key.scalar_text().unwrap().to_owned())
        .collect();
    assert_eq!(keys, ["good", "also_good"]);
    assert_eq!(out.documents[1].index, 2);
}

#[test]
fn syntax_error_position_points_at_the_problem() {
    let out = parse_stream("a: 1\nb: \"unterminated\n");
    assert_eq!(out.issues.len(), 1);
    assert_eq!(out.issues[0].kind, YamlIssueKind::Syntax);
    // Line 2, column 4: the quote that is never closed.
    assert_eq!((out.issues[0].span.line, out.issues[0].span.column), (2, 4), "{:?}", out.issues[0]);
}

#[test]
fn alias_bombs_are_cut_off() {
    let mut src = String::from("a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n");
    for i in 1..9 {
        let prev = format!("*a{}", i - 1);
        src.push_str(&format!("a{i}: &a{i} [{}]\n", vec![prev; 10].join(", ")));
    }
    let out = parse_stream(&src);
    assert!(out.issues.iter().any(|i| i.kind == YamlIssueKind::AliasExpansion));
}

#[test]
fn json_conversion_follows_kubernetes_scalar_rules() {
    let out = parse_stream("on: yes\nmode: 0644\nversion: \"1.0\"\nratio: 1.5\nempty:\nlist: [a, 1]\n");
    let json = out.documents[0].root.to_json();
    assert_eq!(
        json,
        serde_json::json!({"on": true, "mode": 420, "version": "1.0", "ratio": 1.5, "empty": null, "list": ["a", 1]})
    );
}

#[test]
fn comments_and_schema_modelines_are_ignored() {
    let src = "# yaml-language-server: $schema=https://example.com/schema.json\n---\n# comment\nkey: value # trailing\n";
    let out = parse_stream(src);
    assert!(out.issues.is_empty());
    assert_eq!(out.documents.len(), 1);
    assert_eq!(out.documents[0].root.str_at(&["key"]), Some("value"));
}

#[test]
fn an_alias_inside_its_own_anchor_is_reported_and_keeps_the_mapping_in_step() {
    let output = parse_stream("b: &x\n  c: *x\n  d: 2\n");
    assert_eq!(output.issues.len(), 1, "{:?}", output.issues);
    assert!(output.issues[0].message.contains("cannot contain itself"));
    assert_eq!(output.issues[0].span.line, 2);
    let b = output.documents[0].root.get("b").unwrap();
    assert_eq!(b.get("c").and_then(|c| c.scalar_text()), Some(""));
    assert_eq!(b.get("d").and_then(|d| d.scalar_text()), Some("2"));
}

#[test]
fn mapping_keys_that_are_collections_are_reported() {
    for source in ["? [a, b]\n: x\n", "? {a: 1}\n: x\n", "data: {[a]: 1}\n", "ok: 1\n? - a\n: x\n"] {
        let out = parse_stream(source);
        let issue = out.issues.iter().find(|i| i.kind == YamlIssueKind::ComplexKey);
        let issue = issue.unwrap_or_else(|| panic!("no complex-key issue for {source:?}: {:?}", out.issues));
        assert!(issue.message.contains("the API server rejects it"), "{}", issue.message);
    }
    assert!(parse_stream("a: 1\n\"b\": 2\n").issues.is_empty());
}
