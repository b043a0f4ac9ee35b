//! Rules about secrets: clear text, SOPS, private keys, the secret operators.

pub mod onepassworditem_without_operator;
pub mod plaintext_secret;
pub mod private_key_committed;
pub mod sops_not_encrypted;
pub(crate) mod sops_format;
pub mod sops_without_decryption;
