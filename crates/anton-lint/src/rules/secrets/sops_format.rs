//! Whether a file's text is SOPS-encrypted, in every format SOPS writes and
//! kustomize-controller decrypts for a `secretGenerator` (`files`, `envs`):
//! YAML and JSON carry a `sops` map, dotenv `sops_version=` / `sops_mac=`
//! lines, INI a `[sops]` section, and a binary file becomes a JSON envelope
//! `{"data": "ENC[…]", "sops": {…}}`. SOPS always writes `version` and `mac`.

pub(crate) fn is_sops_encrypted(text: &str) -> bool {
    is_sops_yaml(text) || is_sops_json(text) || is_sops_dotenv(text) || is_sops_ini(text)
}

fn is_sops_yaml(text: &str) -> bool {
    let mut in_sops = false;
    let (mut version, mut mac) = (false, false);
    for line in text.lines() {
        if !line.starts_with([' ', '\t']) && !line.is_empty() {
            in_sops = line.trim_end() == "sops:";
            continue;
        }
        if in_sops {
            let key = line.trim_start();
            version |= key.starts_with("version:");
            mac |= key.starts_with("mac:");
        }
    }
    version && mac
}

fn is_sops_json(text: &str) -> bool {
    if !text.trim_start().starts_with('{') {
        return false;
    }
    // JSON is YAML: the same reader, without another parser.
    let parsed = anton_yaml::parse_stream(text);
    let Some(sops) = parsed.documents.first().and_then(|document| document.root.get("sops")) else { return false };
    sops.get("version").is_some() && sops.get("mac").is_some()
}

fn is_sops_dotenv(text: &str) -> bool {
    let has = |key: &str| text.lines().any(|line| line.trim_start().starts_with(key));
    has("sops_version=") && has("sops_mac=")
}

fn is_sops_ini(text: &str) -> bool {
    let mut in_sops = false;
    let (mut version, mut mac) = (false, false);
    for line in text.lines().map(str::trim) {
        if line.starts_with('[') {
            in_sops = line == "[sops]";
            continue;
        }
        if in_sops {
            let key = line.split('=').next().unwrap_or_default().trim();
            version |= key == "version";
            mac |= key == "mac";
        }
    }
    version && mac
}

#[cfg(test)]
mod tests {
    use super::is_sops_encrypted;

    #[test]
    fn every_format_sops_writes_is_recognised() {
        for text in [
            "password: ENC[AES256_GCM,data:eA==,type:str]\nsops:\n    lastmodified: \"2024-01-01T00:00:00Z\"\n    mac: ENC[AES256_GCM,data:eA==,type:str]\n    version: 3.8.1\n",
            "{\n\t\"password\": \"ENC[AES256_GCM,data:eA==,type:str]\",\n\t\"sops\": {\"mac\": \"ENC[…]\", \"version\": \"3.8.1\"}\n}\n",
            "{\"data\": \"ENC[AES256_GCM,data:eA==,type:str]\", \"sops\": {\"mac\": \"ENC[…]\", \"version\": \"3.9.0\"}}",
            "TOKEN=ENC[AES256_GCM,data:eA==,type:str]\nsops_lastmodified=2024-01-01T00:00:00Z\nsops_mac=ENC[AES256_GCM,data:eA==,type:str]\nsops_version=3.8.1\n",
            "[app]\ntoken = ENC[AES256_GCM,data:eA==,type:str]\n\n[sops]\nmac = ENC[AES256_GCM,data:eA==,type:str]\nversion = 3.8.1\n",
        ] {
            assert!(is_sops_encrypted(text), "{text}");
        }
    }

    #[test]
    fn plain_files_that_mention_sops_are_not() {
        for text in [
            "password: hunter2\n# sops:\n",
            "password: hunter2\nnested:\n  sops:\n    mac: x\n    version: 1\n",
            "{\"password\": \"hunter2\", \"sops\": \"todo\"}",
            "TOKEN=hunter2\nsops_version=3.8.1\n",
            "[app]\ntoken = hunter2\nmac = x\nversion = 1\n",
            "\u{0}\u{1}binary",
        ] {
            assert!(!is_sops_encrypted(text), "{text}");
        }
    }
}
