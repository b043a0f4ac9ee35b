//! Helm chart templates (and other YAML with Go template actions) read as
//! YAML for the secret rules only.
//!
//! A template is not YAML until Helm renders it: `{{- if … }}` lines and
//! `{{ .Values.x }}` values break a YAML parser. A `kind: Secret` with
//! literal `data` in a template is still a secret committed to Git, so the
//! actions are blanked out (same byte offsets, so lines and columns stay
//! true) and the rest is parsed.

use std::borrow::Cow;

/// `text` with its template actions made harmless for a YAML parser, at the
/// same byte offsets: an action alone on its line(s) (`{{- if … }}`,
/// `{{- end }}`, `{{- include … | nindent 4 }}`) becomes spaces; one inside a
/// line becomes `_{{___}}`, a plain scalar that still reads as a template, so
/// a value holding one is never taken for a clear-text secret.
pub(crate) fn blank_template_actions(text: &str) -> Cow<'_, str> {
    if !text.contains("{{") {
        return Cow::Borrowed(text);
    }
    let mut bytes = text.as_bytes().to_vec();
    let mut from = 0;
    while let Some(start) = text[from..].find("{{").map(|offset| from + offset) {
        let Some(end) = text[start + 2..].find("}}").map(|offset| start + 2 + offset + 2) else { break };
        let line_start = text[..start].rfind('\n').map_or(0, |newline| newline + 1);
        let line_end = text[end..].find('\n').map_or(text.len(), |newline| end + newline);
        let alone = text[line_start..start].trim().is_empty() && text[end..line_end].trim().is_empty();
        let action = &mut bytes[start..end];
        if alone || text[start..end].contains('\n') {
            for byte in action.iter_mut().filter(|byte| **byte != b'\n') {
                *byte = b' ';
            }
        } else if action.len() < 5 {
            action.fill(b'_');
        } else {
            let last = action.len() - 2;
            action.fill(b'_');
            action[1..3].copy_from_slice(b"{{");
            action[last..].copy_from_slice(b"}}");
        }
        from = end;
    }
    // Only ASCII bytes replaced whole ASCII-delimited ranges: still UTF-8.
    Cow::Owned(String::from_utf8(bytes).unwrap_or_else(|_| text.to_owned()))
}

#[cfg(test)]
mod tests {
    use super::blank_template_actions;

    #[test]
    fn actions_alone_on_a_line_become_spaces_and_inline_ones_a_template_scalar() {
        let template = "{{- if .Values.enabled }}\napiVersion: v1\nkind: Secret\nstringData:\n  token: {{ .Values.token | quote }}\n  url: https://{{ .Values.host }}/x\n{{- end }}\n";
        let blanked = blank_template_actions(template);
        assert_eq!(blanked.len(), template.len());
        assert_eq!(
            blanked,
            "                         \napiVersion: v1\nkind: Secret\nstringData:\n  token: _{{______________________}}\n  url: https://_{{_____________}}/x\n          \n"
        );
        let parsed = anton_yaml::parse_stream(&blanked);
        assert!(parsed.issues.is_empty(), "{:?}", parsed.issues);
        let root = &parsed.documents[0].root;
        assert_eq!(root.str_at(&["stringData", "token"]), Some("_{{______________________}}"));
    }

    #[test]
    fn text_without_actions_is_unchanged() {
        assert!(matches!(blank_template_actions("a: b\n"), std::borrow::Cow::Borrowed("a: b\n")));
        // An action never closed is left as it is.
        assert_eq!(blank_template_actions("a: {{ b\n"), "a: {{ b\n");
    }
}
