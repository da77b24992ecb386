//! The raw imports of module `wactor`, with the ABI's exact signatures (docs/ABI.md).
//!
//! Pointers and lengths are `i32` offsets into this module's memory. Everything else in the
//! crate calls these through the safe wrappers; a component never needs them. An import the
//! component never calls is dropped by the linker, so a module imports only what it uses.

#[link(wasm_import_module = "wactor")]
extern "C" {
    pub fn send(target: *const u8, target_len: i32, payload: *const u8, payload_len: i32) -> i32;
    pub fn request(
        target: *const u8,
        target_len: i32,
        payload: *const u8,
        payload_len: i32,
        timeout_ms: i32,
    ) -> i64;
    pub fn respond(correlation: i64, status: i32, payload: *const u8, payload_len: i32) -> i32;
    pub fn cancel(correlation: i64) -> i32;
    pub fn publish(topic: *const u8, topic_len: i32, payload: *const u8, payload_len: i32) -> i32;
    pub fn subscribe(pattern: *const u8, pattern_len: i32) -> i32;
    pub fn unsubscribe(pattern: *const u8, pattern_len: i32) -> i32;

    pub fn msg_sender(buf: *mut u8, cap: i32) -> i32;
    pub fn msg_payload(buf: *mut u8, cap: i32) -> i32;
    pub fn msg_topic(buf: *mut u8, cap: i32) -> i32;
    pub fn msg_header(name: *const u8, name_len: i32, buf: *mut u8, cap: i32) -> i32;
    pub fn respond_header(
        correlation: i64,
        name: *const u8,
        name_len: i32,
        value: *const u8,
        value_len: i32,
    ) -> i32;

    pub fn self_name(buf: *mut u8, cap: i32) -> i32;
    pub fn config(buf: *mut u8, cap: i32) -> i32;
    pub fn log(level: i32, text: *const u8, len: i32) -> i32;
    pub fn now_ms() -> i64;

    pub fn kv_get(key: *const u8, key_len: i32, buf: *mut u8, cap: i32) -> i32;
    pub fn kv_set(key: *const u8, key_len: i32, value: *const u8, value_len: i32) -> i32;
    pub fn kv_delete(key: *const u8, key_len: i32) -> i32;

    pub fn send_after(
        target: *const u8,
        target_len: i32,
        payload: *const u8,
        payload_len: i32,
        delay_ms: i32,
        period_ms: i32,
    ) -> i64;
    pub fn timer_cancel(timer: i64) -> i32;

    pub fn spawn(
        template: *const u8,
        template_len: i32,
        suffix: *const u8,
        suffix_len: i32,
        config: *const u8,
        config_len: i32,
    ) -> i32;
    pub fn stop(name: *const u8, name_len: i32) -> i32;
    pub fn monitor(name: *const u8, name_len: i32) -> i64;
    pub fn demonitor(reference: i64) -> i32;

    pub fn state_save(data: *const u8, len: i32) -> i32;
    pub fn state_load(buf: *mut u8, cap: i32) -> i32;

    pub fn http_request(
        method: *const u8,
        method_len: i32,
        url: *const u8,
        url_len: i32,
        headers: *const u8,
        headers_len: i32,
        body: *const u8,
        body_len: i32,
        timeout_ms: i32,
    ) -> i64;
}
