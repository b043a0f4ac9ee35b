//! The process-wide environment is started once and reused.

use anton_testenv::TestEnv;

#[test]
fn shared_env_is_reused() {
    let Some(first) = TestEnv::shared() else {
        return;
    };
    let second = TestEnv::shared().expect("shared env");
    assert!(std::ptr::eq(first, second));

    first.create_namespace("shared-a").expect("namespace a");
    let names = second
        .kubectl(["get", "namespace", "shared-a", "-o", "name"])
        .expect("namespace visible through the same env");
    assert_eq!(names.trim(), "namespace/shared-a");
}
